package controller

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/fencer"
	"github.com/baton-ha/baton/crm/scheduler"
)

// failureFencing returns the members whose failures call for fencing: a
// failed stop (its on-fail is fence unless set otherwise, with fencing
// enabled) or any failed operation configured with on-fail=fence.
func (c *Controller) failureFencing(doc *cib.CIB, members []string) map[string]string {
	out := map[string]string{}
	for _, m := range members {
		for _, f := range c.cluster.Failures(m) {
			prim := doc.FindResource(f.Resource)
			if prim == nil {
				if base, _, ok := strings.Cut(f.Resource, ":"); ok {
					prim = doc.FindResource(base)
				}
			}
			onFail := ""
			if prim != nil {
				for _, op := range prim.Ops {
					if op.Name == f.Operation && (op.Interval == f.Interval || f.Operation != "monitor") && op.OnFail != "" {
						onFail = op.OnFail
					}
				}
			}
			if onFail == "fence" || (f.Operation == "stop" && onFail == "") {
				out[m] = fmt.Sprintf("%s %s failed (on-fail=fence)", f.Resource, f.Operation)
			}
		}
	}
	return out
}

// fenceFailed fences members whose failures call for it. The DC cannot
// fence itself with a device: it asks a peer's fencer.
func (c *Controller) fenceFailed(ctx context.Context, targets map[string]string) {
	f := c.fence
	for n, why := range targets {
		f.mu.Lock()
		_, done := f.fenced[n]
		busy := f.running[n] || done || time.Now().Before(f.retryAt[n])
		if !busy {
			f.running[n] = true
		}
		f.mu.Unlock()
		if busy {
			continue
		}
		c.log.Warn("fencing node after a failure", "target", n, "why", why)
		requested := time.Now()
		go func() {
			var res fencer.Result
			if n == c.cfg.Node {
				res = c.askPeerToFence(ctx, n)
			} else {
				res = c.cfg.Fencer.Fence(ctx, fencer.Request{Target: n, Origin: c.cfg.Node})
			}
			c.fenceDone(n, requested, res)
		}()
	}
}

// askPeerToFence has a live peer's fencer fence this node.
func (c *Controller) askPeerToFence(ctx context.Context, target string) fencer.Result {
	var res fencer.Result
	var errs []string
	for _, p := range c.cfg.Members.Alive() {
		if p == c.cfg.Node {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		err := c.client.Call(cctx, c.peerAddrs(p), "fence", target, &res)
		cancel()
		if err == nil && res.OK {
			return res
		}
		if err != nil {
			errs = append(errs, p+": "+err.Error())
		} else {
			errs = append(errs, p+": "+res.Error)
		}
	}
	if len(errs) == 0 {
		errs = append(errs, "no live peer to ask (a node never fences itself with a device)")
	}
	return fencer.Result{Target: target, Origin: c.cfg.Node, Error: strings.Join(errs, "; ")}
}

// isFenceAction reports whether a scheduler action fences its node (the
// scheduler's Fence, Pacemaker's stonith task). The controller decides
// lost-node and failure fencing itself; this is the seam through which the
// scheduler's fence actions reach the same fencer. Unfencing ("on") is not
// run yet.
func isFenceAction(a *scheduler.Action) bool {
	return a.Fence != nil && a.Fence.Action != "on"
}
