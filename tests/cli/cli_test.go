// Package cli_test drives the baton binary as users and Pacemaker do: as
// `baton ...` and through agent-named symlinks.
package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/agents"
	"github.com/baton-ha/baton/tests/harness"
)

func run(t *testing.T, env []string, bin string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return harness.Run(ctx, env, bin, args...)
}

func TestBatonCommands(t *testing.T) {
	bin := harness.Baton(t)
	out, code := run(t, nil, bin, "agent", "list")
	if code != 0 {
		t.Fatal(out)
	}
	for _, a := range agents.All() {
		if !strings.Contains(out, a.Name) {
			t.Errorf("agent list lacks %s:\n%s", a.Name, out)
		}
		meta, code := run(t, nil, bin, "agent", "meta", a.Name)
		if code != 0 || meta != string(a.MetaData()) {
			t.Errorf("agent meta %s: exit %d", a.Name, code)
		}
	}
	if out, code := run(t, nil, bin, "version"); code != 0 || !strings.HasPrefix(out, "baton ") {
		t.Errorf("version: %d %q", code, out)
	}
	if out, code := run(t, nil, bin, "agent", "meta", "Nope"); code != 2 || !strings.Contains(out, `no agent named "Nope"`) {
		t.Errorf("unknown agent: %d %q", code, out)
	}
	state := filepath.Join(t.TempDir(), "d.state")
	env := []string{"OCF_RESKEY_state=" + state, "OCF_RESOURCE_INSTANCE=d"}
	for _, step := range []struct {
		action string
		want   int
	}{{"monitor", 7}, {"start", 0}, {"monitor", 0}, {"stop", 0}, {"dance", 3}} {
		if out, code := run(t, env, bin, "agent", "run", "Dummy", step.action); code != step.want {
			t.Errorf("agent run Dummy %s: exit %d, want %d\n%s", step.action, code, step.want, out)
		}
	}
}

func TestAgentSymlink(t *testing.T) {
	dir := harness.AgentDir(t, "Dummy", "Stateful")
	dummy := filepath.Join(dir, "Dummy")
	if out, code := run(t, []string{}, dummy, "meta-data"); code != 0 || !strings.Contains(out, `<resource-agent name="Dummy"`) {
		t.Errorf("meta-data: %d %q", code, out)
	}
	out, code := run(t, nil, dummy, "frobnicate")
	if code != 3 || !strings.Contains(out, "usage: Dummy") {
		t.Errorf("unknown action: exit %d, want 3 with usage\n%s", code, out)
	}
	out, code = run(t, []string{"OCF_RESKEY_op_sleep=lots"}, dummy, "start")
	if code != 6 || !strings.Contains(out, "ocf-exit-reason:parameter op_sleep") {
		t.Errorf("bad parameter: exit %d, want 6 with a reason naming it\n%s", code, out)
	}
	out, code = run(t, []string{"OCF_RESKEY_state=" + filepath.Join(t.TempDir(), "s"), "OCF_RESKEY_bogus=1", "HA_debug=1"}, dummy, "monitor")
	if code != 7 || !strings.Contains(out, "ignoring undeclared parameter bogus") {
		t.Errorf("unknown parameter: exit %d, want 7 and a debug note\n%s", code, out)
	}
	// The agent also works when the symlink is the only thing on PATH-less,
	// environment-less invocations, as ocf-tester's `su nobody` does.
	if _, err := os.Stat(dummy); err != nil {
		t.Fatal(err)
	}
}

// keygen writes a key the daemon accepts and never silently replaces one.
func TestKeygen(t *testing.T) {
	bin := harness.Baton(t)
	path := filepath.Join(t.TempDir(), "etc", "authkey")
	if out, code := run(t, nil, bin, "keygen", path); code != 0 {
		t.Fatalf("keygen: exit %d\n%s", code, out)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	first, _ := os.ReadFile(path)
	if out, code := run(t, nil, bin, "keygen", path); code != 2 || !strings.Contains(out, "--force") {
		t.Errorf("second keygen without --force: exit %d, want 2 and a hint at --force\n%s", code, out)
	}
	if again, _ := os.ReadFile(path); string(again) != string(first) {
		t.Error("a refused keygen changed the key")
	}
	if out, code := run(t, nil, bin, "keygen", "--force", path); code != 0 {
		t.Fatalf("keygen --force: exit %d\n%s", code, out)
	}
	if again, _ := os.ReadFile(path); string(again) == string(first) {
		t.Error("keygen --force kept the old key")
	}
}

// TestStatusFromFile reads a corpus CIB with `baton status --cib`, as
// `CIB_file=... crm_mon` does, in each output form, and refuses bad flags
// with exit 2.
func TestStatusFromFile(t *testing.T) {
	bin := harness.Baton(t)
	cib := filepath.Join(harness.RepoRoot(), "..", "shared", "scheduler-corpus", "xml", "clbz5007-promotable-colocation.xml")
	if _, err := os.Stat(cib); err != nil {
		t.Skip("no scheduler corpus (../shared)")
	}
	out, code := run(t, nil, bin, "status", "--cib", cib)
	if code != 0 || !strings.Contains(out, "Current DC: fc16-builder - partition with quorum") ||
		!strings.Contains(out, "Clone Set: MS_DUMMY [DUMMY] (promotable):") {
		t.Errorf("text: exit %d\n%s", code, out)
	}
	out, code = run(t, nil, bin, "status", "--cib", cib, "--output-as=xml")
	if code != 0 || !strings.HasPrefix(out, `<pacemaker-result api-version="2.25" request="baton status`) {
		t.Errorf("xml: exit %d\n%s", code, out)
	}
	out, code = run(t, nil, bin, "status", "--cib", cib, "--output-as=json")
	var v struct {
		DC    string `json:"dc"`
		Nodes []struct {
			Name string `json:"name"`
		} `json:"nodes"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.DC != "fc16-builder" || len(v.Nodes) != 2 {
		t.Errorf("json: exit %d\n%s", code, out)
	}
	for _, bad := range [][]string{{"--output-as=yaml"}, {"--watch", "--output-as=xml"}} {
		if out, code := run(t, nil, bin, append([]string{"status", "--cib", cib}, bad...)...); code != 2 {
			t.Errorf("status %v: exit %d, want 2\n%s", bad, code, out)
		}
	}
	missing := filepath.Join(t.TempDir(), "none.xml")
	if out, code := run(t, nil, bin, "status", "--cib", missing); code != 2 || !strings.Contains(out, missing) {
		t.Errorf("missing file: exit %d\n%s", code, out)
	}
}
