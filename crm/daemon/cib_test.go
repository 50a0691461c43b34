package daemon

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/cibdoc"
	"github.com/baton-ha/baton/crm/config"
	"github.com/baton-ha/baton/crm/controller"
	"github.com/baton-ha/baton/crm/membership"
	"github.com/baton-ha/baton/crm/wire"
)

const goodCIB = `<cib epoch="5" num_updates="0" admin_epoch="0"><configuration><crm_config/>
<nodes><node id="1" uname="a"/></nodes>
<resources><primitive id="d" class="ocf" provider="heartbeat" type="Dummy"/></resources>
<constraints/></configuration><status/></cib>`

// badCIB is well-formed and newer, but refers to a resource that does not
// exist: `baton verify` rejects it.
var badCIB = strings.Replace(strings.Replace(goodCIB, `epoch="5"`, `epoch="9"`, 1),
	`<constraints/>`, `<constraints><rsc_order id="o" first="d" then="ghost"/></constraints>`, 1)

type aloneMembers struct{}

func (aloneMembers) Alive() []string                  { return nil }
func (aloneMembers) Snapshot() []membership.PeerState { return nil }
func (aloneMembers) Changes() <-chan struct{}         { return nil }

var testKey = membership.Key("0123456789abcdef0123456789abcdef")

// `baton cib replace` reaches the daemon through the admin socket's
// cib-replace: a CIB `baton verify` rejects is refused with its errors and
// the running CIB stays.
func TestCIBReplaceVerifies(t *testing.T) {
	doc, err := cibdoc.Parse([]byte(goodCIB))
	if err != nil {
		t.Fatal(err)
	}
	ctl := controller.New(controller.Config{Cluster: "c", Node: "a", NodeID: 1, Key: testKey, Members: aloneMembers{}}, doc)
	srv := &wire.Server{Key: testKey}
	registerAdmin(srv, ctl, &config.Config{Quorum: config.Quorum{Policy: config.QuorumStop}})
	sock := filepath.Join(t.TempDir(), "admin.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go srv.Serve(ctx, l)
	cl := &wire.Client{Key: testKey, From: "cli"}
	err = cl.CallUnix(ctx, sock, "cib-replace", badCIB, nil)
	if err == nil || !strings.Contains(err.Error(), `resource "ghost" names no configured resource`) {
		t.Fatalf("cib-replace of an invalid CIB: %v", err)
	}
	if v := ctl.CIB().Version(); v.Epoch != 5 {
		t.Fatalf("running CIB replaced: version %v", v)
	}
	if err := cl.CallUnix(ctx, sock, "cib-replace", strings.Replace(goodCIB, `epoch="5"`, `epoch="7"`, 1), nil); err != nil {
		t.Fatalf("cib-replace of a valid CIB: %v", err)
	}
	if v := ctl.CIB().Version(); v.Epoch != 7 {
		t.Fatalf("valid CIB not installed: version %v", v)
	}
}

// The daemon does not start from a CIB that fails verification, and
// ignores a saved copy that fails it.
func TestStartUpCIBVerified(t *testing.T) {
	dir := t.TempDir()
	cfg := &config.Config{CIB: filepath.Join(dir, "cib.xml"), StateDir: filepath.Join(dir, "state")}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(path, s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	for _, bad := range []string{badCIB, `<cib><configuration>`} {
		write(cfg.CIB, bad)
		if _, err := loadCIB(cfg, log); err == nil || !strings.Contains(err.Error(), cfg.CIB) {
			t.Fatalf("start-up from an invalid CIB: %v", err)
		}
	}
	write(cfg.CIB, goodCIB)
	write(cfg.LocalCIB(), badCIB) // newer, but invalid
	d, err := loadCIB(cfg, log)
	if err != nil || d.Version().Epoch != 5 {
		t.Fatalf("an invalid saved copy must be ignored: %v %v", d, err)
	}
}
