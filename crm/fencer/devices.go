package fencer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// Devices is the Fencer of `baton daemon`: it fences with the CIB's
// stonith devices, run on this node, and falls back to watchdog fencing.
type Devices struct {
	Self   string // this node: never fenced with a device from here
	Runner AgentRunner
	// Attrs returns a node's attributes, for target-attribute levels; may
	// be nil.
	Attrs func(node string) map[string]string
	Log   *slog.Logger

	mu       sync.Mutex
	setup    *Setup
	meta     map[string]map[string]bool // agent -> parameter names
	lists    map[string]listCache       // device -> its dynamic list
	history  history
	inflight map[string]*call // target and action -> the running request
}

type listCache struct {
	plugs map[string]bool
	at    time.Time
}

// call lets concurrent requests for the same target share one run, as
// Pacemaker merges duplicate fencing requests.
type call struct {
	done chan struct{}
	res  Result
}

// listTTL is how long a device's dynamic list is trusted.
const listTTL = time.Minute

// SetSetup installs the fencing setup read from the current CIB.
func (f *Devices) SetSetup(s *Setup) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.setup = s
}

func (f *Devices) current() *Setup {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.setup == nil {
		return &Setup{Options: Options{Enabled: true, Action: "reboot", Timeout: 60 * time.Second}}
	}
	return f.setup
}

// History implements Fencer.
func (f *Devices) History() []Result { return f.history.all() }

// Fence implements Fencer.
func (f *Devices) Fence(ctx context.Context, req Request) Result {
	f.mu.Lock()
	if f.inflight == nil {
		f.inflight = map[string]*call{}
	}
	// One run per target and action at a time: a second request joins it
	// (an unfencing never answers a fence, nor the other way round).
	key := req.Target + "\x00" + req.Action
	if c, ok := f.inflight[key]; ok {
		f.mu.Unlock()
		select {
		case <-c.done:
			return c.res
		case <-ctx.Done():
			return Result{Target: req.Target, Action: req.Action, Origin: req.Origin, Executor: f.Self, Error: ctx.Err().Error(), Started: time.Now(), Completed: time.Now()}
		}
	}
	c := &call{done: make(chan struct{})}
	f.inflight[key] = c
	f.mu.Unlock()

	c.res = f.fence(ctx, req)
	f.history.add(c.res)
	f.mu.Lock()
	delete(f.inflight, key)
	f.mu.Unlock()
	close(c.done)
	return c.res
}

func (f *Devices) log() *slog.Logger {
	if f.Log != nil {
		return f.Log
	}
	return slog.Default()
}

func (f *Devices) fence(ctx context.Context, req Request) Result {
	s := f.current()
	if req.Action == "" {
		req.Action = s.Options.Action
	}
	res := Result{Target: req.Target, Action: req.Action, Origin: req.Origin, Executor: f.Self, Started: time.Now()}
	fail := func(err error) Result {
		res.Error = err.Error()
		res.Completed = time.Now()
		f.log().Error("fencing failed", "target", req.Target, "action", req.Action, "err", err)
		return res
	}
	if req.Action == "on" {
		// Unfencing (or powering on) undoes a fence: no node can be hurt by
		// it, a node may do it for itself (as devices that must unfence on
		// the target require), and no fence race needs breaking by delays.
		return f.unfence(ctx, s, req, res)
	}
	if req.Target == f.Self {
		return fail(errors.New("a node never fences itself with a device: another node's fencer must do it"))
	}
	if !sleep(ctx, req.Delay) {
		return fail(fmt.Errorf("cancelled during priority-fencing-delay: %w", ctx.Err()))
	}
	var attrs map[string]string
	if f.Attrs != nil {
		attrs = f.Attrs(req.Target)
	}
	var problems []string
	for _, l := range s.Levels(req.Target, attrs) {
		err := f.runLevel(ctx, s, l, req)
		if err == nil {
			res.OK, res.Devices, res.Completed = true, l.Devices, time.Now()
			f.log().Warn("node fenced", "target", req.Target, "action", req.Action, "level", l.Index, "devices", l.Devices, "took", res.Completed.Sub(res.Started).Round(time.Millisecond))
			return res
		}
		problems = append(problems, fmt.Sprintf("level %d: %v", l.Index, err))
		if ctx.Err() != nil {
			return fail(errors.New(strings.Join(problems, "; ")))
		}
	}
	if s.Options.WatchdogTimeout > 0 && req.Action != "on" {
		since := req.LastSeen
		if since.IsZero() {
			since = res.Started
		}
		wait := time.Until(since.Add(s.Options.WatchdogTimeout))
		f.log().Warn("fencing by watchdog: waiting for the target's watchdog to have reset it", "target", req.Target, "wait", wait.Round(time.Millisecond), "devices_failed", problems)
		if !sleep(ctx, wait) {
			problems = append(problems, "watchdog wait cancelled: "+ctx.Err().Error())
			return fail(errors.New(strings.Join(problems, "; ")))
		}
		res.OK, res.Devices, res.Completed = true, []string{"watchdog"}, time.Now()
		return res
	}
	if len(problems) == 0 {
		return fail(fmt.Errorf("no fence device is configured for %s and stonith-watchdog-timeout is not set", req.Target))
	}
	return fail(errors.New(strings.Join(problems, "; ")))
}

// unfence runs the "on" action for req.Target: with every device that
// provides unfencing, all of which must succeed (each one cut the node off
// its own way), or, when none does, level by level as a fence would (a
// power switch turning the node back on).
func (f *Devices) unfence(ctx context.Context, s *Setup, req Request, res Result) Result {
	levels := s.Levels(req.Target, nil)
	if us := s.Unfencers(); len(us) > 0 {
		l := Level{Index: 1}
		for _, d := range us {
			l.Devices = append(l.Devices, d.ID)
		}
		levels = []Level{l}
	}
	var problems []string
	for _, l := range levels {
		err := f.runLevel(ctx, s, l, req)
		if err == nil {
			res.OK, res.Devices, res.Completed = true, l.Devices, time.Now()
			f.log().Info("node unfenced", "target", req.Target, "devices", l.Devices, "took", res.Completed.Sub(res.Started).Round(time.Millisecond))
			return res
		}
		problems = append(problems, fmt.Sprintf("level %d: %v", l.Index, err))
		if ctx.Err() != nil {
			break
		}
	}
	if len(problems) == 0 {
		problems = append(problems, "no fence device is configured for "+req.Target)
	}
	res.Error, res.Completed = strings.Join(problems, "; "), time.Now()
	f.log().Error("unfencing failed", "target", req.Target, "err", res.Error)
	return res
}

// runLevel runs every device of a level; the level succeeds only when all
// of them do.
func (f *Devices) runLevel(ctx context.Context, s *Setup, l Level, req Request) error {
	for _, id := range l.Devices {
		d := s.Device(id)
		if d == nil {
			return fmt.Errorf("device %s is not configured", id)
		}
		if err := f.runDevice(ctx, s, d, req); err != nil {
			return fmt.Errorf("device %s (%s): %w", d.ID, d.Agent, err)
		}
	}
	return nil
}

func (f *Devices) runDevice(ctx context.Context, s *Setup, d *Device, req Request) error {
	if d.Disabled {
		return errors.New("disabled (target-role=Stopped)")
	}
	ok, err := f.canFence(ctx, s, d, req.Target)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("cannot fence %s (pcmk_host_check=%s)", req.Target, d.HostCheck)
	}
	// pcmk_delay breaks fence races; unfencing races nothing.
	if req.Action != "on" && !sleep(ctx, d.delay()) {
		return fmt.Errorf("cancelled during pcmk_delay: %w", ctx.Err())
	}
	f.log().Warn("running fence device", "device", d.ID, "agent", d.Agent, "target", req.Target, "action", req.Action)
	st, out, err := f.Runner.Run(ctx, d.Agent, f.args(ctx, d, req.Action, req.Target), s.Options.Timeout)
	if err != nil {
		return err
	}
	if st != ExitOK {
		return fmt.Errorf("%s exited %d: %s", req.Action, st, out)
	}
	return nil
}

// delay is pcmk_delay_base plus a random part keeping the sum below
// pcmk_delay_max, so that two nodes fencing each other do not shoot at
// the same instant.
func (d *Device) delay() time.Duration {
	delay := d.DelayBase
	if d.DelayMax > d.DelayBase {
		delay += time.Duration(rand.Int64N(int64(d.DelayMax - d.DelayBase)))
	}
	return delay
}

// args builds the agent's stdin: its parameters, the action, the cluster
// node name, and the plug under the name the agent's metadata declares.
func (f *Devices) args(ctx context.Context, d *Device, action, target string) map[string]string {
	a := make(map[string]string, len(d.Params)+3)
	for k, v := range d.Params {
		a[k] = v
	}
	a["action"] = action
	if action == "list" || action == "monitor" {
		return a
	}
	a["nodename"] = target
	params := f.metadata(ctx, d.Agent)
	switch {
	case params["plug"]:
		a["plug"] = d.Plug(target)
	case params["port"]:
		a["port"] = d.Plug(target)
	case params == nil:
		a["plug"] = d.Plug(target) // no metadata: today's agents take plug
	}
	return a
}

func (f *Devices) metadata(ctx context.Context, agent string) map[string]bool {
	f.mu.Lock()
	m, ok := f.meta[agent]
	f.mu.Unlock()
	if ok {
		return m
	}
	m, err := f.Runner.Metadata(ctx, agent)
	if err != nil {
		f.log().Warn("cannot read fence agent metadata; passing plug", "agent", agent, "err", err)
		return nil
	}
	f.mu.Lock()
	if f.meta == nil {
		f.meta = map[string]map[string]bool{}
	}
	f.meta[agent] = m
	f.mu.Unlock()
	return m
}

// sleep waits d unless ctx ends first; false when it ended.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Fenceable reports whether the setup offers any way to fence target,
// without running an agent: a usable device whose static checks do not
// exclude it, or watchdog fencing. The reason says what is missing.
func (s *Setup) Fenceable(target string) (bool, string) {
	for _, l := range s.Levels(target, nil) {
		usable := true
		for _, id := range l.Devices {
			d := s.Device(id)
			if d == nil || d.Disabled || (d.HostCheck == CheckStatic && !d.staticallyFor(target)) {
				usable = false
			}
		}
		if usable {
			return true, "fence devices " + strings.Join(l.Devices, ",")
		}
	}
	if s.Options.WatchdogTimeout != 0 {
		return true, "watchdog (stonith-watchdog-timeout " + s.Options.WatchdogTimeout.String() + ")"
	}
	return false, "no fence device can fence " + target + " and no watchdog is configured (stonith-watchdog-timeout)"
}

// Monitor checks that a device works: its agent is installed and its
// monitor action succeeds (the device answers). It is what starting and
// monitoring a stonith resource mean.
func (f *Devices) Monitor(ctx context.Context, id string) error {
	s := f.current()
	d := s.Device(id)
	if d == nil {
		return fmt.Errorf("%s is not a class=\"stonith\" primitive of the CIB", id)
	}
	st, out, err := f.Runner.Run(ctx, d.Agent, f.args(ctx, d, "monitor", ""), s.Options.Timeout)
	if err != nil {
		return err
	}
	if st != ExitOK {
		return fmt.Errorf("%s monitor exited %d: %s", d.Agent, st, out)
	}
	// Learn now what a fence will need, so that fencing does not wait for
	// it: the agent's parameters and, for dynamic-list devices, its plugs.
	f.metadata(ctx, d.Agent)
	if d.HostCheck == CheckDynamic {
		if _, err := f.refreshList(ctx, s, d); err != nil {
			f.log().Warn("fence device cannot list its plugs", "device", d.ID, "err", err)
		}
	}
	return nil
}
