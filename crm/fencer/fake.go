package fencer

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Fake is an in-memory Fencer for tests: it fences nothing and answers
// what it is told, recording every request.
type Fake struct {
	Self string
	// Fail makes requests for these targets fail with the error.
	Fail map[string]error
	// Block makes Fence wait until the channel is closed or ctx ends.
	Block chan struct{}

	mu       sync.Mutex
	Requests []Request
	history  history
}

// Fence implements Fencer.
func (f *Fake) Fence(ctx context.Context, req Request) Result {
	f.mu.Lock()
	f.Requests = append(f.Requests, req)
	err := f.Fail[req.Target]
	block := f.Block
	f.mu.Unlock()
	res := Result{Target: req.Target, Action: req.Action, Origin: req.Origin, Executor: f.Self, Started: time.Now(), Devices: []string{"fake"}}
	if req.Target == f.Self && req.Action != "on" {
		err = errors.New("a node never fences itself with a device")
	}
	if err == nil && !sleep(ctx, req.Delay) {
		err = ctx.Err()
	}
	if err == nil && block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	res.OK = err == nil
	if err != nil {
		res.Error = err.Error()
	}
	res.Completed = time.Now()
	f.history.add(res)
	return res
}

// History implements Fencer.
func (f *Fake) History() []Result { return f.history.all() }

// Calls returns the requests seen so far.
func (f *Fake) Calls() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.Requests...)
}
