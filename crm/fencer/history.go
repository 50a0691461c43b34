package fencer

import "sync"

// historyLimit bounds the kept history: enough to see a flapping node's
// last fences, small enough for every status reply.
const historyLimit = 32

// history is the bounded, ordered record of fencing results.
type history struct {
	mu   sync.Mutex
	list []Result
}

func (h *history) add(r Result) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.list = append(h.list, r)
	if len(h.list) > historyLimit {
		h.list = append([]Result(nil), h.list[len(h.list)-historyLimit:]...)
	}
}

func (h *history) all() []Result {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Result(nil), h.list...)
}
