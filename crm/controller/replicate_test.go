package controller

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/executor"
	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/wire"
)

// noMembers is a membership layer in which no peer is alive.
type noMembers struct{}

func (noMembers) Alive() []string                  { return nil }
func (noMembers) Snapshot() []membership.PeerState { return nil }
func (noMembers) Changes() <-chan struct{}         { return nil }

// A CIB a peer sends is verified like `baton verify` does; an invalid one
// is refused with the errors and the running one kept, however new its
// epoch.
func TestPeerCIBIsVerified(t *testing.T) {
	doc, err := cibdoc.Parse([]byte(cibXML))
	if err != nil {
		t.Fatal(err)
	}
	ctl := New(Config{Cluster: "c", Node: "a", NodeID: 1, Key: key, Members: noMembers{}}, doc)
	srv := &wire.Server{Key: key}
	ctl.Register(srv)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go srv.Serve(ctx, l)
	before := ctl.CIB().Version()

	bad := strings.Replace(cibXML, `epoch="3"`, `epoch="99"`, 1)
	bad = strings.Replace(bad, `<constraints/>`, `<constraints><rsc_order id="o" first="vip" then="ghost"/></constraints>`, 1)
	cl := &wire.Client{Key: key, From: "b"}
	err = cl.Call(ctx, []string{l.Addr().String()}, "cib", bad, nil)
	if err == nil || !strings.Contains(err.Error(), `resource "ghost" names no configured resource`) {
		t.Fatalf("invalid CIB from a peer: %v", err)
	}
	if got := ctl.CIB().Version(); got != before {
		t.Fatalf("running CIB changed from %v to %v", before, got)
	}

	good := strings.Replace(cibXML, `epoch="3"`, `epoch="99"`, 1)
	if err := cl.Call(ctx, []string{l.Addr().String()}, "cib", good, nil); err != nil {
		t.Fatalf("valid CIB from a peer: %v", err)
	}
	if got := ctl.CIB().Version(); got.Epoch != 99 {
		t.Fatalf("valid newer CIB not adopted: %v", got)
	}
}

// When a node joins, the DC takes its configuration if it is newer than
// its own: a node that rebooted with the CIB it was installed with must
// not keep the cluster on an old configuration, nor leave the survivor
// refusing the DC's copies (and showing a stale status) for good.
func TestDCAdoptsANewerConfigurationFromAJoiningNode(t *testing.T) {
	newer := strings.Replace(cibXML, `epoch="3"`, `epoch="7"`, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Node b: only its CIB matters here.
	srv := &wire.Server{Key: key}
	srv.Handle("cib-get", func(context.Context, string, json.RawMessage) (any, error) { return newer, nil })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ctx, l)

	doc, err := cibdoc.Parse([]byte(cibXML))
	if err != nil {
		t.Fatal(err)
	}
	mem := &setMembers{alive: []string{"a"}}
	c := New(Config{Cluster: "c", Node: "a", NodeID: 1, Peers: []Peer{{Name: "b", ID: 2, Addrs: []string{l.Addr().String()}}},
		Key: key, Members: mem, Exec: &executor.Executor{OCFRoot: t.TempDir()}, Quorum: &Quorum{Policy: "stop"}}, doc)
	c.step(ctx, false)
	if got := c.CIB().Version().Epoch; got != 3 {
		t.Fatalf("alone: epoch %d", got)
	}
	mem.set("a", "b") // b joins; a is DC (lowest id)
	c.step(ctx, false)
	deadline := time.Now().Add(5 * time.Second)
	for c.CIB().Version().Epoch != 7 {
		if time.Now().After(deadline) {
			t.Fatalf("the DC kept epoch %d after b joined with epoch 7", c.CIB().Version().Epoch)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// An older configuration from a peer is not taken.
	older := strings.Replace(cibXML, `epoch="3"`, `epoch="2"`, 1)
	srv.Handle("cib-get", func(context.Context, string, json.RawMessage) (any, error) { return older, nil })
	c.pull("b")
	if got := c.CIB().Version().Epoch; got != 7 {
		t.Errorf("an older configuration from a joiner replaced the DC's: epoch %d", got)
	}
}
