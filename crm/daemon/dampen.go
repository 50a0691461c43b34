package daemon

import (
	"sync"
	"time"
)

// dampener holds a changed node attribute back for its dampening delay
// before it reaches the controller, as Pacemaker's attribute manager does
// for attrd_updater -d (ocf:pacemaker:ping's dampen): each change restarts
// the wait, and the value is written once it has stayed the same for the
// delay. A connectivity check that flaps for less than the delay thus
// causes no transition, and a lost network moves the service only after
// the delay, as under Pacemaker.
type dampener struct {
	// write sets an attribute at once; "" removes it.
	write func(name, value string)
	// current is the attribute's written value.
	current func(name string) string

	mu      sync.Mutex
	pending map[string]*pendingAttr
}

// pendingAttr is a change waiting out its delay. gen tells a timer that
// was replaced by a later change that it must not write.
type pendingAttr struct {
	value string
	gen   int
	timer *time.Timer
}

// set writes value for name once it has not changed for delay; delay 0
// writes at once and drops a pending change.
func (d *dampener) set(name, value string, delay time.Duration) {
	d.mu.Lock()
	p := d.pending[name]
	if delay <= 0 {
		if p != nil {
			p.timer.Stop()
			delete(d.pending, name)
		}
		d.mu.Unlock()
		d.write(name, value)
		return
	}
	defer d.mu.Unlock()
	switch {
	case p == nil && d.current(name) == value:
		return // nothing changes
	case p == nil:
		p = &pendingAttr{}
		if d.pending == nil {
			d.pending = map[string]*pendingAttr{}
		}
		d.pending[name] = p
	case p.value == value:
		return // the same change again: its wait goes on
	default:
		p.timer.Stop()
	}
	p.value = value
	p.gen++
	gen := p.gen
	p.timer = time.AfterFunc(delay, func() { d.fire(name, p, gen) })
}

func (d *dampener) fire(name string, p *pendingAttr, gen int) {
	d.mu.Lock()
	if d.pending[name] != p || p.gen != gen {
		d.mu.Unlock()
		return // replaced by a later change or a plain write
	}
	delete(d.pending, name)
	value := p.value
	d.mu.Unlock()
	d.write(name, value)
}

// stop drops every pending change (the daemon is shutting down).
func (d *dampener) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, p := range d.pending {
		p.timer.Stop()
		delete(d.pending, name)
	}
}
