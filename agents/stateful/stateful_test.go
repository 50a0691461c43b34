package stateful

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baton-ha/baton/ocf"
)

func TestRolesAndScores(t *testing.T) {
	state := filepath.Join(t.TempDir(), "s.state")
	attrs := ocf.NewMemoryAttributes("s:0")
	env := []string{"OCF_RESOURCE_INSTANCE=s:0", "OCF_RESKEY_state=" + state}
	run := func(action string, extra ...string) ocf.ExitCode {
		var out, errb bytes.Buffer
		return ocf.Run(New(Config{}), ocf.RunOptions{Args: []string{action}, Environ: append(env, extra...), Stdout: &out, Stderr: &errb, Attrs: attrs})
	}
	score := func() (int, bool) {
		n, ok, _ := attrs.Promotion(context.Background())
		return n, ok
	}
	steps := []struct {
		action    string
		extra     []string
		want      ocf.ExitCode
		wantScore int // -1: no score
	}{
		{"monitor", nil, ocf.NotRunning, -1},
		{"promote", nil, ocf.NotRunning, -1},
		{"start", nil, ocf.Success, ScoreUnpromoted},
		{"monitor", []string{"OCF_RESKEY_CRM_meta_interval=11000"}, ocf.Success, ScoreUnpromoted},
		{"promote", nil, ocf.Success, ScorePromoted},
		{"promote", nil, ocf.Success, ScorePromoted},
		{"monitor", nil, ocf.RunningPromoted, ScorePromoted},
		{"notify", []string{"OCF_RESKEY_CRM_meta_notify_type=post", "OCF_RESKEY_CRM_meta_notify_operation=promote"}, ocf.Success, ScorePromoted},
		{"stop", nil, ocf.RunningPromoted, -1},
		{"demote", nil, ocf.Success, ScoreUnpromoted},
		{"demote", nil, ocf.Success, ScoreUnpromoted},
		{"stop", nil, ocf.Success, -1},
		{"stop", nil, ocf.Success, -1},
		{"monitor", nil, ocf.NotRunning, -1},
	}
	for i, s := range steps {
		if got := run(s.action, s.extra...); got != s.want {
			t.Fatalf("step %d %s: exit %v, want %v", i, s.action, got, s.want)
		}
		n, ok := score()
		if s.wantScore < 0 && ok {
			t.Fatalf("step %d %s: score %d set, want none", i, s.action, n)
		}
		if s.wantScore >= 0 && (!ok || n != s.wantScore) {
			t.Fatalf("step %d %s: score %d (set %v), want %d", i, s.action, n, ok, s.wantScore)
		}
	}
}

func TestForcedResult(t *testing.T) {
	state := filepath.Join(t.TempDir(), "s.state")
	if err := os.WriteFile(state+".rc", []byte("9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := ocf.Run(New(Config{}), ocf.RunOptions{Args: []string{"monitor"}, Environ: []string{"OCF_RESKEY_state=" + state},
		Stdout: &out, Stderr: &errb, Attrs: ocf.NewMemoryAttributes("s")})
	if code != ocf.FailedPromoted || !strings.Contains(errb.String(), "ocf-exit-reason:forced result 9") {
		t.Errorf("exit %v, stderr %q", code, errb.String())
	}
}
