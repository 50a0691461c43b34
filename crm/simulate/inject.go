package simulate

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/baton-ha/baton/crm/cib"
)

// Injection is one what-if change applied to the CIB before scheduling.
type Injection struct {
	NodeUp   []string
	NodeDown []string
	NodeFail []string
	// Ops are crm_simulate op specs: RSC_TASK_INTERVALMS@NODE=RC.
	Ops []string
	// Quorum overrides have-quorum when non-nil.
	Quorum *bool
}

// Apply changes doc in place.
func (in Injection) Apply(doc *cib.CIB) error {
	for _, n := range in.NodeUp {
		st, err := nodeState(doc, n, true)
		if err != nil {
			return err
		}
		st.InCCM, st.Crmd, st.Join, st.Expected = "true", "online", "member", "member"
	}
	for _, n := range append(append([]string(nil), in.NodeDown...), in.NodeFail...) {
		st, err := nodeState(doc, n, true)
		if err != nil {
			return err
		}
		st.InCCM, st.Crmd, st.Join = "false", "offline", "down"
		st.Expected = "down"
	}
	for _, spec := range in.Ops {
		if err := injectOp(doc, spec); err != nil {
			return err
		}
	}
	if in.Quorum != nil {
		doc.HaveQuorum = *in.Quorum
	}
	return nil
}

func nodeState(doc *cib.CIB, name string, create bool) (*cib.NodeState, error) {
	var node *cib.Node
	for _, n := range doc.Nodes {
		if n.Uname == name || n.ID == name {
			node = n
		}
	}
	if node == nil {
		return nil, fmt.Errorf("node %q is not in the CIB's nodes section", name)
	}
	if st := doc.NodeState(node.ID, ""); st != nil {
		return st, nil
	}
	if st := doc.NodeState("", node.Uname); st != nil {
		return st, nil
	}
	st := &cib.NodeState{ID: node.ID, Uname: node.Uname, Attrs: map[string]string{}}
	doc.Status = append(doc.Status, st)
	return st, nil
}

// injectOp records an operation result like crm_simulate --op-inject:
// spec is RSC_TASK_INTERVALMS@NODE=RC (RSC may contain underscores).
func injectOp(doc *cib.CIB, spec string) error {
	at := strings.LastIndexByte(spec, '@')
	eq := strings.LastIndexByte(spec, '=')
	if at < 0 || eq < at {
		return fmt.Errorf("op spec %q: want RSC_TASK_INTERVAL@NODE=RC, e.g. ip_monitor_10000@node1=7", spec)
	}
	key, node, rcs := spec[:at], spec[at+1:eq], spec[eq+1:]
	rc, err := strconv.Atoi(rcs)
	if err != nil {
		return fmt.Errorf("op spec %q: rc %q is not a number", spec, rcs)
	}
	parts := strings.Split(key, "_")
	if len(parts) < 3 {
		return fmt.Errorf("op spec %q: want RSC_TASK_INTERVAL", spec)
	}
	ms, err := strconv.Atoi(parts[len(parts)-1])
	if err != nil {
		return fmt.Errorf("op spec %q: interval %q is not milliseconds", spec, parts[len(parts)-1])
	}
	task := parts[len(parts)-2]
	rscID := strings.Join(parts[:len(parts)-2], "_")
	st, err := nodeState(doc, node, true)
	if err != nil {
		return err
	}
	var lr *cib.LrmResource
	for _, r := range st.Resources {
		if r.ID == rscID {
			lr = r
		}
	}
	if lr == nil {
		base := rscID
		if i := strings.LastIndexByte(base, ':'); i > 0 {
			base = base[:i]
		}
		cfg := doc.FindResource(base)
		if cfg == nil {
			return fmt.Errorf("op spec %q: resource %q is not configured", spec, rscID)
		}
		lr = &cib.LrmResource{ID: rscID, Class: cfg.Class, Provider: cfg.Provider, Type: cfg.Type}
		st.Resources = append(st.Resources, lr)
	}
	maxCall := 0
	for _, r := range st.Resources {
		for _, o := range r.Ops {
			if o.CallID > maxCall {
				maxCall = o.CallID
			}
		}
	}
	target := 0
	if task == "monitor" && ms == 0 {
		target = 7
	}
	op := &cib.LrmOp{ID: fmt.Sprintf("%s_%s_%d", rscID, task, ms), Operation: task, Interval: time.Duration(ms) * time.Millisecond,
		RC: rc, CallID: maxCall + 1, TargetRC: target, TransitionKey: fmt.Sprintf("0:0:%d:baton-simulate", target)}
	if task == "monitor" && ms == 0 && (rc == 0 || rc == 8) {
		op.TargetRC = rc
	}
	lr.Ops = append(lr.Ops, op)
	if op.Failed() {
		// Like the controller: count the failure; a failed start is fatal
		// unless start-failure-is-fatal is false.
		name := fmt.Sprintf("fail-count-%s#%s_%d", rscID, task, ms)
		n, _ := cib.ParseScore(st.Attrs[name])
		n = cib.AddScores(n, 1)
		if task == "start" && startFailureFatal(doc) {
			n = cib.Infinity
		}
		st.Attrs[name] = cib.ScoreString(n)
		st.Attrs[fmt.Sprintf("last-failure-%s#%s_%d", rscID, task, ms)] = strconv.FormatInt(time.Now().Unix(), 10)
	}
	return nil
}

func startFailureFatal(doc *cib.CIB) bool {
	v := cib.Values(doc.CrmConfig, cib.RuleContext{NodeAttrs: map[string]string{}})["start-failure-is-fatal"]
	if b, ok := cib.ParseBool(v); ok {
		return b
	}
	return true
}
