package controller

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/executor"
	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/witness"
	"github.com/baton-ha/baton/ocf"
)

const cibXML = `<cib epoch="3" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.9">
<configuration>
  <crm_config/>
  <nodes><node id="1" uname="a"/><node id="2" uname="b"/></nodes>
  <resources>
    <primitive id="vip" class="ocf" provider="baton" type="IPaddr">
      <instance_attributes id="vip-ia"><nvpair id="vip-ip" name="ip" value="10.0.0.10"/></instance_attributes>
      <meta_attributes id="vip-ma"><nvpair id="vip-tr" name="target-role" value="Started"/></meta_attributes>
      <operations>
        <op id="vip-start" name="start" interval="0" timeout="30s"/>
        <op id="vip-mon" name="monitor" interval="10s" timeout="15s">
          <instance_attributes id="vip-mon-ia"><nvpair id="vip-mon-lvl" name="OCF_CHECK_LEVEL" value="10"/></instance_attributes>
        </op>
      </operations>
    </primitive>
    <clone id="ms">
      <meta_attributes id="ms-ma"><nvpair id="ms-p" name="promotable" value="true"/><nvpair id="ms-n" name="notify" value="true"/></meta_attributes>
      <primitive id="st" class="ocf" provider="baton" type="Stateful">
        <operations><op id="st-mon-p" name="monitor" interval="5s" role="Master" timeout="7s"/></operations>
      </primitive>
    </clone>
    <group id="g"><primitive id="g1" class="ocf" provider="baton" type="Dummy"/><primitive id="g2" class="ocf" provider="baton" type="Dummy"/></group>
  </resources>
  <constraints/>
</configuration>
<status/>
</cib>`

func TestBuildOperation(t *testing.T) {
	raw, err := cibdoc.Parse([]byte(cibXML))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := cib.Parse(raw.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	vip := doc.FindResource("vip")
	op, target := buildOperation(raw, vip, "vip", "start", 0, 2)
	if op.Resource != "vip" || op.Params["ip"] != "10.0.0.10" || op.Timeout != 30*time.Second || op.Meta["target_role"] != "Started" || target != 0 {
		t.Errorf("start: %+v target %d", op, target)
	}
	op, _ = buildOperation(raw, vip, "vip", "monitor", 10*time.Second, 2)
	if op.Timeout != 15*time.Second || op.Params["OCF_CHECK_LEVEL"] != "10" {
		t.Errorf("monitor: %+v", op)
	}
	op, _ = buildOperation(raw, vip, "vip", "stop", 0, 2)
	if op.Timeout != 20*time.Second {
		t.Errorf("stop without <op> should get the default timeout, got %v", op.Timeout)
	}
	st := doc.FindResource("st")
	op, target = buildOperation(raw, st, "st:1", "monitor", 5*time.Second, 2)
	if op.Resource != "st" || op.Meta["clone"] != "1" || op.Meta["clone_max"] != "2" || op.Meta["promoted_max"] != "1" ||
		op.Meta["notify"] != "true" || op.Meta["role"] != "Promoted" || target != 8 || op.Timeout != 7*time.Second {
		t.Errorf("promotable monitor: %+v target %d", op, target)
	}

	if _, _, err := OperationFor(raw, "g", "start"); err == nil || !strings.Contains(err.Error(), "several primitives") {
		t.Errorf("group: %v", err)
	}
	if op, _, err := OperationFor(raw, "ms", "start"); err != nil || op.Type != "Stateful" {
		t.Errorf("clone names its primitive: %+v %v", op, err)
	}
	if _, _, err := OperationFor(raw, "nope", "start"); err == nil || !strings.Contains(err.Error(), `"nope" is not configured`) {
		t.Errorf("unknown: %v", err)
	}
}

var key = membership.Key("0123456789abcdef0123456789abcdef")

func TestQuorumPolicies(t *testing.T) {
	ctx := context.Background()
	full := View{Self: "a", SelfID: 1, All: []string{"a", "b"}, Members: []string{"a", "b"}}
	alone := View{Self: "a", SelfID: 1, All: []string{"a", "b"}, Members: []string{"a"}}
	fenced := View{Self: "a", SelfID: 1, All: []string{"a", "b"}, Members: []string{"a"}, Fenced: []string{"b"}}
	three := View{Self: "a", SelfID: 1, All: []string{"a", "b", "c"}, Members: []string{"a", "c"}}
	for _, tc := range []struct {
		name string
		q    *Quorum
		v    View
		want bool
		why  string
	}{
		{"all members", &Quorum{Policy: "stop"}, full, true, "2 of 2"},
		{"majority of three", &Quorum{Policy: "stop"}, three, true, "2 of 3"},
		{"alone, stop", &Quorum{Policy: "stop"}, alone, false, "policy stop"},
		{"alone, ignore", &Quorum{Policy: "ignore"}, alone, true, "ignore"},
		{"alone, peer fenced", &Quorum{Policy: "fence"}, fenced, true, "fenced: b"},
		{"alone, fence pending", &Quorum{Policy: "fence"}, alone, false, "waiting for the fencing of b"},
		{"alone, no witness", &Quorum{Policy: "witness", Witness: "127.0.0.1:1", Key: key, AskTimeout: 300 * time.Millisecond}, alone, false, "did not grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := tc.q.Decide(ctx, tc.v)
			if got != tc.want || !strings.Contains(why, tc.why) {
				t.Errorf("Decide = %v %q, want %v containing %q", got, why, tc.want, tc.why)
			}
		})
	}
}

func TestQuorumWitness(t *testing.T) {
	ctx, addr := startWitness(t)
	qa := &Quorum{Policy: "witness", Witness: addr, Key: key, Cluster: "c"}
	qb := &Quorum{Policy: "witness", Witness: addr, Key: key, Cluster: "c"}
	// Links to the peer go quiet on both sides; a asks first and wins.
	va := View{Self: "a", SelfID: 1, All: []string{"a", "b"}, Members: []string{"a", "b"}, Suspect: []string{"b"}}
	vb := View{Self: "b", SelfID: 2, All: []string{"a", "b"}, Members: []string{"a", "b"}, Suspect: []string{"a"}}
	if ok, why := qa.Decide(ctx, va); !ok {
		t.Fatalf("a, suspecting b, holding the vote: %v %s", ok, why)
	}
	if ok, why := qb.Decide(ctx, vb); ok || !strings.Contains(why, "witness backs a") {
		t.Fatalf("b, suspecting a, must stop at once: %v %s", ok, why)
	}
	// Deadtime: each now sees itself alone.
	va.Members, va.Suspect = []string{"a"}, nil
	vb.Members, vb.Suspect = []string{"b"}, nil
	time.Sleep(250 * time.Millisecond) // past the ask rate limit
	if ok, _ := qa.Decide(ctx, va); !ok {
		t.Error("a keeps quorum with the witness")
	}
	if ok, why := qb.Decide(ctx, vb); ok || !strings.Contains(why, "gave its vote to a") {
		t.Errorf("b alone: %v %s", ok, why)
	}
}

// TestEnsureNodes: a CIB written offline by pcs or crmsh has no nodes; the
// controller lists the configured ones, keeping those already there.
func TestEnsureNodes(t *testing.T) {
	d, err := cibdoc.Parse([]byte(`<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>`))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Node: "node1", NodeID: 1, Peers: []Peer{{Name: "node2", ID: 2}}}
	cfg.ensureNodes(d)
	cfg.ensureNodes(d)
	var got []string
	for _, n := range d.Section("nodes").SelectElements("node") {
		got = append(got, n.SelectAttrValue("id", "")+"="+n.SelectAttrValue("uname", ""))
	}
	if strings.Join(got, " ") != "1=node1 2=node2" {
		t.Errorf("nodes %v", got)
	}
}

// TestQuorumWitnessIdleAsksLater: in a split the idle node asks the
// witness IdleAskDelay after the trouble began, so the node running the
// resources wins even when the idle one notices first; once the delay has
// passed, an idle node whose peer is really gone gets the vote.
func TestQuorumWitnessIdleAsksLater(t *testing.T) {
	ctx, addr := startWitness(t)
	const delay = 300 * time.Millisecond
	qa := &Quorum{Policy: "witness", Witness: addr, Key: key, Cluster: "c", IdleAskDelay: delay}
	qb := &Quorum{Policy: "witness", Witness: addr, Key: key, Cluster: "c", IdleAskDelay: delay}
	va := View{Self: "a", SelfID: 1, All: []string{"a", "b"}, Members: []string{"a", "b"}, Suspect: []string{"b"}}
	vb := View{Self: "b", SelfID: 2, All: []string{"a", "b"}, Members: []string{"a", "b"}, Suspect: []string{"a"}, Idle: true}
	// b (idle) notices first, but does not ask yet.
	if ok, why := qb.Decide(ctx, vb); !ok || strings.Contains(why, "witness") {
		t.Fatalf("b, idle, within the delay: %v %s", ok, why)
	}
	if ok, why := qa.Decide(ctx, va); !ok {
		t.Fatalf("a, running the resources, asks and holds the vote: %v %s", ok, why)
	}
	// Past the delay b asks and learns that a holds the vote.
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, why := qb.Decide(ctx, vb)
		if !ok && strings.Contains(why, "witness backs a") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("b past the delay: %v %s", ok, why)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Another cluster: the idle node alone (its peer really gone) gets the
	// vote once the delay has passed.
	qc := &Quorum{Policy: "witness", Witness: addr, Key: key, Cluster: "c2", IdleAskDelay: delay}
	vc := View{Self: "c", SelfID: 2, All: []string{"c", "d"}, Members: []string{"c"}, Idle: true}
	began := time.Now()
	for {
		ok, why := qc.Decide(ctx, vc)
		if ok {
			if waited := time.Since(began); waited < delay {
				t.Errorf("the idle node got the vote after %v, before its delay", waited)
			}
			break
		}
		if time.Now().After(began.Add(5 * time.Second)) {
			t.Fatalf("the idle survivor never got the vote: %s", why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startWitness serves a witness (lease 2 s) on loopback for the test and
// returns a context that ends with it, and its address.
func startWitness(t *testing.T) (context.Context, string) {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); conn.Close() })
	go (&witness.Witness{Key: key, Lease: 2 * time.Second}).Serve(ctx, conn)
	return ctx, conn.LocalAddr().String()
}

// TestQuorumWitnessReleasedWhenWhole: the node that won the vote in a
// split gives it back once the cluster has been whole for releaseAfter,
// so that when it is lost later its peer gets the vote at once instead of
// waiting out the lease.
func TestQuorumWitnessReleasedWhenWhole(t *testing.T) {
	ctx, addr := startWitness(t)
	qa := &Quorum{Policy: "witness", Witness: addr, Key: key, Cluster: "c"}
	qb := &Quorum{Policy: "witness", Witness: addr, Key: key, Cluster: "c"}
	split := View{Self: "a", SelfID: 1, All: []string{"a", "b"}, Members: []string{"a"}}
	if ok, why := qa.Decide(ctx, split); !ok {
		t.Fatalf("a alone: %v %s", ok, why)
	}
	whole := View{Self: "a", SelfID: 1, All: []string{"a", "b"}, Members: []string{"a", "b"}}
	healed := time.Now()
	qa.Decide(ctx, whole)
	qa.mu.Lock()
	kept := qa.holdsGrant()
	qa.mu.Unlock()
	if !kept {
		t.Fatal("a gave the vote back at once: a flapping link would move it at every flap")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		qa.Decide(ctx, whole)
		qa.mu.Lock()
		held := qa.holdsGrant()
		qa.mu.Unlock()
		if !held {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a never gave the vote back")
		}
		time.Sleep(50 * time.Millisecond) // polling Decide, bounded above
	}
	if since := time.Since(healed); since < releaseAfter {
		t.Errorf("vote given back %v after the cluster was whole, before releaseAfter", since)
	}
	// a is lost now: b gets the vote at once, well within a's lease.
	asked := time.Now()
	if ok, why := qb.Decide(ctx, View{Self: "b", SelfID: 2, All: []string{"a", "b"}, Members: []string{"b"}}); !ok {
		t.Errorf("b alone after a gave the vote back: %v %s", ok, why)
	}
	if took := time.Since(asked); took > time.Second {
		t.Errorf("b waited %v for the vote", took)
	}
}

// splitMembers is a membership in which peer b is still counted alive but
// every link to it is late: a partition is forming.
type splitMembers struct{}

func (splitMembers) Alive() []string { return []string{"a", "b"} }
func (splitMembers) Snapshot() []membership.PeerState {
	return []membership.PeerState{{Name: "b", Alive: true, Links: []membership.LinkState{membership.LinkWarn, membership.LinkWarn}}}
}
func (splitMembers) Changes() <-chan struct{} { return nil }

// TestWitnessAskedWhileTheMainLoopIsBusy: the node serving the clients must
// ask the witness as soon as its links go quiet, even when its main loop is
// inside a long operation (here a probe that takes seconds), and without a
// watchdog. Otherwise the idle peer, which may be the side cut off from the
// clients, asks after its IdleAskDelay, wins, and leaves nothing running
// (the fault campaign's all-links-cut lost the service for a minute so).
func TestWitnessAskedWhileTheMainLoopIsBusy(t *testing.T) {
	ctx, addr := startWitness(t)
	doc, err := cibdoc.Parse([]byte(fencingCIB(`<nvpair id="o1" name="stonith-enabled" value="false"/>`,
		`<primitive id="slow" class="ocf" provider="test" type="slow"/>`)))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "resource.d", "test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The probe holds the main loop for 4 s, past b's IdleAskDelay; it
	// finds nothing running.
	if err := os.WriteFile(filepath.Join(dir, "slow"), []byte("#!/bin/sh\nsleep 4\nexit 7\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	const delay = 500 * time.Millisecond
	qa := &Quorum{Policy: "witness", Witness: addr, Key: key, Cluster: "c", IdleAskDelay: delay}
	a := New(Config{Cluster: "c", Node: "a", NodeID: 1, Peers: []Peer{{Name: "b", ID: 2}}, Key: key,
		Members: splitMembers{}, Exec: &executor.Executor{OCFRoot: root}, Quorum: qa}, doc)
	// a serves the clients: a group member runs there.
	a.noteActive(executor.Operation{Resource: "fs", Class: "ocf", Action: ocf.ActionStart}, ocf.Success)
	actx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() { _ = a.Run(actx); close(done) }()

	// b, idle, asks once its delay has passed, as its own loop would.
	qb := &Quorum{Policy: "witness", Witness: addr, Key: key, Cluster: "c", IdleAskDelay: delay}
	vb := View{Self: "b", SelfID: 2, All: []string{"a", "b"}, Members: []string{"a", "b"}, Suspect: []string{"a"}, Idle: true}
	deadline := time.Now().Add(3 * time.Second)
	for {
		ok, why := qb.Decide(ctx, vb)
		if !ok && strings.Contains(why, "witness backs a") {
			break
		}
		if held, _ := qb.HoldsWitnessVote(); held {
			t.Fatal("the idle node won the witness: the busy node serving the clients did not ask in time")
		}
		if time.Now().After(deadline) {
			t.Fatalf("b never learned that a holds the vote: %v %s", ok, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if held, _ := qa.HoldsWitnessVote(); !held {
		t.Error("a does not count the witness's vote it holds")
	}
}
