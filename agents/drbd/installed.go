package drbd

import "github.com/baton-ha/baton/ocf"

// installed checks for drbd-utils. A node without them (a quorum-only node
// that Pacemaker still probes) cannot run the resource: a probe reports it
// not running, so that the cluster plans nothing there, and every other
// action fails with OCF_ERR_INSTALLED, as ocf:linbit:drbd does.
func (a *agent) installed(r *ocf.Request) error {
	for _, p := range []string{"drbdadm", "drbdsetup"} {
		if _, err := a.c.LookPath(p); err != nil {
			if r.IsProbe() {
				r.Log.Info(p + " is not installed: DRBD cannot run on this node")
				return ocf.NotRunning
			}
			return ocf.Errorf(ocf.ErrInstalled, "%s is not installed: install drbd-utils", p)
		}
	}
	return nil
}
