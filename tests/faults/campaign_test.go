package faults

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/nfsstack"
)

// TestFaultCampaign runs the campaign: a short one in `make test`, a long
// one with `make faults N=... SEED=...` (BATON_FAULTS_N, BATON_FAULTS_SEED;
// BATON_FAULTS_ONLY=a,b limits it to those faults).
//
// Under baton daemon (the default) it fails on any invariant violation,
// lost acknowledged write, or fault whose expected outcome did not come:
// those are Baton's bugs.
//
// BATON_FAULTS_MANAGER=pacemaker runs the same campaign under Corosync and
// Pacemaker, the reference row of the comparison. There a violation, a
// lost write or an unmet expectation is a finding about Pacemaker in that
// configuration (a two-node cluster without fencing is expected to split),
// not a failure of this test: the table and the log report them. The test
// fails only when the campaign cannot be completed (the cluster did not
// come up, or did not settle again even after crm_resource --cleanup), as
// then there is no row to compare.
func TestFaultCampaign(t *testing.T) {
	harness.NeedRoot(t)
	n := envInt(t, "BATON_FAULTS_N", 20)
	seed := int64(envInt(t, "BATON_FAULTS_SEED", 1))
	manager := os.Getenv("BATON_FAULTS_MANAGER")
	if manager != "" && manager != "baton" && manager != "pacemaker" {
		t.Fatalf("BATON_FAULTS_MANAGER=%q: want baton or pacemaker", manager)
	}
	pcmk := manager == "pacemaker"
	fencing, err := fencingSetting(os.Getenv("BATON_FAULTS_FENCING"), pcmk)
	if err != nil {
		t.Fatal(err)
	}
	// 10 s agent timeouts: agent-hang and stop-failure wait out a monitor
	// and a stop, or a stop, before the fence; with the stack's usual 20 s
	// and 60 s each such iteration would last minutes.
	r := NewRig(t, Options{Pacemaker: pcmk, Stack: nfsstack.Options{Fencing: fencing, AgentTimeout: "10s"}})
	faults, skipped := selectFaults(Catalogue(), os.Getenv("BATON_FAULTS_ONLY"), r.Fencing, r.Pacemaker)
	if len(skipped) > 0 {
		t.Logf("not injected here (Baton without a fence device, or Baton's own parts under Pacemaker): %s", strings.Join(skipped, ", "))
	}
	if len(faults) == 0 {
		t.Fatalf("no fault left to inject (BATON_FAULTS_ONLY=%q)", os.Getenv("BATON_FAULTS_ONLY"))
	}
	t.Logf("manager %s, fencing %v, seed %d, %d iterations, faults %d", orDefault(manager, "baton"), r.Fencing, seed, n, len(faults))
	// Each iteration's line goes out as it ends (with -v), so that a long
	// run shows its progress and a killed one leaves its results.
	its := Run(r, faults, n, seed, testLog{t})
	var table strings.Builder
	Table(&table, its)
	t.Logf("\n%s", table.String())
	if len(its) < n {
		t.Errorf("the campaign stopped after %d of %d iterations", len(its), n)
	}
	for _, it := range its {
		if !it.Failed() {
			continue
		}
		if r.Pacemaker {
			t.Logf("finding, iteration %d (%s): violations %v, lost writes %v, problems %v", it.N, it.Fault, summarize(it.Violations), it.Lost, it.Problems)
			continue
		}
		t.Errorf("iteration %d (%s): violations %v, lost writes %v, problems %v", it.N, it.Fault, summarize(it.Violations), it.Lost, it.Problems)
	}
}

// fencingSetting reads BATON_FAULTS_FENCING: Baton runs with its fence
// device unless it is 0 (the configuration it is meant to be run in);
// Pacemaker runs without fencing unless it is 1 (the reference of what a
// two-node Pacemaker without fencing does), and with the same fence agent
// when it is.
func fencingSetting(v string, pacemaker bool) (bool, error) {
	switch v {
	case "":
		return !pacemaker, nil
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, &envError{name: "BATON_FAULTS_FENCING", value: v, want: "0 or 1"}
}

// selectFaults returns the faults this run injects, and the names of those
// it leaves out: not named in only (a comma-separated list, "" for all),
// needing a fence device Baton's rig lacks, or Baton's own parts under
// Pacemaker. Pacemaker without fencing runs the faults that need it: what
// it does then is the reference's finding.
func selectFaults(all []Fault, only string, fencing, pacemaker bool) (run []Fault, skipped []string) {
	for _, f := range all {
		if only != "" && !strings.Contains(","+only+",", ","+f.Name+",") {
			continue
		}
		if (f.NeedsFencing && !fencing && !pacemaker) || (f.BatonOnly && pacemaker) {
			skipped = append(skipped, f.Name)
			continue
		}
		run = append(run, f)
	}
	return run, skipped
}

type envError struct{ name, value, want string }

func (e *envError) Error() string {
	return e.name + "=" + strconv.Quote(e.value) + ": want " + e.want
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a whole number", name, v)
	}
	return n
}

// testLog writes each line it is given to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
