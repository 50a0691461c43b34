package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const drbdTestCIB = `<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><resources>
<clone id="ms_drbd_r0"><primitive id="drbd_r0" class="ocf" provider="baton" type="drbd">
<instance_attributes id="ia"><nvpair id="ia-r" name="drbd_resource" value="r0"/></instance_attributes>
</primitive></clone></resources><constraints/></configuration><status/></cib>
`

// The handlers as DRBD runs them: resource in DRBD_RESOURCE, exit codes of
// the fence-peer protocol.
func TestDrbdHandlers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "baton")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cib := filepath.Join(t.TempDir(), "cib.xml")
	if err := os.WriteFile(cib, []byte(drbdTestCIB), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(env []string, args ...string) (int, string) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	env := []string{"DRBD_RESOURCE=r0", "BATON_CIB_FILE=" + cib}
	if code, out := run(env, "drbd", "fence-peer", "--node", "nodea"); code != 4 {
		t.Fatalf("fence-peer: exit %d, want 4\n%s", code, out)
	}
	if b, _ := os.ReadFile(cib); !strings.Contains(string(b), `value="nodea"`) {
		t.Fatalf("no constraint keeping nodea:\n%s", b)
	}
	// The stale side cannot fence the good one.
	if code, out := run(env, "drbd", "fence-peer", "--node", "nodeb"); code != 1 || !strings.Contains(out, "keeps") {
		t.Fatalf("fence-peer from the fenced node: exit %d, want 1\n%s", code, out)
	}
	if code, out := run(env, "drbd", "unfence-peer"); code != 0 {
		t.Fatalf("unfence-peer: exit %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(cib); strings.Contains(string(b), "drbd-fence-by-handler") {
		t.Fatalf("constraint left after unfence-peer:\n%s", b)
	}
	if code, out := run([]string{"BATON_CIB_FILE=" + cib}, "drbd", "fence-peer"); code != 1 || !strings.Contains(out, "DRBD_RESOURCE") {
		t.Fatalf("fence-peer without a resource: exit %d, want 1 naming DRBD_RESOURCE\n%s", code, out)
	}
	if code, out := run([]string{"DRBD_RESOURCE=r9", "BATON_CIB_FILE=" + cib}, "drbd", "fence-peer"); code != 1 || !strings.Contains(out, "no promotable clone") {
		t.Fatalf("fence-peer for an unmanaged resource: exit %d, want 1\n%s", code, out)
	}
}
