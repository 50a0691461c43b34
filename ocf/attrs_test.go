package ocf

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// nodeStore is an AttrStore keyed by node, as the CRM's will be.
type nodeStore struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *nodeStore) key(node, name string, l Lifetime) string {
	return node + "/" + string(l) + "/" + name
}
func (s *nodeStore) SetAttr(node, name, value string, l Lifetime) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[s.key(node, name, l)] = value
	return nil
}
func (s *nodeStore) GetAttr(node, name string, l Lifetime) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[s.key(node, name, l)]
	return v, ok, nil
}
func (s *nodeStore) DeleteAttr(node, name string, l Lifetime) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, s.key(node, name, l))
	return nil
}

// exerciseAttributes checks the contract every Attributes implementation
// must meet.
func exerciseAttributes(t *testing.T, a Attributes) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, ok, err := a.Promotion(ctx); ok || err != nil {
		t.Fatalf("fresh store has a promotion score (ok=%v err=%v)", ok, err)
	}
	if err := a.SetPromotion(ctx, 10000); err != nil {
		t.Fatal(err)
	}
	if n, ok, err := a.Promotion(ctx); n != 10000 || !ok || err != nil {
		t.Fatalf("Promotion = %d %v %v", n, ok, err)
	}
	if err := a.DeletePromotion(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.Promotion(ctx); ok {
		t.Fatal("score still set after delete")
	}
	if err := a.Set(ctx, "pingd", "100", Reboot); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := a.Get(ctx, "pingd", Reboot); v != "100" || !ok || err != nil {
		t.Fatalf("Get = %q %v %v", v, ok, err)
	}
	if _, ok, _ := a.Get(ctx, "pingd", Forever); ok {
		t.Fatal("lifetimes are separate namespaces")
	}
	if err := a.Delete(ctx, "pingd", Reboot); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.Get(ctx, "pingd", Reboot); ok {
		t.Fatal("attribute still set after delete")
	}
}

func TestMemoryAttributes(t *testing.T) {
	exerciseAttributes(t, NewMemoryAttributes("drbd:0"))
}

func TestSocketAttributes(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "attrd.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	store := &nodeStore{m: map[string]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ServeAttributes(ctx, l, store, "default-node")

	exerciseAttributes(t, &SocketAttributes{Path: sock, Node: "nodea", Instance: "drbd:1"})

	// The score lands under the resource's name without the instance number,
	// on the node the agent named.
	c := &SocketAttributes{Path: sock, Node: "nodea", Instance: "drbd:1"}
	if err := c.SetPromotion(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := store.GetAttr("nodea", "master-drbd", Reboot); !ok || v != "5" {
		t.Errorf("store holds %q %v, want master-drbd=5 on nodea", v, ok)
	}
	// AttributesFor picks the socket when the executor announces it.
	env := ParseEnv([]string{AttributesSocketVar + "=" + sock, "OCF_RESOURCE_INSTANCE=x", "OCF_RESKEY_CRM_meta_on_node=nodeb"})
	if _, ok := AttributesFor(env).(*SocketAttributes); !ok {
		t.Errorf("AttributesFor chose %T", AttributesFor(env))
	}
	if _, ok := AttributesFor(ParseEnv(nil)).(*CrmAttribute); !ok {
		t.Errorf("without a socket AttributesFor should use crm_attribute")
	}
}

func TestSocketAttributesNoDaemon(t *testing.T) {
	c := &SocketAttributes{Path: filepath.Join(t.TempDir(), "none.sock")}
	err := c.Set(context.Background(), "a", "b", Reboot)
	if err == nil || !strings.Contains(err.Error(), "is baton daemon running?") {
		t.Errorf("error %v should say what to check", err)
	}
}

func TestCrmAttributeMissingBinary(t *testing.T) {
	c := &CrmAttribute{Bin: filepath.Join(t.TempDir(), "crm_attribute")}
	if err := c.SetPromotion(context.Background(), 1); err == nil || !strings.Contains(err.Error(), "Pacemaker") {
		t.Errorf("error %v should point at Pacemaker's CLI", err)
	}
}

func TestLogFile(t *testing.T) {
	dir := t.TempDir()
	logf := filepath.Join(dir, "ha.log")
	dbg := filepath.Join(dir, "ha-debug.log")
	var stderr strings.Builder
	env := ParseEnv([]string{"HA_LOGFILE=" + logf, "HA_DEBUGLOG=" + dbg, "HA_debug=1", "OCF_RESOURCE_INSTANCE=vip"})
	log, closeLog := NewLogger("IPaddr", env, &stderr)
	log.Info("address added", "ip", "10.0.0.1")
	log.Debug("details")
	closeLog()
	b, _ := os.ReadFile(logf)
	if !strings.Contains(string(b), "IPaddr(vip)[") || !strings.Contains(string(b), "INFO: address added ip=10.0.0.1") {
		t.Errorf("log file: %q", b)
	}
	d, _ := os.ReadFile(dbg)
	if !strings.Contains(string(d), "DEBUG: details") || strings.Contains(string(b), "details") {
		t.Errorf("debug goes to HA_DEBUGLOG only: log %q debug %q", b, d)
	}
	if stderr.Len() != 0 {
		t.Errorf("nothing should reach stderr when a log file is set: %q", stderr.String())
	}
}

func TestLogStderrWithoutConfig(t *testing.T) {
	var stderr strings.Builder
	log, closeLog := NewLogger("Dummy", ParseEnv([]string{"OCF_RESOURCE_INSTANCE=d1"}), &stderr)
	log.Warn("careful")
	log.Debug("hidden")
	closeLog()
	if got := stderr.String(); !strings.Contains(got, "Dummy(d1)[") || !strings.Contains(got, "WARNING: careful") || strings.Contains(got, "hidden") {
		t.Errorf("stderr: %q", got)
	}
}

// delayStore records the dampened calls it is given.
type delayStore struct {
	nodeStore
	calls []string
}

func (s *delayStore) SetAttrDampened(node, name, value string, l Lifetime, delay time.Duration) error {
	s.mu.Lock()
	s.calls = append(s.calls, "set "+name+"="+value+" after "+delay.String())
	s.mu.Unlock()
	return nil
}

func (s *delayStore) DeleteAttrDampened(node, name string, l Lifetime, delay time.Duration) error {
	s.mu.Lock()
	s.calls = append(s.calls, "delete "+name+" after "+delay.String())
	s.mu.Unlock()
	return nil
}

// TestSocketAttributesDampened: ping's dampen reaches a store that can
// dampen (Baton's daemon, as attrd_updater -d reaches Pacemaker's attrd);
// a store that cannot writes at once; a zero delay is a plain write.
func TestSocketAttributesDampened(t *testing.T) {
	serve := func(store AttrStore) *SocketAttributes {
		sock := filepath.Join(t.TempDir(), "attrd.sock")
		l, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		go ServeAttributes(ctx, l, store, "nodea")
		return &SocketAttributes{Path: sock, Node: "nodea", Instance: "ping:0"}
	}
	ctx := context.Background()
	ds := &delayStore{nodeStore: nodeStore{m: map[string]string{}}}
	var c Dampener = serve(ds)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.SetDampened(ctx, "pingd", "1000", 5*time.Second, true))
	must(c.SetDampened(ctx, "pingd", "0", 5*time.Second, false))
	must(c.DeleteDampened(ctx, "pingd", 1500*time.Millisecond))
	must(c.SetDampened(ctx, "pingd", "7", 0, false))
	want := "set pingd=1000 after 5s|set pingd=0 after 5s|delete pingd after 1.5s"
	if got := strings.Join(ds.calls, "|"); got != want {
		t.Errorf("dampened calls %q, want %q", got, want)
	}
	if v, _, _ := ds.GetAttr("nodea", "pingd", Reboot); v != "7" {
		t.Errorf("a zero delay writes at once: pingd=%q", v)
	}
	plain := &nodeStore{m: map[string]string{}}
	must(serve(plain).SetDampened(ctx, "pingd", "1000", 5*time.Second, true))
	if v, _, _ := plain.GetAttr("nodea", "pingd", Reboot); v != "1000" {
		t.Errorf("a store that cannot dampen writes at once: pingd=%q", v)
	}
}
