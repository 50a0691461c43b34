package filesystem

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"

	"github.com/baton-ha/baton/agents/filesystem/holders"
	"github.com/baton-ha/baton/ocf"
)

// pollEvery is how often a busy stop retries the unmount while it waits for
// signalled processes to exit.
const pollEvery = 10 * time.Millisecond

// Stop unmounts the filesystem, after any mounts below it (deepest first)
// and other mounts of the same device elsewhere (bind mounts that would
// keep it live). When a mount is busy it signals the processes holding it (per
// force_unmount) until it is free or the deadline nears; it never detaches
// lazily, so a stop that reports success has really released the device.
func (a *agent) Stop(ctx context.Context, r *ocf.Request) error {
	s, err := parseSpec(r)
	if err != nil {
		return err
	}
	st, err := a.inspect(ctx, s)
	if err != nil {
		return err
	}
	if st.mount == nil {
		return nil
	}
	if st.unsure != nil {
		// Stopping must not report success while the device may still be
		// mounted: unmount what is on the directory, as the heartbeat
		// agent does.
		r.Log.Warn(fmt.Sprintf("unmounting %s although it cannot be checked against the configuration: %v", st.dir, st.unsure))
	} else if !st.ours {
		r.Log.Warn(fmt.Sprintf("leaving %s mounted: it is not this resource's (%s)", st.dir, st.why))
		return nil
	}
	policy := strings.ToLower(strings.TrimSpace(r.Params.String("force_unmount")))
	mode, kill := holders.All, true
	if policy == "safe" {
		mode = holders.OpenFiles
	} else if !ocf.IsTrue(policy) {
		kill = false
	}
	k := &killer{a: a, r: r, mode: mode, kill: kill, start: time.Now()}
	if k.term, err = ParseSignals(r.Params.String("term_signals")); err != nil {
		return ocf.Errorf(ocf.ErrConfigured, "parameter term_signals: %v", err)
	}
	if k.kills, err = ParseSignals(r.Params.String("kill_signals")); err != nil {
		return ocf.Errorf(ocf.ErrConfigured, "parameter kill_signals: %v", err)
	}
	k.delay = r.Params.Duration("signal_delay")
	if r.Params.Bool("fast_stop") && k.delay > 100*time.Millisecond {
		k.termDelay = 100 * time.Millisecond
	} else {
		k.termDelay = k.delay
	}
	k.protected = a.protectedPIDs()
	order := submounts(st.all, st.dir)
	if s.kind == kindBlock && st.ours {
		others := elsewhere(st.all, st.mount, st.dir)
		for _, m := range others {
			if m.Mountpoint == "/" {
				r.Log.Warn(fmt.Sprintf("%s is also mounted on /: unmounting %s only; the device stays in use", st.mount.Source, st.dir))
				others = nil
				break
			}
		}
		order = append(order, others...)
	}
	for _, m := range order {
		r.Log.Warn(fmt.Sprintf("unmounting %s first: it keeps %s or its device in use", m.Mountpoint, st.dir))
	}
	for _, m := range append(order, st.mount) {
		if err := k.unmount(ctx, m); err != nil {
			return err
		}
	}
	r.Log.Info(fmt.Sprintf("unmounted %s from %s", s.device, st.dir))
	return nil
}

// elsewhere returns the other mounts of the same block device outside dir
// (bind mounts of a directory in it, such as /var/lib/nfs), most recent
// first. They hold the filesystem open after dir is unmounted, so the
// device would not be released: unmounting only dir and reporting success
// would let another node mount a filesystem that is still live here.
func elsewhere(all []*mountinfo.Info, m *mountinfo.Info, dir string) []*mountinfo.Info {
	var out []*mountinfo.Info
	for i := len(all) - 1; i >= 0; i-- {
		x := all[i]
		if x == m || x.Major != m.Major || x.Minor != m.Minor || x.Mountpoint == dir || strings.HasPrefix(x.Mountpoint, dir+"/") {
			continue
		}
		out = append(out, x)
	}
	return out
}

// protectedPIDs are never signalled: PID 1, this agent, and its ancestors
// (the executor waiting for it, or the shell an administrator ran
// crm_resource from), whose death would lose the stop's result.
func (a *agent) protectedPIDs() map[int]bool {
	p := map[int]bool{1: true, a.cfg.Self: true}
	pid := a.cfg.Self
	for i := 0; i < 64 && pid > 1; i++ {
		pid = ppid(a.cfg.Proc, pid)
		p[pid] = true
	}
	return p
}

func ppid(proc string, pid int) int {
	b, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

type killer struct {
	a           *agent
	r           *ocf.Request
	mode        holders.Mode
	kill        bool
	term, kills []unix.Signal
	delay       time.Duration
	termDelay   time.Duration
	protected   map[int]bool
	start       time.Time
	termSent    int
	killSent    int
}

// nextSignal walks term_signals once, then repeats kill_signals. The term
// phase ends early when half of the time left at the start is spent, so
// that kill_signals always get their turn.
func (k *killer) nextSignal(ctx context.Context) (unix.Signal, time.Duration) {
	half := time.Duration(0)
	if dl, ok := ctx.Deadline(); ok {
		half = dl.Sub(k.start) / 2
	}
	if k.termSent < len(k.term) && (half == 0 || time.Since(k.start) < half) {
		k.termSent++
		return k.term[k.termSent-1], k.termDelay
	}
	k.killSent++
	return k.kills[(k.killSent-1)%len(k.kills)], k.delay
}

// unmount removes one mount, dealing with its users.
func (k *killer) unmount(ctx context.Context, m *mountinfo.Info) error {
	targets := []holders.Target{{MountID: m.ID, Major: uint32(m.Major), Minor: uint32(m.Minor)}}
	copiesFound := false
	var last []holders.Use
	for {
		err := unix.Unmount(m.Mountpoint, 0)
		if err == nil || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
			// EINVAL: no longer a mount point (someone else unmounted it).
			return nil
		}
		if !errors.Is(err, unix.EBUSY) {
			return ocf.Errorf(ocf.ErrGeneric, "unmounting %s failed: %v", m.Mountpoint, err)
		}
		if ctx.Err() != nil {
			return k.busy(m, last, "the stop timeout is near")
		}
		if !copiesFound {
			// Once, when first busy: copies of a shared mount in other
			// mount namespaces keep it busy too.
			copiesFound = true
			if copies, err := k.a.cfg.Holders.Copies(holders.PeerGroup(m.Optional)); err == nil && len(copies) > 0 {
				k.r.Log.Info(fmt.Sprintf("%s is shared with %d mount(s) in other mount namespaces; their users count too", m.Mountpoint, len(copies)))
				targets = append(targets, copies...)
			}
		}
		users, ferr := k.a.cfg.Holders.Find(targets, k.mode)
		if ferr != nil {
			return ocf.Errorf(ocf.ErrGeneric, "unmounting %s: busy, and finding its users failed: %v", m.Mountpoint, ferr)
		}
		var victims, spared []holders.Use
		for _, u := range users {
			if k.protected[u.PID] {
				spared = append(spared, u)
			} else {
				victims = append(victims, u)
			}
		}
		last = users
		if !k.kill {
			return k.busy(m, users, "force_unmount=false")
		}
		if len(victims) == 0 {
			if len(spared) > 0 {
				return k.busy(m, spared, "the remaining users are this agent, its callers or init, which are never signalled")
			}
			// Busy with no user in sight: a reference from another mount
			// namespace, or a process that just exited. Retry a while.
			if !ocf.Sleep(ctx, k.delay/4+pollEvery) {
				return k.busy(m, nil, "no process holds it or its copies in other mount namespaces; the kernel (nfsd, a loop device backed by a file in it, swap) still uses it")
			}
			continue
		}
		sig, wait := k.nextSignal(ctx)
		pids := make([]int, 0, len(victims))
		for _, u := range victims {
			k.r.Log.Warn(fmt.Sprintf("sending %s to %s, which keeps %s busy", unix.SignalName(sig), u, m.Mountpoint))
			if err := unix.Kill(u.PID, sig); err == nil {
				pids = append(pids, u.PID)
			}
		}
		k.waitGone(ctx, pids, wait)
	}
}

// waitGone waits until the processes have exited (or are zombies, which
// hold nothing), the wait is over, or ctx ends.
func (k *killer) waitGone(ctx context.Context, pids []int, wait time.Duration) {
	t := time.NewTimer(wait)
	defer t.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		alive := false
		for _, p := range pids {
			if k.a.cfg.Holders.Alive(p) {
				alive = true
				break
			}
		}
		if !alive {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			return
		case <-tick.C:
		}
	}
}

func (k *killer) busy(m *mountinfo.Info, users []holders.Use, why string) error {
	list := make([]string, len(users))
	for i, u := range users {
		list[i] = u.String()
	}
	held := "no user found"
	if len(list) > 0 {
		held = "held by " + strings.Join(list, "; ")
	}
	return ocf.Errorf(ocf.ErrGeneric, "cannot unmount %s: busy, %s (%s); not detaching it lazily", m.Mountpoint, held, why)
}
