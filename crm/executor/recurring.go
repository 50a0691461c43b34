package executor

import (
	"context"
	"sync"
	"time"
)

// Monitors runs recurring operations. Like execd, it reports a recurring
// operation's first result and every change of result after that, not each
// repetition.
type Monitors struct {
	exec *Executor

	mu      sync.Mutex
	running map[string]recurring // by Operation.Key
	wg      sync.WaitGroup
}

type recurring struct {
	resource string
	cancel   context.CancelFunc
}

// NewMonitors returns an empty set of recurring operations run by e.
func NewMonitors(e *Executor) *Monitors {
	return &Monitors{exec: e, running: map[string]recurring{}}
}

// Start begins running op every op.Interval, first after one interval (the
// caller has just run it once), reporting through report. Starting an
// operation that already runs replaces it.
func (m *Monitors) Start(op Operation, last Result, report func(Result)) {
	ctx, cancel := context.WithCancel(context.Background())
	m.mu.Lock()
	if old, ok := m.running[op.Key()]; ok {
		old.cancel()
	}
	m.running[op.Key()] = recurring{resource: op.Resource, cancel: cancel}
	m.mu.Unlock()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(op.Interval)
		defer t.Stop()
		prevRC, prevReason := last.RC, last.Reason
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			r := m.exec.Run(ctx, op)
			if ctx.Err() != nil {
				return // cancelled while running: the result is moot
			}
			if r.RC != prevRC || r.Reason != prevReason {
				prevRC, prevReason = r.RC, r.Reason
				report(r)
			}
		}
	}()
}

// Cancel stops the recurring operations of resource (all of them when key
// is empty, else the one with that Operation.Key).
func (m *Monitors) Cancel(resource, key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, r := range m.running {
		if r.resource == resource && (key == "" || k == key) {
			r.cancel()
			delete(m.running, k)
		}
	}
}

// Active returns the keys of the running recurring operations.
func (m *Monitors) Active() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.running))
	for k := range m.running {
		out = append(out, k)
	}
	return out
}

// Stop cancels everything and waits for running agents to finish.
func (m *Monitors) Stop() {
	m.mu.Lock()
	for k, r := range m.running {
		r.cancel()
		delete(m.running, k)
	}
	m.mu.Unlock()
	m.wg.Wait()
}
