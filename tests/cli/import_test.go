package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baton-ha/baton/tests/harness"
)

// TestImportHeartbeatCLI runs `baton import heartbeat` on the seed-style
// files as a user would: the files land with the right modes, the CIB
// passes baton verify and baton simulate, each node's baton.toml passes
// baton daemon --check, --pcs prints pcs commands, and a malformed file is
// refused naming its line.
func TestImportHeartbeatCLI(t *testing.T) {
	bin := harness.Baton(t)
	seed := filepath.Join(harness.RepoRoot(), "crm", "heartbeat", "testdata", "seed")
	out := filepath.Join(t.TempDir(), "out")
	key := filepath.Join(out, "authkey")
	args := []string{"import", "heartbeat", "--ha-cf", "M1.redhat.sx=" + filepath.Join(seed, "ha.cf.m1"), "--ha-cf", filepath.Join(seed, "ha.cf.m2"),
		"--haresources", filepath.Join(seed, "haresources"), "--authkeys", filepath.Join(seed, "authkeys.crc"),
		"--exports", filepath.Join(seed, "exports"), "--scripts", seed, "--key-path", key,
		// daemon --check below wants the CIB where baton.toml says it is.
		"--cib-path", filepath.Join(out, "cib.xml")}
	text, code := run(t, nil, bin, append(args, "--out-dir", out)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, text)
	}
	if !strings.Contains(text, "warning: ") || !strings.Contains(text, "crc") {
		t.Errorf("no warning about the crc key:\n%s", text)
	}
	st, err := os.Stat(key)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("authkey: %v %v", st, err)
	}
	cib := filepath.Join(out, "cib.xml")
	if text, code := run(t, nil, bin, "verify", "-V", "-x", cib); code != 0 {
		t.Errorf("baton verify: exit %d\n%s", code, text)
	}
	if text, code := run(t, nil, bin, "simulate", "-x", cib, "-R", "-u", "M1.redhat.sx", "-u", "M2.redhat.sx"); code != 0 || !strings.Contains(text, "Start      drbd_drbd:0") {
		t.Errorf("baton simulate: exit %d\n%s", code, text)
	}
	for _, n := range []string{"M1.redhat.sx", "M2.redhat.sx"} {
		if text, code := run(t, nil, bin, "daemon", "--check", "--config", filepath.Join(out, n, "baton.toml")); code != 0 {
			t.Errorf("daemon --check %s: exit %d\n%s", n, code, text)
		}
	}
	// A second import into the same directory does not overwrite.
	if text, code := run(t, nil, bin, append(args, "--out-dir", out)...); code == 0 || !strings.Contains(text, "exists") {
		t.Errorf("second import: exit %d\n%s", code, text)
	}
	text, code = run(t, nil, bin, append(args, "--pcs")...)
	if code != 0 || !strings.Contains(text, "pcs -f cib.xml resource create drbd_drbd ocf:baton:drbd drbd_resource=drbd") {
		t.Errorf("--pcs: exit %d\n%s", code, text)
	}
	bad := filepath.Join(t.TempDir(), "haresources")
	if err := os.WriteFile(bad, []byte("# resources\nM1.redhat.sx IPaddr::192.168.0.300/24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args[7] = bad
	if text, code := run(t, nil, bin, append(args, "--out-dir", t.TempDir())...); code != 2 || !strings.Contains(text, bad+":2: ") {
		t.Errorf("malformed haresources: exit %d\n%s", code, text)
	}
}
