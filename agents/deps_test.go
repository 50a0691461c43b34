package agents

import (
	"os/exec"
	"strings"
	"testing"
)

// The agents Pacemaker users install depend only on the OCF runtime: none
// of Baton's cluster manager (its configuration, keys, wire protocol) may
// come along. cmd/baton hands them what they need of it through Config.
func TestAgentsDependOnNoCRMPackage(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go tool")
	}
	out, err := exec.Command("go", "list", "-deps", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps ./agents/...: %v\n%s", err, out)
	}
	const crm = "github.com/baton-ha/baton/crm"
	var bad []string
	for _, p := range strings.Fields(string(out)) {
		if p == crm || strings.HasPrefix(p, crm+"/") {
			bad = append(bad, p)
		}
	}
	if len(bad) > 0 {
		t.Errorf("agents import cluster-manager packages: %s", strings.Join(bad, ", "))
	}
}
