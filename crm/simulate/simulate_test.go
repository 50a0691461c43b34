package simulate

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/verify"
)

func corpusDir(t *testing.T) string {
	if d := os.Getenv("BATON_SCHEDULER_CORPUS"); d != "" {
		return d
	}
	dir, _ := filepath.Abs(".")
	for {
		cand := filepath.Join(dir, "shared", "scheduler-corpus")
		if _, err := os.Stat(filepath.Join(cand, "tests.txt")); err == nil {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("scheduler corpus not found: set BATON_SCHEDULER_CORPUS or place it in ../shared/scheduler-corpus")
		}
		dir = parent
	}
}

// section returns the lines of a crm_simulate output section, whitespace
// collapsed.
func section(text, title string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(text, "\n") {
		if strings.HasSuffix(l, ":") && !strings.HasPrefix(l, " ") {
			in = l == title
			continue
		}
		if in {
			if f := strings.Join(strings.Fields(l), " "); f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}

// TestCorpusSections renders every corpus CIB with -S and compares the
// sections with crm_simulate's. Only the Transition Summary is held to
// the scheduler's ratchet (crm/scheduler); here the status sections must
// match for most tests, and every run must produce all four sections.
func TestCorpusSections(t *testing.T) {
	dir := corpusDir(t)
	names, err := os.ReadFile(filepath.Join(dir, "tests.txt"))
	if err != nil {
		t.Fatal(err)
	}
	total, current, revised := 0, 0, 0
	for _, name := range strings.Fields(string(names)) {
		want, err := os.ReadFile(filepath.Join(dir, "summary", name+".summary"))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := cib.ParseFile(filepath.Join(dir, "xml", name+".xml"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var out bytes.Buffer
		if _, err := Run(&out, doc, Options{Simulate: true}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := out.String()
		for _, s := range []string{"Current cluster status:", "Transition Summary:", "Executing Cluster Transition:", "Revised Cluster Status:"} {
			if !strings.Contains(got, s) {
				t.Errorf("%s: output lacks %q", name, s)
			}
		}
		total++
		if strings.Join(section(got, "Current cluster status:"), "\n") == strings.Join(section(string(want), "Current cluster status:"), "\n") {
			current++
		} else if testing.Verbose() {
			t.Logf("%s current status differs:\n got: %s\nwant: %s", name, strings.Join(section(got, "Current cluster status:"), "\n      "), strings.Join(section(string(want), "Current cluster status:"), "\n      "))
		}
		if strings.Join(section(got, "Revised Cluster Status:"), "\n") == strings.Join(section(string(want), "Revised Cluster Status:"), "\n") {
			revised++
		}
	}
	t.Logf("status sections matching crm_simulate: current %d/%d, revised %d/%d", current, total, revised, total)
	if current < 100 || revised < 100 {
		t.Errorf("status rendering matches too rarely: current %d, revised %d of %d", current, revised, total)
	}
}

func TestInjections(t *testing.T) {
	const base = `<cib have-quorum="1"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
<resources><primitive id="ip" class="ocf" provider="baton" type="IPaddr"><meta_attributes id="m"><nvpair id="m1" name="resource-stickiness" value="100"/></meta_attributes></primitive></resources>
<constraints/></configuration><status>
<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources>
<lrm_resource id="ip" class="ocf" provider="baton" type="IPaddr"><lrm_rsc_op id="ip_start_0" operation="start" call-id="2" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"/></lrm_resource>
</lrm_resources></lrm></node_state>
<node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
</status></cib>`
	tests := []struct {
		name string
		inj  Injection
		want string
		err  string
	}{
		{"nothing", Injection{}, "", ""},
		{"node down", Injection{NodeDown: []string{"n1"}}, "Start ip ( n2 )", ""},
		{"node fail", Injection{NodeFail: []string{"n1"}}, "Start ip ( n2 )", ""},
		{"monitor fails", Injection{Ops: []string{"ip_monitor_10000@n1=7"}}, "Recover ip ( n1 )", ""},
		{"start fails: fatal", Injection{Ops: []string{"ip_start_0@n1=1"}}, "Recover ip ( n1 -> n2 )", ""},
		{"no quorum", Injection{Quorum: new(bool)}, "Stop ip ( n1 ) due to no quorum", ""},
		{"unknown node", Injection{NodeUp: []string{"n9"}}, "", `node "n9" is not in the CIB`},
		{"bad spec", Injection{Ops: []string{"ip_monitor@n1"}}, "", "want RSC_TASK_INTERVAL@NODE=RC"},
		{"unknown resource", Injection{Ops: []string{"nope_start_0@n1=1"}}, "", `resource "nope" is not configured`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := cib.Parse([]byte(base))
			if err != nil {
				t.Fatal(err)
			}
			err = tt.inj.Apply(doc)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if _, err := Run(&out, doc, Options{Run: true, Quiet: true}); err != nil {
				t.Fatal(err)
			}
			got := strings.Join(section(out.String(), "Transition Summary:"), "\n")
			got = strings.TrimPrefix(got, "* ")
			if got != tt.want {
				t.Errorf("summary %q, want %q", got, tt.want)
			}
		})
	}
}

// TestVerifyCorpus checks that baton verify accepts every corpus CIB that
// crm_verify accepts (testdata/crm-verify-accepts.txt) and reports no
// error for the others either, since they are valid Pacemaker inputs.
// Resources baton daemon has no executor for (systemd, lsb) are refused
// separately (Report.Unsupported) and do not count here. Baton also
// refuses an ocf agent named by a path (it would run any program as root);
// a CIB crm_verify rejects anyway may fail for that reason, and only that.
func TestVerifyCorpus(t *testing.T) {
	ocfPath := map[string]bool{"promoted-8": true}
	dir := corpusDir(t)
	accepts, err := os.ReadFile(filepath.Join("testdata", "crm-verify-accepts.txt"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, l := range strings.Split(string(accepts), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			listed[l] = true
		}
	}
	checked := 0
	for _, set := range []string{"tests.txt", "tests-wide.txt"} {
		names, err := os.ReadFile(filepath.Join(dir, set))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range strings.Fields(string(names)) {
			doc, err := cib.ParseFile(filepath.Join(dir, "xml", name+".xml"))
			if err != nil {
				t.Errorf("%s (crm_verify accepts: %v): %v", name, listed[name], err)
				continue
			}
			rep := verify.CIB(doc)
			if ocfPath[name] && !listed[name] {
				for _, e := range rep.Errors {
					if !strings.Contains(e, "must be a name, not a path") {
						t.Errorf("%s: %s", name, e)
					}
				}
				continue
			}
			if len(rep.Errors) > 0 {
				t.Errorf("%s (crm_verify accepts: %v): %s", name, listed[name], strings.Join(rep.Errors, "; "))
			}
			if listed[name] {
				checked++
			}
		}
	}
	if checked != len(listed) {
		t.Errorf("checked %d of the %d CIBs crm_verify accepts: a listed test is missing from the corpus", checked, len(listed))
	}
}
