package live

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/scheduler"
	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/pacemaker"
)

// TestFileCIB reads a CIB file through the same API.
func TestFileCIB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cib.xml")
	doc := `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/>
</cib>`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := OpenCib(FromFile(path), ForQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := c.Query()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cib.Parse(got.Bytes()); err != nil {
		t.Fatalf("query result does not parse: %v\n%s", err, got.ToString())
	}
	c.Close()
	if _, err := c.Query(); err == nil {
		t.Error("query on a closed connection succeeded")
	}
}

// TestLiveChild is the half of TestLiveCluster that runs inside the
// cluster node's namespaces (where Pacemaker's IPC is reachable).
func TestLiveChild(t *testing.T) {
	rsc := os.Getenv("BATON_LIVE_CHILD")
	if rsc == "" {
		t.Skip("only run by TestLiveCluster inside the cluster's namespaces")
	}
	c, err := OpenCib(ForQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	doc, err := c.Query()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := cib.Parse(doc.Bytes())
	if err != nil {
		t.Fatalf("live CIB does not parse: %v", err)
	}
	if parsed.FindResource(rsc) == nil {
		t.Fatalf("live CIB lacks %s", rsc)
	}
	res, err := scheduler.Schedule(parsed)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("scheduled %d actions", len(res.Graph.Actions))
	part, err := c.QueryXPath("//primitive[@id='" + rsc + "']")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(part.ToString(), `id="`+rsc+`"`) || strings.Contains(part.ToString(), "<cib") {
		t.Fatalf("xpath query returned %s", part.ToString())
	}
	changed := make(chan string, 16)
	if _, err := c.Subscribe(func(ev CibEvent, d *CibDocument) {
		if ev == UpdateEvent {
			changed <- d.ToString()
		}
	}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	out, err := exec.Command("crm_attribute", "--type", "crm_config", "--name", "baton-live-test", "--update", "yes").CombinedOutput()
	if err != nil {
		t.Fatalf("crm_attribute: %v\n%s", err, out)
	}
	deadline := time.After(30 * time.Second)
	for {
		select {
		case d := <-changed:
			if strings.Contains(d, "baton-live-test") {
				t.Log("LIVE-OK")
				return
			}
		case <-deadline:
			t.Fatal("no change notification within 30 s")
		}
	}
}

// TestLiveCluster reads a real one-node Pacemaker's CIB: whole, by XPath,
// and by subscription, then runs `baton simulate --live` against it.
func TestLiveCluster(t *testing.T) {
	harness.NeedRoot(t)
	c := pacemaker.Start(t, "Dummy")
	c.MustExec(t, "cibadmin", "--create", "-o", "resources", "--xml-text",
		`<primitive id="live1" class="ocf" provider="baton" type="Dummy"/>`)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, code := c.Exec(ctx, "env", "BATON_LIVE_CHILD=live1", os.Args[0], "-test.run=^TestLiveChild$", "-test.v")
	if code != 0 || !strings.Contains(out, "LIVE-OK") {
		t.Fatalf("child in the cluster's namespaces: exit %d\n%s", code, out)
	}
	out, code = c.Exec(ctx, harness.Baton(t), "simulate", "--live", "-R")
	if code != 0 || !strings.Contains(out, "Transition Summary:") || !strings.Contains(out, "live1") {
		t.Fatalf("baton simulate --live: exit %d\n%s", code, out)
	}
}
