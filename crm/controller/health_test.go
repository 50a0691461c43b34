package controller

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/executor"
	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/ocf"
)

func TestHealthForTheWatchdog(t *testing.T) {
	c := newFencingController(t, fencingCIB("", ""), "stop", nil)
	c.progress(time.Time{})
	op := func(rsc, action string, interval time.Duration) executor.Operation {
		return executor.Operation{Resource: rsc, Class: "ocf", Action: action, Interval: interval}
	}
	c.noteActive(op("fs", ocf.ActionStart, 0), ocf.Success)
	c.noteActive(op("vip", ocf.ActionStart, 0), ocf.Success)
	c.noteActive(op("probe-only", ocf.ActionMonitor, 0), ocf.NotRunning)
	if got := strings.Join(c.activeOrder, ","); got != "fs,vip" {
		t.Fatalf("active in start order: %q", got)
	}
	c.quorate = true
	if err := c.Healthy(); err != nil {
		t.Errorf("quorate, loop moving: %v", err)
	}
	c.quorate, c.reason = false, "1 of 2 nodes"
	if err := c.Healthy(); err == nil || !strings.Contains(err.Error(), "still running fs, vip") {
		t.Errorf("not quorate while running: %v", err)
	}
	c.noteActive(op("vip", ocf.ActionStop, 0), ocf.Success)
	c.noteActive(op("fs", ocf.ActionStop, 0), 1) // a failed stop: still owed
	if err := c.Healthy(); err == nil || !strings.Contains(err.Error(), "still running fs") {
		t.Errorf("failed stop: %v", err)
	}
	c.noteActive(op("fs", ocf.ActionStop, 0), ocf.Success)
	if err := c.Healthy(); err != nil {
		t.Errorf("not quorate but running nothing may pet: %v", err)
	}
	c.mu.Lock()
	c.lastProgress = time.Now().Add(-10 * time.Second)
	c.mu.Unlock()
	if err := c.Healthy(); err == nil || !strings.Contains(err.Error(), "no progress") {
		t.Errorf("stalled loop: %v", err)
	}
	c.progress(time.Now().Add(time.Minute)) // an operation with a minute to go
	c.mu.Lock()
	c.lastProgress = time.Now().Add(-10 * time.Second)
	c.mu.Unlock()
	if err := c.Healthy(); err != nil {
		t.Errorf("a long operation within its timeout is progress: %v", err)
	}
}

// TestStopLocalBeforeDisarm: a clean shutdown under a watchdog stops what
// the node runs, newest first, and reports a stop that failed (the daemon
// then leaves the watchdog armed).
func TestStopLocalBeforeDisarm(t *testing.T) {
	c := newFencingController(t, fencingCIB(`<nvpair id="o1" name="stonith-enabled" value="false"/>`, `
<primitive id="first" class="ocf" provider="test" type="ok"/>
<primitive id="second" class="ocf" provider="test" type="ok"/>
<primitive id="stuck" class="ocf" provider="test" type="fails"/>`), "stop", nil)
	dir := filepath.Join(c.cfg.Exec.OCFRoot, "resource.d", "test")
	log := filepath.Join(t.TempDir(), "stops")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, script string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("ok", "#!/bin/sh\necho \"$OCF_RESOURCE_INSTANCE $1\" >> "+log+"\nexit 0\n")
	write("fails", "#!/bin/sh\nexit 1\n")
	op := func(rsc string) executor.Operation {
		return executor.Operation{Resource: rsc, Class: "ocf", Action: ocf.ActionStart}
	}
	c.noteActive(op("first"), ocf.Success)
	c.noteActive(op("second"), ocf.Success)
	if err := c.StopLocal(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(log)
	if string(b) != "second stop\nfirst stop\n" {
		t.Errorf("stops ran as %q, want second then first", b)
	}
	if err := c.Healthy(); err != nil || len(c.activeOrder) != 0 {
		t.Errorf("after the stops nothing runs: %v %v", err, c.activeOrder)
	}
	c.noteActive(op("stuck"), ocf.Success)
	if err := c.StopLocal(context.Background()); err == nil || !strings.Contains(err.Error(), "could not stop stuck") {
		t.Errorf("a failing stop must be reported: %v", err)
	}
}

// setMembers is a membership whose live members the test sets.
type setMembers struct {
	mu    sync.Mutex
	alive []string
}

func (m *setMembers) Alive() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.alive...)
}
func (m *setMembers) set(alive ...string) {
	m.mu.Lock()
	m.alive = alive
	m.mu.Unlock()
}
func (*setMembers) Snapshot() []membership.PeerState { return nil }
func (*setMembers) Changes() <-chan struct{}         { return nil }

// TestWatchdogSeesQuorumLossDuringALongOperation: the main loop decides
// quorum only between steps, and a step may wait minutes for a start or
// stop. A node that loses its partition meanwhile must stop petting its
// watchdog within the bound, not when the operation ends: the quorum
// watcher's decision counts beside the main loop's, and a watcher that
// stopped deciding counts as no quorum.
func TestWatchdogSeesQuorumLossDuringALongOperation(t *testing.T) {
	mem := &setMembers{alive: []string{"a", "b"}}
	doc, err := cibdoc.Parse([]byte(fencingCIB("", "")))
	if err != nil {
		t.Fatal(err)
	}
	c := New(Config{Cluster: "c", Node: "a", NodeID: 1, Peers: []Peer{{Name: "b", ID: 2}}, Key: key,
		Members: mem, Exec: &executor.Executor{OCFRoot: t.TempDir()}, Quorum: &Quorum{Policy: "stop"},
		WatchdogTimeout: 5 * time.Second}, doc)
	c.noteActive(executor.Operation{Resource: "fs", Class: "ocf", Action: ocf.ActionStart}, ocf.Success)
	// The main loop decided "quorate" and is now inside an operation with
	// a minute to go: it decides nothing until that ends.
	c.mu.Lock()
	c.quorate = true
	c.mu.Unlock()
	c.progress(time.Now().Add(time.Minute))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { c.watchQuorum(ctx); close(done) }()
	waitHealth := func(what string, ok func(error) bool) error {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			err := c.Healthy()
			if ok(err) {
				return err
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: Healthy() = %v", what, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitHealth("both nodes members", func(err error) bool { return err == nil && !c.liveAt().IsZero() })
	mem.set("a") // the peer is declared lost; policy stop: not quorate
	err = waitHealth("peer lost during the operation", func(err error) bool { return err != nil })
	if !strings.Contains(err.Error(), "not quorate (1 of 2 nodes, no-quorum policy stop) and this node still runs fs") {
		t.Errorf("reason: %v", err)
	}
	mem.set("a", "b")
	waitHealth("peer back", func(err error) bool { return err == nil })

	// A daemon that shuts down ends the watcher while it may still stop
	// resources under the watchdog: the main loop's word counts again.
	cancel()
	<-done
	if err := c.Healthy(); err != nil {
		t.Errorf("watcher ended at shutdown: %v", err)
	}
	// A watcher that stopped deciding (stuck) is no evidence of quorum.
	c.mu.Lock()
	c.live = liveQuorum{quorate: true, at: time.Now().Add(-c.liveLimit() - time.Second)}
	c.mu.Unlock()
	if err := c.Healthy(); err == nil || !strings.Contains(err.Error(), "quorum not decided for") {
		t.Errorf("stale watcher: %v", err)
	}
	// Running nothing, a node may pet whatever quorum says.
	c.noteActive(executor.Operation{Resource: "fs", Class: "ocf", Action: ocf.ActionStop}, ocf.Success)
	if err := c.Healthy(); err != nil {
		t.Errorf("idle node: %v", err)
	}
}

func (c *Controller) liveAt() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live.at
}

// TestIdleCountsOnlyWhatDistinguishesTheNode: clone instances that run on
// every node (ping, an unpromoted DRBD instance) leave a node idle for the
// witness's ask; a group member or a promoted instance does not.
func TestIdleCountsOnlyWhatDistinguishesTheNode(t *testing.T) {
	c := &Controller{}
	clone := func(rsc, action string, rc ocf.ExitCode) {
		c.noteActive(executor.Operation{Resource: rsc, Action: action, Meta: map[string]string{"clone": "0"}}, rc)
	}
	plain := func(rsc, action string, rc ocf.ExitCode) {
		c.noteActive(executor.Operation{Resource: rsc, Action: action, Meta: map[string]string{}}, rc)
	}
	steps := []struct {
		do   func()
		idle bool
		what string
	}{
		{func() {}, true, "nothing runs"},
		{func() { clone("ping", ocf.ActionStart, ocf.Success) }, true, "a ping clone instance"},
		{func() { clone("drbd", ocf.ActionStart, ocf.Success) }, true, "an unpromoted DRBD instance"},
		{func() { clone("drbd", ocf.ActionPromote, ocf.Success) }, false, "DRBD promoted"},
		{func() { clone("drbd", ocf.ActionDemote, ocf.Success) }, true, "DRBD demoted"},
		{func() { clone("drbd", ocf.ActionMonitor, ocf.RunningPromoted) }, false, "a monitor finds DRBD promoted"},
		{func() { clone("drbd", ocf.ActionStop, ocf.Success) }, true, "DRBD stopped"},
		{func() { plain("fs", ocf.ActionStart, ocf.Success) }, false, "a group member"},
		{func() { plain("fs", ocf.ActionStop, ocf.Success) }, true, "the group member stopped"},
	}
	for _, s := range steps {
		s.do()
		c.mu.Lock()
		got := c.idle()
		c.mu.Unlock()
		if got != s.idle {
			t.Errorf("%s: idle = %v, want %v", s.what, got, s.idle)
		}
	}
}

// TestStatusFollowsTheTransition: the DC's status shows each result as it
// comes, not when the whole transition has ended. While the second member
// of a group is still starting, the first already shows started.
func TestStatusFollowsTheTransition(t *testing.T) {
	c := newFencingController(t, fencingCIB(`<nvpair id="o1" name="stonith-enabled" value="false"/>`, `
<group id="g"><primitive id="first" class="ocf" provider="test" type="svc"/><primitive id="second" class="ocf" provider="test" type="svc"/></group>`), "ignore", nil)
	dir := filepath.Join(c.cfg.Exec.OCFRoot, "resource.d", "test")
	state := t.TempDir()
	release := filepath.Join(state, "release")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// svc: started while its state file exists; the start of "second"
	// waits (at most 20 s) until the test lets it go.
	script := `#!/bin/sh
f="` + state + `/$OCF_RESOURCE_INSTANCE"
case "$1" in
start)
	if [ "$OCF_RESOURCE_INSTANCE" = second ]; then
		i=0; while [ ! -e "` + release + `" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done
	fi
	touch "$f"; exit 0;;
stop) rm -f "$f"; exit 0;;
monitor) [ -e "$f" ] && exit 0; exit 7;;
*) exit 0;;
esac
`
	if err := os.WriteFile(filepath.Join(dir, "svc"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() { _ = c.Run(ctx); close(done) }()
	t.Cleanup(func() { _ = os.WriteFile(release, nil, 0o644) })

	startedIn := func(cib, rsc string) bool {
		return strings.Contains(cib, `id="`+rsc+`_last_0" operation_key="`+rsc+`_start_0" operation="start"`) &&
			regexp.MustCompile(`id="`+rsc+`_last_0"[^>]*rc-code="0"`).MatchString(cib)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		st := c.Snapshot()
		if startedIn(st.CIB, "first") {
			if startedIn(st.CIB, "second") {
				t.Fatal("second shows started before its start was let go")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("while second is starting, the DC's status never showed first started:\n%s", st.CIB)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(15 * time.Second)
	for !startedIn(c.Snapshot().CIB, "second") {
		if time.Now().After(deadline) {
			t.Fatalf("second never showed started:\n%s", c.Snapshot().CIB)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
