// Package daemon assembles `baton daemon` from its parts: heartbeats on every
// link, the wire server for peers, the admin socket for the CLI, the
// attribute socket for agents, the executor and the controller.
package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/config"
	"github.com/baton-ha/baton/crm/controller"
	"github.com/baton-ha/baton/crm/executor"
	"github.com/baton-ha/baton/crm/fencer"
	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/metrics"
	"github.com/baton-ha/baton/crm/statedir"
	"github.com/baton-ha/baton/crm/verify"
	"github.com/baton-ha/baton/crm/wire"
	"github.com/baton-ha/baton/ocf"
)

// Run runs the daemon until ctx ends, and then shuts down as Pacemaker does:
// it asks the cluster to stop or move every resource running here, waits
// until none is left, and only then leaves (a peer that saw this node vanish
// while it still held the VIP or /data would start them too). A component's
// failure ends it at once. Under systemd it reports READY=1 once it has
// joined the cluster and feeds the unit's watchdog while it is healthy.
func Run(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	key, err := membership.LoadKey(cfg.AuthKey)
	if err != nil {
		return err
	}
	if err := cfg.CheckFiles(); err != nil {
		return err
	}
	if err := statedir.Ensure(cfg.StateDir); err != nil {
		return fmt.Errorf("state_dir: %w", err)
	}
	doc, err := loadCIB(cfg, log)
	if err != nil {
		return err
	}

	var closers []func()
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}()
	// Heartbeat links: UDP; peers' daemons: TCP on the same port.
	var links []membership.Link
	var listeners []net.Listener
	for _, l := range cfg.Links {
		addr := net.JoinHostPort(l.Address, strconv.Itoa(cfg.Heartbeat.Port))
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return fmt.Errorf("link %s: heartbeat socket on %s: %w", l.Name, addr, err)
		}
		closers = append(closers, func() { pc.Close() })
		links = append(links, membership.Link{Name: l.Name, Conn: pc})
		tl, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("link %s: control socket on %s: %w", l.Name, addr, err)
		}
		listeners = append(listeners, tl)
	}
	var peers []membership.Peer
	var cpeers []controller.Peer
	for _, p := range cfg.Peers {
		mp := membership.Peer{Name: p.Name}
		cp := controller.Peer{Name: p.Name, ID: p.NodeID}
		for _, a := range p.Addresses {
			if a == "" {
				mp.Addrs = append(mp.Addrs, nil)
				cp.Addrs = append(cp.Addrs, "")
				continue
			}
			mp.Addrs = append(mp.Addrs, &net.UDPAddr{IP: net.ParseIP(a), Port: cfg.Heartbeat.Port})
			cp.Addrs = append(cp.Addrs, net.JoinHostPort(a, strconv.Itoa(cfg.Heartbeat.Port)))
		}
		peers = append(peers, mp)
		cpeers = append(cpeers, cp)
	}
	mem, err := membership.New(membership.Config{Cluster: cfg.Cluster, Node: cfg.Node, Key: key,
		Keepalive: cfg.Heartbeat.Keepalive.Duration, Warntime: cfg.Heartbeat.Warntime.Duration,
		Deadtime: cfg.Heartbeat.Deadtime.Duration, Links: links, Peers: peers, StateDir: cfg.StateDir, Log: log.With("part", "membership")})
	if err != nil {
		return err
	}
	if err := CheckTiming(cfg, doc); err != nil {
		return fmt.Errorf("watchdog fencing: %w", err)
	}
	attrSock := cfg.AttrSocket()
	exec := &executor.Executor{OCFRoot: cfg.OCFRoot, Node: cfg.Node,
		Env: []string{ocf.AttributesSocketVar + "=" + attrSock, "PATH=" + os.Getenv("PATH")}}
	quorum := &controller.Quorum{Policy: cfg.Quorum.Policy, Witness: cfg.Quorum.Witness, Key: key, Cluster: cfg.Cluster,
		AskTimeout: cfg.Quorum.Timeout.Duration, Log: log.With("part", "quorum")}
	ctl := controller.New(controller.Config{
		Cluster: cfg.Cluster, Node: cfg.Node, NodeID: cfg.NodeID, Peers: cpeers, Key: key, Members: mem, Exec: exec,
		Quorum: quorum,
		Fencer: &fencer.Devices{Self: cfg.Node, Log: log.With("part", "fencer"),
			Runner: &fencer.Programs{Dirs: cfg.Fencing.AgentDirs, Env: []string{"PATH=" + os.Getenv("PATH")}}},
		CIBPath: cfg.LocalCIB(), WaitForAll: *cfg.WaitForAll, Log: log.With("part", "controller"),
		WatchdogTimeout: watchdogTimeout(cfg),
	}, doc)
	guard, err := armWatchdog(cfg, ctl, log)
	if err != nil {
		return err
	}
	// The guard outlives the other parts: it keeps petting while the
	// shutdown stops the resources, and only then is disarmed.
	guardCtx, stopGuard := context.WithCancel(context.Background())
	defer stopGuard()
	if guard != nil {
		ctl.SetWatchdogState(guard.State)
		go guard.Run(guardCtx)
	}

	// The exporter exists even when nothing serves it: the fencing and
	// watchdog code record into it (metrics.Recorder) either way.
	linkNames := make([]string, len(cfg.Links))
	for i, l := range cfg.Links {
		linkNames[i] = l.Name
	}
	msrc := &metricsSource{ctl: ctl, mem: mem, q: quorum}
	exporter := metrics.New(msrc, linkNames)

	peerSrv := &wire.Server{Key: key, Log: log}
	ctl.Register(peerSrv)
	admin := &wire.Server{Key: key, Log: log}
	registerAdmin(admin, ctl, cfg)

	// The components outlive the stop request: they stop the resources.
	stopRequested := ctx
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	run := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				errc <- err
				cancel()
			}
		}()
	}
	for _, l := range listeners {
		l := l
		run(func() error { return peerSrv.Serve(ctx, l) })
	}
	adminPath := cfg.AdminSocket()
	_ = os.Remove(adminPath)
	al, err := net.Listen("unix", adminPath)
	if err != nil {
		return fmt.Errorf("admin socket %s: %w", adminPath, err)
	}
	_ = os.Chmod(adminPath, 0o600)
	run(func() error { return admin.Serve(ctx, al) })
	_ = os.Remove(attrSock)
	attrL, err := net.Listen("unix", attrSock)
	if err != nil {
		return fmt.Errorf("attribute socket %s: %w", attrSock, err)
	}
	_ = os.Chmod(attrSock, 0o600)
	attrs := newAttrStore(ctl, cfg.Node)
	defer attrs.damp.stop()
	run(func() error { return ocf.ServeAttributes(ctx, attrL, attrs, cfg.Node) })
	if cfg.StatusGroup != "" {
		gid, err := GroupID(cfg.StatusGroup)
		if err != nil {
			return fmt.Errorf("status_group %q: %w", cfg.StatusGroup, err)
		}
		sl, err := listenStatus(cfg.StatusSocket, gid)
		if err != nil {
			return fmt.Errorf("status socket %s: %w", cfg.StatusSocket, err)
		}
		run(func() error {
			return serveStatus(ctx, sl, gid, func() any { return ctl.Snapshot() }, log.With("part", "status"))
		})
	}
	if cfg.Metrics.Listen != "" {
		ml, err := net.Listen("tcp", cfg.Metrics.Listen)
		if err != nil {
			return fmt.Errorf("metrics.listen %s: %w", cfg.Metrics.Listen, err)
		}
		run(func() error { return exporter.Serve(ctx, ml, log.With("part", "metrics")) })
		clock := &metrics.FailoverClock{Source: msrc, Recorder: exporter, Interval: 250 * time.Millisecond}
		run(func() error { return clock.Run(ctx) })
	}
	if len(cfg.Ping.Hosts) > 0 {
		// The node joins once its ping attribute has a value: a DC that
		// saw it without one would place resources as if this node could
		// not reach the ping hosts (a rule on the attribute bans it), and
		// stickiness would keep them where they went.
		p := &pinger{cfg: cfg.Ping, set: ctl.SetLocalAttr, log: log.With("part", "ping"), first: make(chan struct{})}
		first := p.first
		run(func() error { return p.run(ctx) })
		select {
		case <-first:
		case <-ctx.Done():
		case <-time.After(cfg.Ping.Timeout.Duration + time.Second):
			log.Warn("no first ping result in time; joining without the ping attribute", "attribute", cfg.Ping.Attribute)
		}
	}
	run(func() error { return mem.Run(ctx) })
	run(func() error { return ctl.Run(ctx) })
	log.Info("baton daemon running", "node", cfg.Node, "links", len(links), "peers", len(peers))
	var sm Notifier = systemdNotifier{}
	health := func() (bool, string) {
		st := ctl.Snapshot()
		return st.DC != "", statusLine(cfg.Cluster, st.DC, st.Quorate, len(st.Members), len(ctl.Running()))
	}
	run(func() error { superviseService(ctx, sm, watchdogInterval(log), health, log); return nil })
	select {
	case <-ctx.Done():
	case <-stopRequested.Done():
		notify(sm, log, "STOPPING=1\nSTATUS=stopping the resources running here")
		leave(ctx, ctl, log)
		cancel()
	}
	wg.Wait()
	if guard != nil {
		shutdownWatchdog(ctl, guard, log)
		stopGuard()
	}
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// loadCIB starts from the newer of the configured CIB and this node's saved
// copy (which carries the cluster's later changes). The configured CIB must
// pass verification or the daemon does not start; a saved copy that fails
// it is ignored with a warning.
func loadCIB(cfg *config.Config, log *slog.Logger) (*cibdoc.Doc, error) {
	b, err := verify.ReadFile(cfg.CIB)
	if err != nil {
		return nil, fmt.Errorf("cib %s: %w", cfg.CIB, err)
	}
	doc, err := verify.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("cib %s: %w", cfg.CIB, err)
	}
	saved, err := verify.ReadFile(cfg.LocalCIB())
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			log.Warn("ignoring this node's saved CIB", "path", cfg.LocalCIB(), "err", err)
		}
		return doc, nil
	}
	s, err := verify.Parse(saved)
	if err != nil {
		log.Warn("ignoring this node's saved CIB", "path", cfg.LocalCIB(), "err", err)
		return doc, nil
	}
	if doc.Version().Less(s.Version()) {
		return s, nil
	}
	return doc, nil
}

// attrStore lets agents on this node set this node's attributes, at once
// or dampened (ocf.DampenedStore).
type attrStore struct {
	ctl  *controller.Controller
	node string
	damp dampener
}

func newAttrStore(ctl *controller.Controller, node string) *attrStore {
	a := &attrStore{ctl: ctl, node: node}
	a.damp.write = ctl.SetLocalAttr
	a.damp.current = func(name string) string {
		v, _, _ := ctl.LocalAttr(name)
		return v
	}
	return a
}

// check refuses what agents may not set.
func (a *attrStore) check(node string, l ocf.Lifetime) error {
	if node != "" && node != a.node {
		return fmt.Errorf("agents may set attributes of their own node only (asked for %s)", node)
	}
	if l == ocf.Forever {
		return errors.New("permanent node attributes are set with `baton node attribute`, not by agents")
	}
	return nil
}

func (a *attrStore) SetAttr(node, name, value string, l ocf.Lifetime) error {
	return a.SetAttrDampened(node, name, value, l, 0)
}

func (a *attrStore) GetAttr(node, name string, l ocf.Lifetime) (string, bool, error) {
	return a.ctl.LocalAttr(name)
}

func (a *attrStore) DeleteAttr(node, name string, l ocf.Lifetime) error {
	return a.SetAttrDampened(node, name, "", l, 0)
}

func (a *attrStore) SetAttrDampened(node, name, value string, l ocf.Lifetime, delay time.Duration) error {
	if err := a.check(node, l); err != nil {
		return err
	}
	a.damp.set(name, value, delay)
	return nil
}

func (a *attrStore) DeleteAttrDampened(node, name string, l ocf.Lifetime, delay time.Duration) error {
	return a.SetAttrDampened(node, name, "", l, delay)
}

// FenceRequest is the admin socket's "fence" call (`baton fence`).
type FenceRequest struct {
	Target string `json:"target"`
	Action string `json:"action"` // off, reboot, on; empty: stonith-action
}

// registerAdmin installs the CLI's methods.
func registerAdmin(s *wire.Server, ctl *controller.Controller, cfg *config.Config) {
	s.Handle("status", func(context.Context, string, json.RawMessage) (any, error) {
		return ctl.Snapshot(), nil
	})
	s.Handle("cib-query", func(context.Context, string, json.RawMessage) (any, error) {
		return string(ctl.CIB().Bytes()), nil
	})
	s.Handle("cib-replace", func(_ context.Context, _ string, body json.RawMessage) (any, error) {
		var x string
		if err := json.Unmarshal(body, &x); err != nil {
			return nil, err
		}
		d, err := verify.Parse([]byte(x))
		if err != nil {
			return nil, err // the running CIB stays
		}
		if err := CheckTiming(cfg, d); err != nil {
			return nil, fmt.Errorf("CIB rejected: watchdog fencing: %w", err)
		}
		ctl.ReplaceCIB(d)
		return nil, nil
	})
	s.Handle("fence", func(ctx context.Context, _ string, body json.RawMessage) (any, error) {
		var req FenceRequest
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, err
		}
		return ctl.FenceNode(ctx, req.Target, req.Action)
	})
	s.Handle("cleanup", func(ctx context.Context, _ string, body json.RawMessage) (any, error) {
		var rsc string
		if err := json.Unmarshal(body, &rsc); err != nil {
			return nil, err
		}
		ctl.Forget(ctx, rsc)
		return nil, nil
	})
}
