// Package ipaddr is ocf:baton:IPaddr, the floating address of the HA NFS
// service and a drop-in for ocf:heartbeat:IPaddr2: same parameters, same
// actions, same exit codes. It manages the address through rtnetlink (no
// ip, arping or send_arp processes), announces it with gratuitous ARP or
// unsolicited neighbour advertisements exactly arp_count times arp_interval
// apart, and, with tickle_dir, sends the previous owner's TCP clients tickle
// ACKs so that they reconnect at once after a takeover.
package ipaddr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/baton-ha/baton/agents/ipaddr/announce"
	"github.com/baton-ha/baton/agents/ipaddr/tickle"
	"github.com/baton-ha/baton/ocf"
)

// Config holds the agent's dependencies on the host. Its zero value means a
// real node; tests pass fakes.
type Config struct {
	// ProcRoot is where proc is mounted; the TCP tables are read from
	// ProcRoot/thread-self/net, which shows the namespace the agent works
	// in. Default /proc.
	ProcRoot string
	// Exe is the binary started for background announcements (with the
	// hidden subcommand BackgroundCommand). Default: this executable, by
	// its path, so that ps shows "baton" rather than "exe".
	Exe string
	// Rtnetlink opens the routing netlink interface in the current
	// network namespace. Default: a netlink handle.
	Rtnetlink func() (Rtnetlink, error)
	// Geteuid reports the effective user; start and stop need root.
	// Default os.Geteuid.
	Geteuid func() int
}

// New returns the agent.
func New(cfg Config) *ocf.Agent {
	if cfg.ProcRoot == "" {
		cfg.ProcRoot = "/proc"
	}
	if cfg.Rtnetlink == nil {
		cfg.Rtnetlink = openRtnetlink
	}
	if cfg.Geteuid == nil {
		cfg.Geteuid = os.Geteuid
	}
	return &ocf.Agent{
		Name:      "IPaddr",
		Version:   "1.0",
		Shortdesc: "Manages a floating IPv4 or IPv6 address, announced by gratuitous ARP or NA and tickle ACKs",
		Longdesc: `Adds a floating IPv4 or IPv6 address to an interface on start and removes it
on stop, as ocf:heartbeat:IPaddr2 does and with the same parameters, but
through rtnetlink without running any program.

When the address comes up, its new link-layer owner is announced: gratuitous
ARP requests, replies or both (arp_mode) for IPv4, unsolicited neighbour
advertisements with the override flag for IPv6, arp_count of them
arp_interval milliseconds apart.

With tickle_dir on shared storage, a background process started by start
keeps a record of the TCP connections clients hold to the address, written
and synced twice a second when they change, and the next owner's start sends every recorded
client tickle ACKs. The client then resets the connection to the old owner
and reconnects at once instead of waiting out TCP retransmission backoff,
which is what keeps NFS clients from stalling after a failover.

IPaddr2's CLUSTERIP load-sharing clones and LVS direct-routing modes are not
supported; see docs/compat/IPaddr.md.`,
		Params: params(),
		Actions: []ocf.ActionSpec{
			{Name: ocf.ActionStart, Timeout: 20 * time.Second},
			{Name: ocf.ActionStop, Timeout: 20 * time.Second},
			{Name: ocf.ActionStatus, Timeout: 20 * time.Second, Interval: 10 * time.Second},
			{Name: ocf.ActionMonitor, Timeout: 20 * time.Second, Interval: 10 * time.Second},
			{Name: ocf.ActionMetaData, Timeout: 5 * time.Second},
			{Name: ocf.ActionValidateAll, Timeout: 20 * time.Second},
		},
		Impl: &agent{cfg: cfg},
	}
}

type agent struct {
	cfg Config
}

// call is the state every action works with.
type call struct {
	s       *spec
	h       Rtnetlink
	restore func()
}

func (c *call) close() {
	if c.h != nil {
		c.h.Close()
	}
	c.restore()
}

// begin checks the configuration, enters the network namespace and opens
// the rtnetlink handle. The caller must call close.
func (a *agent) begin(r *ocf.Request) (*call, error) {
	s, err := newSpec(r)
	if err != nil {
		return nil, err
	}
	restore, err := enterNetns(s.netns)
	if err != nil {
		return nil, err
	}
	h, err := a.cfg.Rtnetlink()
	if err != nil {
		restore()
		return nil, fmt.Errorf("open rtnetlink: %w", err)
	}
	return &call{s: s, h: h, restore: restore}, nil
}

func (a *agent) Validate(_ context.Context, r *ocf.Request) error {
	c, err := a.begin(r)
	if err != nil {
		return err
	}
	defer c.close()
	s := c.s
	if d := r.Params.String("tickle_dir"); d != "" && d[0] != '/' {
		return ocf.Errorf(ocf.ErrConfigured, "parameter tickle_dir: %q is not an absolute path", d)
	}
	if s.nic != "" {
		if _, err := c.h.LinkByName(s.nic); err != nil {
			return ocf.Errorf(ocf.ErrArgs, "parameter nic: interface %s does not exist on this node: %v", s.nic, err)
		}
	}
	if _, cur, err := locate(c.h, s); err == nil && cur != nil {
		return nil // configured already: no route needed to place it
	}
	if err := findInterface(c.h, s); err != nil {
		return hostError(err)
	}
	return nil
}

// hostError maps a failure to find the interface to OCF_ERR_ARGS: the
// configuration may be right for other nodes but cannot work on this one.
func hostError(err error) error {
	var oe *ocf.Error
	if errors.As(err, &oe) {
		return err
	}
	if errors.Is(err, errNoInterface) {
		return ocf.Errorf(ocf.ErrArgs, "cannot place the address on this node: %v", err)
	}
	return err
}

func (a *agent) Start(ctx context.Context, r *ocf.Request) error {
	if a.cfg.Geteuid() != 0 {
		return ocf.Errorf(ocf.ErrPerm, "start must run as root")
	}
	c, err := a.begin(r)
	if err != nil {
		return err
	}
	defer c.close()
	s, h := c.s, c.h
	// Already there (wherever the routes say it would go now): done, as
	// with IPaddr2, without announcing again.
	link, cur, err := locate(h, s)
	if err != nil {
		return hostError(err)
	}
	if cur != nil {
		r.Log.Info(fmt.Sprintf("%s is already on %s", s.addr, s.nic))
		return nil
	}
	if err := findInterface(h, s); err != nil {
		return hostError(err)
	}
	if link == nil {
		if link, err = h.LinkByName(s.nic); err != nil {
			return hostError(fmt.Errorf("%w: interface %s: %v", errNoInterface, s.nic, err))
		}
	}
	// An earlier announcer for this address must not keep running beside
	// the new one.
	if _, err := killBackground(pidFile(r.Env, s), s.addr.String()); err != nil {
		r.Log.Warn(err.Error())
	}
	if s.runArping && s.addr.Is4() {
		if err := a.probeConflict(ctx, r, link, s); err != nil {
			return err
		}
	}
	na, err := netlinkAddr(s)
	if err != nil {
		return ocf.Errorf(ocf.ErrConfigured, "address %s: %v", s.addr, err)
	}
	r.Log.Info(fmt.Sprintf("adding %s/%d to %s", s.addr, s.prefix, s.nic))
	if err := h.AddrAdd(link, na); err != nil && !errors.Is(err, unix.EEXIST) {
		return ocf.Errorf(ocf.ErrGeneric, "add %s/%d to %s: %v", s.addr, s.prefix, s.nic, err)
	}
	if link.Attrs().Flags&net.FlagUp == 0 {
		r.Log.Info("bringing " + s.nic + " up")
		if err := h.LinkSetUp(link); err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "bring %s up: %v", s.nic, err)
		}
	}
	if !s.addr.Is4() && !s.nodad {
		if err := waitDAD(ctx, r, h, link, s); err != nil {
			return err
		}
	}
	p := plan{Nic: s.nic, Addr: s.addr, Mode: s.mode, Count: s.count, Interval: s.interval,
		Netns: s.netns, PidFile: pidFile(r.Env, s), TickleDir: s.tickleDir}
	if s.tickleDir != "" {
		p.Tickles, err = tickle.Load(s.tickleDir, s.addr)
		if err != nil {
			r.Log.Warn(fmt.Sprintf("no tickle ACKs: %v", err))
		}
	}
	if isLoopback(link) {
		p.Count, p.Tickles = 0, nil // nobody to tell
	}
	if !s.background && p.sends() {
		sess, err := p.open()
		if err == nil {
			err = sess.run(ctx, r.Log)
		}
		if err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "%s is up on %s but cannot be announced: %v", s.addr, s.nic, err)
		}
		p.Count, p.Tickles = 0, nil // sent
	}
	if p.sends() || p.TickleDir != "" {
		if err := a.spawn(r, p); err != nil {
			return ocf.Errorf(ocf.ErrGeneric, "%s is up on %s but its background process cannot start: %v", s.addr, s.nic, err)
		}
	}
	return nil
}

// spawn starts the background process for p: announcements, tickle ACKs,
// the watcher of the tickle record.
func (a *agent) spawn(r *ocf.Request, p plan) error {
	exe := a.cfg.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			exe = "/proc/self/exe"
		}
	}
	return spawn(exe, r.Env, p)
}

func isLoopback(l netlink.Link) bool {
	return l.Attrs().Flags&net.FlagLoopback != 0
}

func (a *agent) Stop(_ context.Context, r *ocf.Request) error {
	if a.cfg.Geteuid() != 0 {
		return ocf.Errorf(ocf.ErrPerm, "stop must run as root")
	}
	c, err := a.begin(r)
	if err != nil {
		return err
	}
	defer c.close()
	s, h := c.s, c.h
	if killed, err := killBackground(pidFile(r.Env, s), s.addr.String()); err != nil {
		r.Log.Warn(err.Error())
	} else if killed {
		r.Log.Info("stopped the background announcer of " + s.addr.String())
	}
	link, cur, err := locate(h, s)
	if errors.Is(err, errNoInterface) {
		r.Log.Warn(fmt.Sprintf("%v: %s cannot be configured there, so it is stopped", err, s.addr))
		return nil
	}
	if err != nil {
		return err
	}
	if cur == nil {
		return nil
	}
	if s.tickleDir != "" {
		// The freshest list for the next owner: the connections still
		// open now.
		a.record(r, s)
	}
	r.Log.Info(fmt.Sprintf("removing %s from %s", s.addr, s.nic))
	if err := h.AddrDel(link, cur); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) && !errors.Is(err, unix.ENOENT) {
		return ocf.Errorf(ocf.ErrGeneric, "remove %s from %s: %v", s.addr, s.nic, err)
	}
	if s.flushRoutes {
		if err := flushRouteCache(a.cfg.ProcRoot + "/sys"); err != nil {
			r.Log.Warn(fmt.Sprintf("flush the routing cache: %v", err))
		}
	}
	return nil
}

func (a *agent) Monitor(ctx context.Context, r *ocf.Request) error {
	c, err := a.begin(r)
	if err != nil {
		return err
	}
	defer c.close()
	s, h := c.s, c.h
	link, cur, err := locate(h, s)
	if errors.Is(err, errNoInterface) {
		r.Log.Debug(err.Error())
		return ocf.NotRunning
	}
	if err != nil {
		return err
	}
	if cur == nil {
		return ocf.NotRunning
	}
	if s.checkLink && linkDown(link) {
		return ocf.Errorf(ocf.ErrGeneric, "%s is on %s, but the link is down (operational state %s)", s.addr, s.nic, link.Attrs().OperState)
	}
	if s.countRefresh > 0 && !isLoopback(link) && !r.IsProbe() {
		p := plan{Nic: s.nic, Addr: s.addr, Mode: s.mode, Count: s.countRefresh, Interval: s.interval}
		sess, err := p.open()
		if err == nil {
			err = sess.run(ctx, r.Log)
		}
		if err != nil {
			r.Log.Warn(fmt.Sprintf("refresh announcement: %v", err))
		}
	}
	if s.tickleDir != "" {
		a.record(r, s)
		if !r.IsProbe() && !backgroundAlive(pidFile(r.Env, s), s.addr.String()) {
			// The watcher is gone (killed, crashed, or the address was
			// started by an older version): the record would age until
			// the next monitor. Start it again.
			p := plan{Addr: s.addr, Netns: s.netns, PidFile: pidFile(r.Env, s), TickleDir: s.tickleDir}
			if err := a.spawn(r, p); err != nil {
				r.Log.Warn(fmt.Sprintf("cannot restart the tickle record watcher: %v", err))
			} else {
				r.Log.Info("restarted the watcher of the tickle record of " + s.addr.String())
			}
		}
	}
	return nil
}

// record saves the established connections to the address for the next
// owner's tickle ACKs. Failing to do so costs clients time after a
// failover, not service now, so it is logged rather than reported.
func (a *agent) record(r *ocf.Request, s *spec) {
	cs, err := tickle.Established(a.cfg.ProcRoot+"/thread-self", s.addr)
	if err == nil {
		err = tickle.Save(s.tickleDir, s.addr, cs)
	}
	if err != nil {
		r.Log.Warn(fmt.Sprintf("cannot record connections for tickle ACKs: %v", err))
	}
}

// waitDAD waits until the kernel's duplicate address detection for an IPv6
// address has finished (up to 10 s, as IPaddr2): announcing a tentative
// address would be refused, and a duplicate must not be taken over.
func waitDAD(ctx context.Context, r *ocf.Request, h Rtnetlink, link netlink.Link, s *spec) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, cur, err := lookup(h, s)
		if err != nil {
			return err
		}
		if cur == nil {
			return ocf.Errorf(ocf.ErrGeneric, "%s vanished from %s during duplicate address detection", s.addr, s.nic)
		}
		if cur.Flags&unix.IFA_F_DADFAILED != 0 {
			_ = h.AddrDel(link, cur)
			return ocf.Errorf(ocf.ErrGeneric, "another host on %s already uses %s (IPv6 duplicate address detection failed); removed it again", s.nic, s.addr)
		}
		if cur.Flags&unix.IFA_F_TENTATIVE == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			r.Log.Warn(fmt.Sprintf("%s is still tentative after 10 s of duplicate address detection; announcing anyway", s.addr))
			return nil
		}
		if !ocf.Sleep(ctx, 50*time.Millisecond) {
			return ocf.Errorf(ocf.ErrGeneric, "timed out waiting for duplicate address detection of %s", s.addr)
		}
	}
}

// probeConflict implements run_arping: RFC 5227 probes for the address
// before taking it.
func (a *agent) probeConflict(ctx context.Context, r *ocf.Request, link netlink.Link, s *spec) error {
	ifi, err := interfaceOf(link)
	if err != nil {
		return err
	}
	owner, err := announce.Probe(ctx, ifi, s.addr, 2, time.Second)
	if err != nil {
		r.Log.Warn(fmt.Sprintf("address conflict probe failed, adding %s anyway: %v", s.addr, err))
		return nil
	}
	if owner != nil {
		return ocf.Errorf(ocf.ErrGeneric, "IPv4 address collision: %s is already used by %s on %s", s.addr, owner, s.nic)
	}
	return nil
}
