package dummy

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baton-ha/baton/ocf"
)

func run(t *testing.T, env []string, action string) (ocf.ExitCode, string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := New(Config{Hostname: func() (string, error) { return "node1", nil }})
	code := ocf.Run(a, ocf.RunOptions{Args: []string{action}, Environ: env, Stdout: &out, Stderr: &errb,
		Attrs: ocf.NewMemoryAttributes("d")})
	return code, errb.String()
}

func TestLifecycle(t *testing.T) {
	state := filepath.Join(t.TempDir(), "d.state")
	env := []string{"OCF_RESOURCE_INSTANCE=d", "OCF_RESKEY_state=" + state}
	steps := []struct {
		action string
		want   ocf.ExitCode
	}{
		{"monitor", ocf.NotRunning}, {"stop", ocf.Success}, {"start", ocf.Success}, {"start", ocf.Success},
		{"monitor", ocf.Success}, {"reload", ocf.Success}, {"migrate_to", ocf.Success}, {"monitor", ocf.NotRunning},
		{"migrate_from", ocf.Success}, {"monitor", ocf.Success}, {"stop", ocf.Success}, {"stop", ocf.Success},
		{"monitor", ocf.NotRunning}, {"validate-all", ocf.Success},
	}
	for i, s := range steps {
		if code, stderr := run(t, env, s.action); code != s.want {
			t.Fatalf("step %d %s: exit %v, want %v\n%s", i, s.action, code, s.want, stderr)
		}
	}
}

func TestDefaultStateFile(t *testing.T) {
	dir := t.TempDir()
	env := []string{"OCF_RESOURCE_INSTANCE=d:3", "HA_VARRUN=" + dir}
	if code, stderr := run(t, env, "start"); code != ocf.Success {
		t.Fatal(code, stderr)
	}
	// Anonymous clone instances share the file named without the instance number.
	if code, _ := run(t, []string{"OCF_RESOURCE_INSTANCE=d:5", "HA_VARRUN=" + dir}, "monitor"); code != ocf.Success {
		t.Errorf("anonymous clone instance d:5 should see d's state, got %v", code)
	}
	if code, _ := run(t, []string{"OCF_RESOURCE_INSTANCE=d:5", "HA_VARRUN=" + dir, "OCF_RESKEY_CRM_meta_globally_unique=true"}, "monitor"); code != ocf.NotRunning {
		t.Errorf("globally unique instance d:5 has its own state, got %v", code)
	}
}

func TestFailStartOn(t *testing.T) {
	state := filepath.Join(t.TempDir(), "d.state")
	env := []string{"OCF_RESOURCE_INSTANCE=d", "OCF_RESKEY_state=" + state, "OCF_RESKEY_fail_start_on=node1"}
	code, stderr := run(t, env, "start")
	if code != ocf.ErrGeneric || !strings.Contains(stderr, "ocf-exit-reason:simulated failure") {
		t.Fatalf("start: %v %s", code, stderr)
	}
	// ... but it runs anyway, as the reference agent's does.
	if code, _ := run(t, env, "monitor"); code != ocf.Success {
		t.Errorf("monitor after failed start: %v", code)
	}
}

func TestOpSleepTimesOut(t *testing.T) {
	state := filepath.Join(t.TempDir(), "d.state")
	env := []string{"OCF_RESOURCE_INSTANCE=d", "OCF_RESKEY_state=" + state, "OCF_RESKEY_op_sleep=5", "OCF_RESKEY_CRM_meta_timeout=1000"}
	code, stderr := run(t, env, "start")
	if code != ocf.ErrGeneric || !strings.Contains(stderr, "ocf-exit-reason:") {
		t.Fatalf("start with op_sleep beyond timeout: %v %s", code, stderr)
	}
}

func TestBadInput(t *testing.T) {
	for _, tt := range []struct {
		env    []string
		action string
		want   ocf.ExitCode
		reason string
	}{
		{[]string{"OCF_RESKEY_op_sleep=soon"}, "start", ocf.ErrConfigured, "parameter op_sleep"},
		{[]string{"OCF_RESKEY_op_sleep=-1"}, "monitor", ocf.ErrConfigured, "parameter op_sleep"},
		{nil, "dance", ocf.ErrUnimplemented, ""},
		{[]string{"OCF_CHECK_LEVEL=10", "OCF_RESKEY_state=/nonexistent-dir/x.state"}, "validate-all", ocf.ErrArgs, "parameter state"},
	} {
		code, stderr := run(t, tt.env, tt.action)
		if code != tt.want || !strings.Contains(stderr, tt.reason) {
			t.Errorf("%v %s: exit %v (want %v), stderr %q", tt.env, tt.action, code, tt.want, stderr)
		}
	}
}

func TestNonNegativeSeconds(t *testing.T) {
	for v, ok := range map[string]bool{"0": true, "1.5": true, "x": false, "-2": false} {
		if err := NonNegativeSeconds(v); (err == nil) != ok {
			t.Errorf("%q: %v", v, err)
		}
	}
}
