package drbd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-ha/baton/agents/drbd/fence"
	"github.com/baton-ha/baton/ocf"
)

// replay answers `drbdsetup status r0` with a recorded report and records
// every other command, which succeeds silently as drbdadm does.
type replay struct {
	mu     sync.Mutex
	status string // fixture name, "" for a resource that is down
	calls  []string
	// then moves to another recorded state once a command has run: the
	// key is the drbdadm verb ("up", "primary", ...).
	then map[string]string
	// fail makes a drbdadm verb exit 11, as DRBD does when it refuses.
	fail map[string]bool
}

func (r *replay) Run(_ context.Context, name string, args ...string) (Output, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	line := name + " " + strings.Join(args, " ")
	r.calls = append(r.calls, line)
	if name == "drbdsetup" && len(args) > 0 && args[0] == "status" {
		if r.status == "" {
			b, err := os.ReadFile(filepath.Join(recorded, "down.status.err"))
			if err != nil {
				return Output{}, err
			}
			_, text, _ := strings.Cut(string(b), "\n")
			return Output{Stderr: text, Code: 10}, nil
		}
		b, err := os.ReadFile(filepath.Join(recorded, r.status+".status"))
		return Output{Stdout: string(b)}, err
	}
	if name == "drbdadm" && len(args) > 2 {
		verb := args[2]
		if r.fail[verb] {
			return Output{Stderr: "0: State change failed: (-12) Device is held open by someone\n", Code: 11}, nil
		}
		if next, ok := r.then[verb]; ok {
			r.status = next
		}
	}
	return Output{}, nil
}

func (r *replay) ran(verb string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.calls {
		if strings.HasPrefix(c, "drbdadm -c /etc/drbd.conf "+verb+" ") {
			return true
		}
	}
	return false
}

// installedUtils finds drbd-utils' programs, which this host need not have.
func installedUtils(p string) (string, error) { return "/usr/sbin/" + p, nil }

func runAgent(t *testing.T, rp *replay, action string, attrs *ocf.MemoryAttributes, extra ...string) (ocf.ExitCode, string) {
	t.Helper()
	return runAgentWith(t, rp, installedUtils, action, attrs, extra...)
}

func runAgentWith(t *testing.T, rp *replay, lookPath func(string) (string, error), action string, attrs *ocf.MemoryAttributes, extra ...string) (ocf.ExitCode, string) {
	t.Helper()
	proc := t.TempDir()
	b, err := os.ReadFile(filepath.Join(recorded, "down.proc"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(proc, "drbd"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	cib := filepath.Join(t.TempDir(), "cib.xml")
	a := New(Config{Runner: rp, ProcRoot: proc, Hostname: func() (string, error) { return "nodeb", nil },
		LookPath: lookPath, Fence: func(*ocf.Env) fence.Constraints { return &fence.File{Path: cib} }})
	env := append([]string{"OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=drbd_r0", "HA_RSCTMP=" + t.TempDir(),
		"OCF_RESKEY_drbd_resource=r0", "OCF_RESKEY_CRM_meta_interval=10000", "OCF_RESKEY_CRM_meta_timeout=5000"}, extra...)
	var stdout, stderr bytes.Buffer
	code := ocf.Run(a, ocf.RunOptions{Args: []string{action}, Environ: env, Stdout: &stdout, Stderr: &stderr, Attrs: attrs})
	return code, stderr.String()
}

// Monitor on recorded states: the exit code and the score it publishes.
func TestMonitorRecorded(t *testing.T) {
	for _, c := range []struct {
		state string
		code  ocf.ExitCode
		score string // "" for no score
	}{
		{"", ocf.NotRunning, ""},
		{"connected-primary-nodea", ocf.RunningPromoted, "10000"},
		{"connected-primary-nodeb", ocf.Success, "10000"},
		{"cut-nodeb", ocf.Success, "1000"},
		{"syncing-nodeb", ocf.Success, "10"},
		{"outdated-nodeb", ocf.Success, ""},
		{"connected-inconsistent-nodea", ocf.Success, ""},
	} {
		attrs := ocf.NewMemoryAttributes("drbd_r0")
		_ = attrs.SetPromotion(context.Background(), 1) // a stale score the monitor must replace or remove
		code, log := runAgent(t, &replay{status: c.state}, "monitor", attrs)
		if code != c.code {
			t.Errorf("%s: monitor = %v, want %v\n%s", c.state, code, c.code, log)
		}
		got, ok, _ := attrs.Promotion(context.Background())
		if gs := fmt.Sprint(got); (c.score == "") == ok || (ok && gs != c.score) {
			t.Errorf("%s: score %d (set %v), want %q", c.state, got, ok, c.score)
		}
	}
}

// Promote refuses at once, without touching DRBD, where the data cannot be
// promoted.
func TestPromoteRefusesBadData(t *testing.T) {
	for _, state := range []string{"outdated-nodeb", "diskless-nodeb", "connected-inconsistent-nodea"} {
		rp := &replay{status: state}
		code, log := runAgent(t, rp, "promote", ocf.NewMemoryAttributes("drbd_r0"))
		if code != ocf.ErrGeneric || !strings.Contains(log, "no UpToDate or Consistent data") {
			t.Errorf("%s: promote = %v, want OCF_ERR_GENERIC with a reason:\n%s", state, code, log)
		}
		for _, c := range rp.calls {
			if strings.Contains(c, " primary") {
				t.Errorf("%s: promote ran %q", state, c)
			}
		}
	}
}

// The role changes walk the recorded states: each action runs the drbdadm
// verb it must, and ends with the exit code and score of the state reached.
func TestActionsRecorded(t *testing.T) {
	for _, c := range []struct {
		name, action, from, verb, to string
		code                         ocf.ExitCode
		score                        string
		notVerbs                     []string
	}{
		{"start when down", "start", "", "up", "connected-secondary-nodeb", ocf.Success, "10000", []string{"adjust"}},
		{"start when up", "start", "connected-secondary-nodeb", "adjust", "connected-secondary-nodeb", ocf.Success, "10000", []string{"up"}},
		{"promote", "promote", "connected-secondary-nodea", "primary", "connected-primary-nodea", ocf.Success, "10000", nil},
		{"promote when Primary", "promote", "connected-primary-nodea", "", "", ocf.Success, "10000", []string{"primary"}},
		{"demote", "demote", "connected-primary-nodea", "secondary", "connected-secondary-nodea", ocf.Success, "10000", nil},
		{"stop a Secondary", "stop", "cut-nodeb", "down", "", ocf.Success, "", []string{"secondary", "outdate"}},
		{"stop a Primary", "stop", "connected-primary-nodea", "down", "", ocf.Success, "", nil},
		{"stop when down", "stop", "", "", "", ocf.Success, "", []string{"down"}},
		{"promote when down", "promote", "", "", "", ocf.NotRunning, "", []string{"primary"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rp := &replay{status: c.from, then: map[string]string{}}
			if c.verb != "" {
				rp.then[c.verb] = c.to
			}
			attrs := ocf.NewMemoryAttributes("drbd_r0")
			code, log := runAgent(t, rp, c.action, attrs, "OCF_RESKEY_wfc_timeout=0")
			if code != c.code {
				t.Fatalf("%s = %v, want %v\n%s", c.action, code, c.code, log)
			}
			if c.verb != "" && !rp.ran(c.verb) {
				t.Errorf("%s did not run drbdadm %s: %q", c.action, c.verb, rp.calls)
			}
			for _, v := range c.notVerbs {
				if rp.ran(v) {
					t.Errorf("%s ran drbdadm %s: %q", c.action, v, rp.calls)
				}
			}
			got, ok, _ := attrs.Promotion(context.Background())
			if (c.score == "") == ok || (ok && fmt.Sprint(got) != c.score) {
				t.Errorf("score %d (set %v), want %q", got, ok, c.score)
			}
		})
	}
}

// A role change DRBD keeps refusing ends at the action's deadline with
// DRBD's reason, long before the caller's timeout would kill the agent.
func TestDemoteGivesUpAtDeadline(t *testing.T) {
	rp := &replay{status: "connected-primary-nodea", fail: map[string]bool{"secondary": true}}
	start := time.Now()
	code, log := runAgent(t, rp, "demote", ocf.NewMemoryAttributes("drbd_r0"), "OCF_RESKEY_CRM_meta_timeout=2000")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("demote with a 2 s timeout took %v", d)
	}
	if code != ocf.ErrGeneric || !strings.Contains(log, "ocf-exit-reason:") {
		t.Errorf("demote = %v, want OCF_ERR_GENERIC with a reason\n%s", code, log)
	}
	n := 0
	for _, c := range rp.calls {
		if strings.Contains(c, " secondary ") {
			n++
		}
	}
	if n < 2 {
		t.Errorf("drbdadm secondary ran %d times in 2 s, want retries", n)
	}
}

// A peer starting while this node is StandAlone: notify reconnects.
func TestNotifyReconnectsStandAlone(t *testing.T) {
	rp := &replay{status: "standalone-nodeb"}
	code, log := runAgent(t, rp, "notify", ocf.NewMemoryAttributes("drbd_r0"),
		"OCF_RESKEY_CRM_meta_notify_type=pre", "OCF_RESKEY_CRM_meta_notify_operation=start")
	if code != ocf.Success || !rp.ran("adjust") {
		t.Errorf("notify pre-start on StandAlone: %v, calls %q\n%s", code, rp.calls, log)
	}
	rp = &replay{status: "connected-secondary-nodeb"}
	if code, _ := runAgent(t, rp, "notify", ocf.NewMemoryAttributes("drbd_r0"),
		"OCF_RESKEY_CRM_meta_notify_type=pre", "OCF_RESKEY_CRM_meta_notify_operation=start"); code != ocf.Success || rp.ran("adjust") {
		t.Errorf("notify on a connected resource adjusted it: %q", rp.calls)
	}
}

// Without drbd-utils (a quorum-only node Pacemaker still probes) a probe
// says not running and every other action OCF_ERR_INSTALLED, as linbit's.
func TestWithoutDrbdUtils(t *testing.T) {
	missing := func(p string) (string, error) { return "", &exec.Error{Name: p, Err: exec.ErrNotFound} }
	for _, c := range []struct {
		action string
		extra  []string
		code   ocf.ExitCode
	}{
		{"monitor", []string{"OCF_RESKEY_CRM_meta_interval=0"}, ocf.NotRunning},
		{"monitor", nil, ocf.ErrInstalled},
		{"start", nil, ocf.ErrInstalled},
		{"stop", nil, ocf.ErrInstalled},
		{"promote", nil, ocf.ErrInstalled},
		{"demote", nil, ocf.ErrInstalled},
		{"notify", nil, ocf.ErrInstalled},
		{"reload", nil, ocf.ErrInstalled},
		{"validate-all", nil, ocf.ErrInstalled},
	} {
		rp := &replay{status: "connected-secondary-nodeb"}
		code, log := runAgentWith(t, rp, missing, c.action, ocf.NewMemoryAttributes("drbd_r0"), c.extra...)
		if code != c.code {
			t.Errorf("%s %q: %v, want %v\n%s", c.action, c.extra, code, c.code, log)
		}
		if len(rp.calls) != 0 {
			t.Errorf("%s ran %q without drbd-utils", c.action, rp.calls)
		}
	}
}

// reload publishes the score from the new parameters, without touching
// DRBD.
func TestReloadAppliesScores(t *testing.T) {
	rp := &replay{status: "connected-secondary-nodeb"}
	attrs := ocf.NewMemoryAttributes("drbd_r0")
	code, log := runAgent(t, rp, "reload", attrs, "OCF_RESKEY_adjust_master_score=0 10 1000 20000")
	if code != ocf.Success {
		t.Fatalf("reload: %v\n%s", code, log)
	}
	if got, ok, _ := attrs.Promotion(context.Background()); !ok || got != 20000 {
		t.Errorf("score after reload %d (set %v), want 20000", got, ok)
	}
	for _, c := range rp.calls {
		if strings.HasPrefix(c, "drbdadm") {
			t.Errorf("reload ran %q", c)
		}
	}
}

// remove_master_score_if_peer_primary: true removes the score of a
// Secondary under a Primary peer; "unexpected" only while the cluster has
// not promoted the peer, as the clone's last post notification said.
func TestRemoveScoreIfPeerPrimary(t *testing.T) {
	score := func(rsctmp, mode string, extra ...string) (int, bool) {
		t.Helper()
		attrs := ocf.NewMemoryAttributes("drbd_r0")
		args := append([]string{"HA_RSCTMP=" + rsctmp, "OCF_RESKEY_remove_master_score_if_peer_primary=" + mode}, extra...)
		if code, log := runAgent(t, &replay{status: "connected-primary-nodeb"}, "monitor", attrs, args...); code != ocf.Success {
			t.Fatalf("monitor: %v\n%s", code, log)
		}
		v, ok, _ := attrs.Promotion(context.Background())
		return v, ok
	}
	for _, mode := range []string{"false", "no", "0", "", "off"} {
		if _, ok := score(t.TempDir(), mode); !ok {
			t.Errorf("mode %q removed the score", mode)
		}
	}
	for _, mode := range []string{"true", "YES", "1", "on"} {
		if _, ok := score(t.TempDir(), mode); ok {
			t.Errorf("mode %q kept the score", mode)
		}
	}
	dir := t.TempDir()
	if _, ok := score(dir, "unexpected"); ok {
		t.Error("unexpected: a peer Primary the cluster never promoted kept the score")
	}
	// The cluster promotes nodea: its Primary is expected, this standby
	// keeps its score.
	code, log := runAgent(t, &replay{status: "connected-primary-nodeb"}, "notify", ocf.NewMemoryAttributes("drbd_r0"),
		"HA_RSCTMP="+dir, "OCF_RESKEY_remove_master_score_if_peer_primary=unexpected",
		"OCF_RESKEY_CRM_meta_notify_type=post", "OCF_RESKEY_CRM_meta_notify_operation=promote",
		"OCF_RESKEY_CRM_meta_notify_promote_uname=nodea ", "OCF_RESKEY_CRM_meta_notify_promote_resource=drbd_r0:0 ",
		"OCF_RESKEY_CRM_meta_notify_master_uname= ", "OCF_RESKEY_CRM_meta_notify_master_resource= ")
	if code != ocf.Success {
		t.Fatalf("notify: %v\n%s", code, log)
	}
	if v, ok := score(dir, "unexpected"); !ok || v != 10000 {
		t.Errorf("unexpected: the promoted peer's standby lost its score (%d, %v)", v, ok)
	}
	// It is demoted again: a Primary there now is unexpected.
	code, log = runAgent(t, &replay{status: "connected-primary-nodeb"}, "notify", ocf.NewMemoryAttributes("drbd_r0"),
		"HA_RSCTMP="+dir, "OCF_RESKEY_remove_master_score_if_peer_primary=unexpected",
		"OCF_RESKEY_CRM_meta_notify_type=post", "OCF_RESKEY_CRM_meta_notify_operation=demote",
		"OCF_RESKEY_CRM_meta_notify_demote_uname=nodea", "OCF_RESKEY_CRM_meta_notify_master_uname=nodea")
	if code != ocf.Success {
		t.Fatalf("notify: %v\n%s", code, log)
	}
	if _, ok := score(dir, "unexpected"); ok {
		t.Error("unexpected: score kept after the cluster demoted the peer")
	}
}

// A parameter whose only supported value is false accepts every spelling
// of false, on probes too; true is refused with exit 6.
func TestConnectOnlyAfterPromoteFalseSpellings(t *testing.T) {
	for _, v := range []string{"false", "no", "0", "", "off", "NO"} {
		code, log := runAgent(t, &replay{}, "monitor", ocf.NewMemoryAttributes("drbd_r0"),
			"OCF_RESKEY_CRM_meta_interval=0", "OCF_RESKEY_connect_only_after_promote="+v)
		if code != ocf.NotRunning {
			t.Errorf("connect_only_after_promote=%q: probe %v, want not running\n%s", v, code, log)
		}
	}
	if code, _ := runAgent(t, &replay{}, "monitor", ocf.NewMemoryAttributes("drbd_r0"),
		"OCF_RESKEY_CRM_meta_interval=0", "OCF_RESKEY_connect_only_after_promote=yes"); code != ocf.ErrConfigured {
		t.Errorf("connect_only_after_promote=yes: %v, want 6", code)
	}
}
