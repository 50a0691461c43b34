package vm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	fencevm "github.com/baton-ha/baton/agents/fence_baton_vm"
	"github.com/baton-ha/baton/tests/harness/netns"
)

// PowerSwitch is the VM tier's fence device on the host: a
// fence_baton_vm switch (agents/fence_baton_vm) listening inside the
// test's namespace, so that the guests reach it over their bridges, and
// driving this cluster's qemu processes. Off is SIGKILL of the guest's
// qemu (the process group the harness started, nothing else): the guest
// can never resume its old state. On boots the guest again (Restart) in
// the background and answers at once, as a PDU applies power without
// waiting for the operating system; WaitOn waits for that boot.
type PowerSwitch struct {
	Addr string // where it listens, inside the namespace
	Log  string // its log file: one line per request

	c  *Cluster
	sw *fencevm.Switch

	mu      sync.Mutex
	booting map[string]*powerOn // guest -> its power-on in progress
	events  []PowerEvent
}

// PowerEvent is one power operation the switch carried out.
type PowerEvent struct {
	Plug string
	Op   string // "off" or "on"
	At   time.Time
	Took time.Duration // off: until qemu was gone; on: until qemu started
	Err  error
}

type powerOn struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// StartPowerSwitch serves the guests of c (their names are the plugs) on
// addr (e.g. ":5407") inside the test's namespace, with key. It stops when
// the test ends, before the guests are torn down; a power-on still booting
// then is cancelled.
func (c *Cluster) StartPowerSwitch(t testing.TB, addr string, key []byte) *PowerSwitch {
	t.Helper()
	p := &PowerSwitch{c: c, booting: map[string]*powerOn{}, Log: filepath.Join(c.Dir, "power-switch.log")}
	logf, err := os.Create(p.Log)
	if err != nil {
		t.Fatal(err)
	}
	p.sw = &fencevm.Switch{Key: fencevm.Key(key), Power: p, OpTimeout: time.Minute,
		Log: slog.New(slog.NewTextHandler(logf, nil))}
	var l net.Listener
	if err := netns.Do(c.Net.NS, func() error {
		var err error
		l, err = net.Listen("tcp", addr)
		return err
	}); err != nil {
		logf.Close()
		t.Fatalf("power switch: listen on %s in %s: %v", addr, c.Net.NS, err)
	}
	p.Addr = l.Addr().String()
	served := make(chan error, 1)
	go func() { served <- p.sw.Serve(l) }()
	t.Cleanup(func() {
		p.sw.Close()
		<-served
		p.mu.Lock()
		var pending []*powerOn
		for _, b := range p.booting {
			b.cancel()
			pending = append(pending, b)
		}
		p.mu.Unlock()
		for _, b := range pending {
			<-b.done
		}
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(p.Log)
			t.Logf("power switch log:\n%s", tail(string(b), 3000))
		}
	})
	return p
}

// Events returns the power operations carried out so far.
func (p *PowerSwitch) Events() []PowerEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]PowerEvent(nil), p.events...)
}

func (p *PowerSwitch) record(e PowerEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, e)
}

// Plugs implements fencevm.Power: the guests' names.
func (p *PowerSwitch) Plugs() []string {
	p.c.mu.Lock()
	defer p.c.mu.Unlock()
	out := make([]string, 0, len(p.c.machines))
	for name := range p.c.machines {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func (p *PowerSwitch) machine(plug string) (*Machine, error) {
	m := p.c.M(plug)
	if m == nil {
		return nil, fmt.Errorf("%w: %q", fencevm.ErrUnknownPlug, plug)
	}
	return m, nil
}

func alive(m *Machine) bool {
	select {
	case <-m.Dead():
		return false
	default:
		return true
	}
}

// On implements fencevm.Power: the guest's qemu runs, or is being started.
func (p *PowerSwitch) On(plug string) (bool, error) {
	m, err := p.machine(plug)
	if err != nil {
		return false, err
	}
	p.mu.Lock()
	booting := p.booting[plug] != nil
	p.mu.Unlock()
	return booting || alive(m), nil
}

// PowerOff implements fencevm.Power: a power-on in progress is cancelled,
// then the guest's qemu is killed; it returns once qemu has exited.
func (p *PowerSwitch) PowerOff(ctx context.Context, plug string) error {
	start := time.Now()
	p.mu.Lock()
	b := p.booting[plug]
	p.mu.Unlock()
	if b != nil {
		b.cancel()
		select {
		case <-b.done:
		case <-ctx.Done():
			return fmt.Errorf("the power-on in progress did not stop: %w", ctx.Err())
		}
	}
	m, err := p.machine(plug)
	if err != nil {
		return err
	}
	if !alive(m) {
		// Already off (a power cut): recorded all the same, as a PDU logs
		// the command, so that a test sees when the fence confirmed it.
		p.record(PowerEvent{Plug: plug, Op: "off", At: start, Took: time.Since(start)})
		return nil
	}
	m.Kill()
	err = nil
	if alive(m) {
		err = fmt.Errorf("qemu of %s (pid %d) survived SIGKILL", plug, m.cmd.Process.Pid)
	}
	p.record(PowerEvent{Plug: plug, Op: "off", At: start, Took: time.Since(start), Err: err})
	return err
}

// PowerOn implements fencevm.Power: the guest boots again on its disk and
// NICs (Cluster.Restart), in the background.
func (p *PowerSwitch) PowerOn(ctx context.Context, plug string) error {
	m, err := p.machine(plug)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.booting[plug] != nil || alive(m) {
		return nil // already on
	}
	bctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	b := &powerOn{cancel: cancel, done: make(chan struct{})}
	p.booting[plug] = b
	start := time.Now()
	go func() {
		defer cancel()
		_, err := p.c.Restart(bctx, plug)
		p.mu.Lock()
		b.err = err
		delete(p.booting, plug)
		p.events = append(p.events, PowerEvent{Plug: plug, Op: "on", At: start, Took: time.Since(start), Err: err})
		p.mu.Unlock()
		close(b.done)
	}()
	return nil
}

// Restore powers plug on, as an administrator restores a server's power
// after a fence left it off, and waits for the boot (PowerOn, WaitOn).
func (p *PowerSwitch) Restore(ctx context.Context, plug string) (*Machine, error) {
	if err := p.PowerOn(ctx, plug); err != nil {
		return nil, err
	}
	return p.WaitOn(ctx, plug)
}

// WaitOn waits until a power-on of plug in progress has booted the guest
// (its shell answers) and returns the new boot.
func (p *PowerSwitch) WaitOn(ctx context.Context, plug string) (*Machine, error) {
	p.mu.Lock()
	b := p.booting[plug]
	p.mu.Unlock()
	if b != nil {
		select {
		case <-b.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if b.err != nil {
			return nil, b.err
		}
	}
	m, err := p.machine(plug)
	if err != nil {
		return nil, err
	}
	if !alive(m) {
		return nil, errors.New(plug + " is off")
	}
	return m, nil
}
