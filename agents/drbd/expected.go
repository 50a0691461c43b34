package drbd

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/baton-ha/baton/ocf"
)

// For remove_master_score_if_peer_primary=unexpected the agent must tell a
// Primary peer the cluster promoted (expected: keep the score, this node is
// the standby) from one it did not (a promotion behind the cluster's back or
// by a partition this node cannot see: remove the score). ocf:linbit:drbd
// asks crm_resource; an agent that may run under either cluster manager
// learns it from the clone's post notifications instead, which name the
// promoted instances and the operation just done, and keeps the result in
// HA_RSCTMP until the next notification.

// expectedFile is where the nodes the cluster has promoted are kept.
func expectedFile(r *ocf.Request, res string) string {
	return filepath.Join(r.Env.RscTmp, "baton-drbd-"+strings.ReplaceAll(res, "/", "_")+".promoted")
}

// promotedAfter returns the nodes holding the promoted role once the
// notified operation has completed.
func promotedAfter(n ocf.Notification) []string {
	gone := append(ocf.Unames(n.Demote), ocf.Unames(n.Stop)...)
	var out []string
	for _, u := range append(ocf.Unames(n.Promoted), ocf.Unames(n.Promote)...) {
		if !slices.Contains(gone, u) && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out
}

// recordExpected saves the promoted nodes of a post notification.
func recordExpected(r *ocf.Request, res string) error {
	path := expectedFile(r, res)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(promotedAfter(r.Env.Notify), "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("record the promoted nodes: %w", err)
	}
	return os.Rename(tmp, path)
}

// peerPromotionExpected reports whether the last notification named a node
// other than self as promoted.
func peerPromotionExpected(r *ocf.Request, res, self string) bool {
	b, err := os.ReadFile(expectedFile(r, res))
	if err != nil {
		return false
	}
	for _, u := range strings.Fields(string(b)) {
		if u != self {
			return true
		}
	}
	return false
}
