package drbd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/baton-ha/baton/agents/drbd/fence"
	"github.com/baton-ha/baton/agents/drbd/status"
	"github.com/baton-ha/baton/ocf"
)

// Validate checks the host: drbdadm installed, the resource defined in the
// configuration, the module's version within the required range.
func (a *agent) Validate(ctx context.Context, r *ocf.Request) error {
	if err := a.installed(r); err != nil {
		return err
	}
	m := r.Env.Meta
	if m.IsClone() && !m.Notify && !r.Params.Bool("ignore_missing_notifications") {
		return ocf.Errorf(ocf.ErrConfigured, "the clone must have meta notify=true (or set ignore_missing_notifications=true)")
	}
	if m.IsClone() && m.CloneNodeMax > 1 {
		return ocf.Errorf(ocf.ErrConfigured, "clone-node-max must be 1: one DRBD instance per node")
	}
	t := a.tools(r)
	// The configuration is parsed for validate-all and start only: promote
	// runs on a resource the kernel already has, on the failover's
	// critical path, where every drbdadm run costs.
	if r.Action == ocf.ActionValidateAll || r.Action == ocf.ActionStart {
		o, err := t.adm(ctx, "dump")
		if err != nil {
			return ocf.Errorf(ocf.ErrInstalled, "%v", err)
		}
		if o.Code != 0 {
			return ocf.Errorf(ocf.ErrArgs, "DRBD resource %s is not defined in %s on this node: %v",
				t.res, t.conf, admErr("dump", o))
		}
	}
	p, err := a.proc()
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "read /proc/drbd: %v", err)
	}
	if p != nil {
		return checkVersion(r, p.Version)
	}
	return nil
}

func checkVersion(r *ocf.Request, v string) error {
	if ge := r.Params.String("require_drbd_module_version_ge"); ge != "" && status.CompareVersions(v, ge) < 0 {
		return ocf.Errorf(ocf.ErrInstalled, "DRBD module %s is older than require_drbd_module_version_ge=%s", v, ge)
	}
	if lt := r.Params.String("require_drbd_module_version_lt"); lt != "" && status.CompareVersions(v, lt) >= 0 {
		return ocf.Errorf(ocf.ErrInstalled, "DRBD module %s is not older than require_drbd_module_version_lt=%s", v, lt)
	}
	return nil
}

// publish sets or removes the promotion score for state s. A failure to
// reach the attribute channel is logged, not returned: the resource itself
// is fine, and failing the monitor would make the cluster recover it.
func (a *agent) publish(ctx context.Context, r *ocf.Request, s *status.Resource) {
	score, ok := 0, false
	if s != nil {
		score, ok = Score(s, a.scores(r))
		if ok && s.Role != status.Primary && s.PeerPrimary() && a.removeForPeerPrimary(r, s) {
			ok = false
		}
	}
	var err error
	if ok {
		err = r.Attrs.SetPromotion(ctx, score)
	} else {
		err = r.Attrs.DeletePromotion(ctx)
	}
	if err != nil {
		r.Log.Warn("cannot update the promotion score", "score", score, "set", ok, "err", err)
	}
}

// removeForPeerPrimary applies remove_master_score_if_peer_primary to a
// Secondary whose peer is Primary.
func (a *agent) removeForPeerPrimary(r *ocf.Request, s *status.Resource) bool {
	v := r.Params.String("remove_master_score_if_peer_primary")
	if strings.EqualFold(v, "unexpected") {
		return !peerPromotionExpected(r, s.Name, a.node(r))
	}
	return ocf.IsTrue(v)
}

// Monitor: 8 Primary, 0 Secondary, 7 down, 1 (9 when Primary) on a failed
// disk; the promotion score is refreshed every time.
func (a *agent) Monitor(ctx context.Context, r *ocf.Request) error {
	if err := a.installed(r); err != nil {
		return err
	}
	t := a.tools(r)
	s, err := t.state(ctx)
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot read DRBD state: %v", err)
	}
	if s == nil {
		if !r.IsProbe() {
			a.publish(ctx, r, nil)
		}
		return ocf.NotRunning
	}
	a.publish(ctx, r, s)
	a.maybeUnfence(ctx, r, s)
	if s.AnyDisk(status.Failed) {
		if s.Role == status.Primary {
			return ocf.Errorf(ocf.FailedPromoted, "DRBD resource %s is Primary on a failed disk", t.res)
		}
		return ocf.Errorf(ocf.ErrGeneric, "DRBD resource %s has a failed disk", t.res)
	}
	switch s.Role {
	case status.Primary:
		return ocf.RunningPromoted
	case status.Secondary:
		return nil
	}
	return ocf.Errorf(ocf.ErrGeneric, "DRBD resource %s is in role %q", t.res, s.Role)
}

// Start brings the resource up as Secondary (up, or adjust when partly
// configured), waits up to wfc_timeout for the peer, and publishes the score.
func (a *agent) Start(ctx context.Context, r *ocf.Request) error {
	t := a.tools(r)
	p, err := a.proc()
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "read /proc/drbd: %v", err)
	}
	if p == nil {
		if o, err := a.c.Runner.Run(ctx, "modprobe", "drbd"); err != nil || o.Code != 0 {
			return ocf.Errorf(ocf.ErrInstalled, "cannot load the drbd kernel module: %v %s", err, o.Stderr)
		}
		if p, err = a.proc(); err != nil || p == nil {
			return ocf.Errorf(ocf.ErrInstalled, "the drbd module loaded but /proc/drbd is unreadable: %v", err)
		}
		if err := checkVersion(r, p.Version); err != nil {
			return err
		}
	}
	s, err := t.state(ctx)
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot read DRBD state: %v", err)
	}
	verb := "up"
	if s != nil {
		verb = "adjust"
	}
	o, err := t.adm(ctx, verb)
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "%v", err)
	}
	if o.Code != 0 {
		return ocf.Errorf(ocf.ErrGeneric, "cannot bring DRBD resource %s up: %v", t.res, admErr(verb, o))
	}
	wait := time.Duration(r.Params.Int("wfc_timeout")) * time.Second
	s, err = a.settle(ctx, t, wait)
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "DRBD resource %s did not come up: %v", t.res, err)
	}
	if s.Role == status.Primary {
		r.Log.Warn("DRBD resource was already Primary at start; leaving it so", "resource", t.res)
	}
	a.publish(ctx, r, s)
	return nil
}

// settle waits until the resource's disks have left transitional states and,
// for at most wait, until a peer is connected. Reaching wait is not an error:
// a lone node may start and be promoted on UpToDate data.
func (a *agent) settle(ctx context.Context, t tools, wait time.Duration) (*status.Resource, error) {
	deadline := time.Now().Add(wait)
	for {
		s, err := t.state(ctx)
		if err != nil {
			return nil, err
		}
		if s == nil {
			return nil, errors.New("drbdsetup does not list it after up")
		}
		busy := false
		for _, v := range s.Volumes {
			busy = busy || v.Disk.Transitional()
		}
		if !busy && (s.Connected() || !time.Now().Before(deadline)) {
			return s, nil
		}
		if !ocf.Sleep(ctx, 200*time.Millisecond) {
			if !busy {
				return s, nil
			}
			return nil, fmt.Errorf("disk still attaching when the start deadline came")
		}
	}
}

// Stop demotes if needed, takes the resource down (outdating a Secondary
// whose peer is Primary when stop_outdates_secondary is set) and removes the
// score.
func (a *agent) Stop(ctx context.Context, r *ocf.Request) error {
	if err := a.installed(r); err != nil {
		return err
	}
	t := a.tools(r)
	s, err := t.state(ctx)
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot read DRBD state: %v", err)
	}
	a.publish(ctx, r, nil)
	if s == nil {
		return nil
	}
	outdate := s.Role == status.Secondary && s.PeerPrimary() && s.Connected() && r.Params.Bool("stop_outdates_secondary")
	if s.Role == status.Primary {
		if err := a.retry(ctx, r, t, "secondary", nil); err != nil {
			return err
		}
	}
	if err := a.retry(ctx, r, t, "down", nil); err != nil {
		return err
	}
	if outdate {
		if o, err := t.adm(ctx, "outdate"); err != nil || o.Code != 0 {
			r.Log.Warn("cannot outdate the stopped Secondary", "err", err, "stderr", o.Stderr)
		}
	}
	return nil
}

// retry runs drbdadm verb until it succeeds, giveUp says the failure is
// final, or the action's deadline comes; it never outlives ctx.
func (a *agent) retry(ctx context.Context, r *ocf.Request, t tools, verb string, giveUp func(*status.Resource) error) error {
	var last Output
	for attempt := 1; ; attempt++ {
		o, err := t.adm(ctx, verb)
		if err == nil && o.Code == 0 {
			return nil
		}
		if err != nil && ctx.Err() == nil {
			return ocf.Errorf(ocf.ErrGeneric, "%v", err)
		}
		last = o
		if giveUp != nil {
			s, serr := t.state(ctx)
			if serr == nil && s != nil {
				if err := giveUp(s); err != nil {
					return err
				}
			}
		}
		r.Log.Info("drbdadm failed; retrying", "verb", verb, "attempt", attempt, "stderr", last.Stderr)
		if !ocf.Sleep(ctx, a.c.Retry) {
			return ocf.Errorf(ocf.ErrGeneric, "drbdadm %s %s still failing when the deadline came: %v",
				verb, t.res, admErr(verb, last))
		}
	}
}

// Promote makes the resource Primary. It refuses at once when a fencing
// constraint keeps another node, when there is no good data to promote, or
// (fail_promote_early_if_peer_primary) when the peer is still Primary.
func (a *agent) Promote(ctx context.Context, r *ocf.Request) error {
	t := a.tools(r)
	s, err := t.state(ctx)
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot read DRBD state: %v", err)
	}
	if s == nil {
		return ocf.Errorf(ocf.NotRunning, "cannot promote DRBD resource %s: it is not running", t.res)
	}
	if s.Role == status.Primary {
		a.publish(ctx, r, s)
		return nil
	}
	if err := a.fencedHere(ctx, r, t.res); err != nil {
		return err
	}
	early := r.Params.Bool("fail_promote_early_if_peer_primary")
	giveUp := func(s *status.Resource) error {
		if _, ok := Score(s, a.scores(r)); !ok {
			return ocf.Errorf(ocf.ErrGeneric, "cannot promote DRBD resource %s: no UpToDate or Consistent data here or on a connected peer", t.res)
		}
		if early && s.PeerPrimary() {
			return ocf.Errorf(ocf.ErrGeneric, "cannot promote DRBD resource %s: the peer is Primary (fail_promote_early_if_peer_primary)", t.res)
		}
		return nil
	}
	if err := giveUp(s); err != nil {
		if !early || !s.PeerPrimary() {
			return err
		}
		// The peer may be gone without DRBD knowing yet: one attempt
		// makes DRBD check.
		if o, err := t.adm(ctx, "primary"); err == nil && o.Code == 0 {
			a.refresh(ctx, r, t)
			return nil
		}
		return giveUp(s)
	}
	if err := a.retry(ctx, r, t, "primary", giveUp); err != nil {
		return err
	}
	// A role change leaves the disk states as they were: score the state
	// read before it instead of asking drbdsetup again, one program run
	// less on the failover's critical path.
	s.Role = status.Primary
	a.publish(ctx, r, s)
	return nil
}

// fencedHere refuses promotion when a fencing constraint for res keeps
// another node: this node's data may be stale. The cluster manager would not
// ask, but an agent run by hand or a race must not promote either.
func (a *agent) fencedHere(ctx context.Context, r *ocf.Request, res string) error {
	c := a.c.Fence(r.Env)
	if c == nil {
		return nil
	}
	keep, ok, err := c.Lookup(ctx, res)
	if err != nil {
		r.Log.Warn("cannot look up fencing constraints", "err", err)
		return nil
	}
	if ok && keep != a.node(r) {
		return ocf.Errorf(ocf.ErrGeneric, "promotion of DRBD resource %s forbidden: a fencing constraint (%s-%s-*) keeps node %s; resync, then remove it with `baton drbd unfence-peer`",
			res, fence.IDPrefix, res, keep)
	}
	return nil
}

// Demote makes the resource Secondary, retrying while the device is in use
// until the deadline.
func (a *agent) Demote(ctx context.Context, r *ocf.Request) error {
	if err := a.installed(r); err != nil {
		return err
	}
	t := a.tools(r)
	s, err := t.state(ctx)
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot read DRBD state: %v", err)
	}
	if s == nil {
		return ocf.Errorf(ocf.NotRunning, "cannot demote DRBD resource %s: it is not running", t.res)
	}
	if s.Role != status.Primary {
		a.publish(ctx, r, s)
		return nil
	}
	if err := a.retry(ctx, r, t, "secondary", nil); err != nil {
		return err
	}
	s.Role = status.Secondary
	a.publish(ctx, r, s)
	return nil
}

// refresh re-reads the state and publishes the score.
func (a *agent) refresh(ctx context.Context, r *ocf.Request, t tools) {
	s, err := t.state(ctx)
	if err != nil {
		r.Log.Warn("cannot read DRBD state", "err", err)
		return
	}
	a.publish(ctx, r, s)
}

// Notify keeps the instance in step with its peer: before a peer starts or
// after anything happened, a StandAlone resource is adjusted so that it
// connects again; after every operation the score is refreshed, and a stale
// fencing constraint is removed when unfence_if_all_uptodate allows it.
func (a *agent) Notify(ctx context.Context, r *ocf.Request) error {
	if err := a.installed(r); err != nil {
		return err
	}
	t := a.tools(r)
	if r.Env.Notify.Type == "post" && strings.EqualFold(r.Params.String("remove_master_score_if_peer_primary"), "unexpected") {
		if err := recordExpected(r, t.res); err != nil {
			r.Log.Warn(err.Error())
		}
	}
	s, err := t.state(ctx)
	if err != nil || s == nil {
		return nil // not running here: nothing to keep in step
	}
	n := r.Env.Notify
	if s.StandAlone() && (n.Type == "post" || n.Operation == "start") {
		if o, err := t.adm(ctx, "adjust"); err != nil || o.Code != 0 {
			r.Log.Warn("cannot reconnect the StandAlone resource", "err", err, "stderr", o.Stderr)
		}
	}
	if n.Type == "post" {
		if s, err = t.state(ctx); err == nil && s != nil {
			a.publish(ctx, r, s)
			a.maybeUnfence(ctx, r, s)
		}
	}
	return nil
}

// Reload applies changed parameters without a restart, as ocf:linbit:drbd's
// reload: every parameter but drbd_resource takes effect at the agent's next
// run, and the promotion score is published at once from the new
// adjust_master_score and remove_master_score_if_peer_primary. DRBD itself
// is left alone: changes to drbd.conf are applied with drbdadm adjust.
func (a *agent) Reload(ctx context.Context, r *ocf.Request) error {
	t := a.tools(r)
	s, err := t.state(ctx)
	if err != nil {
		return ocf.Errorf(ocf.ErrGeneric, "cannot read DRBD state: %v", err)
	}
	if s == nil {
		return ocf.NotRunning
	}
	a.publish(ctx, r, s)
	return nil
}

// maybeUnfence removes the fencing constraint for the resource when
// unfence_if_all_uptodate is set and every disk, here and on the connected
// peer, is UpToDate: the constraint can no longer protect anything.
func (a *agent) maybeUnfence(ctx context.Context, r *ocf.Request, s *status.Resource) {
	if !r.Params.Bool("unfence_if_all_uptodate") {
		return
	}
	if !s.AllDisks(status.UpToDate) || len(s.Peers) == 0 {
		return
	}
	for _, p := range s.Peers {
		if !p.Connected() || !p.AllDisks(status.UpToDate) {
			return
		}
	}
	c := a.c.Fence(r.Env)
	if c == nil {
		return
	}
	if _, ok, err := c.Lookup(ctx, s.Name); err != nil || !ok {
		return
	}
	if err := c.Remove(ctx, s.Name); err != nil {
		r.Log.Warn("cannot remove the fencing constraint", "err", err)
		return
	}
	r.Log.Info("removed the fencing constraint: all disks are UpToDate", "resource", s.Name)
}
