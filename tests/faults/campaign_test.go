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
// It fails on any invariant violation, lost acknowledged write, or fault
// whose expected outcome did not come.
func TestFaultCampaign(t *testing.T) {
	harness.NeedRoot(t)
	n := envInt(t, "BATON_FAULTS_N", 16)
	seed := int64(envInt(t, "BATON_FAULTS_SEED", 1))
	manager := os.Getenv("BATON_FAULTS_MANAGER")
	if manager != "" && manager != "baton" && manager != "pacemaker" {
		t.Fatalf("BATON_FAULTS_MANAGER=%q: want baton or pacemaker", manager)
	}
	// Baton runs with its fence device unless BATON_FAULTS_FENCING=0: the
	// configuration it is meant to be run in. Pacemaker runs without
	// fencing, the reference row it is compared with.
	fencing := manager != "pacemaker" && os.Getenv("BATON_FAULTS_FENCING") != "0"
	r := NewRig(t, Options{Pacemaker: manager == "pacemaker", Stack: nfsstack.Options{Fencing: fencing}})
	var faults []Fault
	var skipped []string
	for _, f := range Catalogue() {
		if only := os.Getenv("BATON_FAULTS_ONLY"); only != "" && !strings.Contains(","+only+",", ","+f.Name+",") {
			continue
		}
		if (f.NeedsFencing && !r.Fencing) || (f.BatonOnly && r.Pacemaker) {
			skipped = append(skipped, f.Name)
			continue
		}
		faults = append(faults, f)
	}
	if len(skipped) > 0 {
		t.Logf("not injected here (no fence device, or Baton's own parts under Pacemaker): %s", strings.Join(skipped, ", "))
	}
	t.Logf("seed %d, %d iterations, faults %d", seed, n, len(faults))
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
		if it.Failed() {
			t.Errorf("iteration %d (%s): violations %v, lost writes %v, problems %v", it.N, it.Fault, it.Violations, it.Lost, it.Problems)
		}
	}
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
