package controller

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/cibdoc"
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
