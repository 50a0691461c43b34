package agents

import "testing"

func TestRegistryNamesMatchAgents(t *testing.T) {
	for _, n := range Names() {
		if a := Lookup(n); a == nil || a.Name != n {
			t.Errorf("registry entry %q builds agent %v", n, a)
		}
	}
	if Lookup("nope") != nil {
		t.Error("unknown agent found")
	}
}
