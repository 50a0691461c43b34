package view_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/view"
)

// corpusDir is Pacemaker's scheduler regression corpus (the repository's
// shared reference data).
func corpusDir(t *testing.T) string {
	t.Helper()
	for _, d := range []string{"../../../shared/scheduler-corpus/xml", "../../shared/scheduler-corpus/xml"} {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	t.Skip("no scheduler corpus (../shared/scheduler-corpus)")
	return ""
}

// crmMonCases are corpus CIBs that cover what crm_mon shows: groups,
// anonymous, unique and promotable clones, failed and blocked resources,
// offline and standby nodes, fail counts and failed operations.
var crmMonCases = []string{
	"bug-1822", "bug-5025-3", "clbz5007-promotable-colocation", "standby", "clone-interleave-3", "orphan-2",
}

// summary is what the comparison looks at: the state crm_mon reports,
// without the parts that differ by design (stack, versions, times).
type summary struct {
	Nodes     []string
	Resources []string
	Failures  []string
	History   []string
	Counts    string
}

func summarize(t *testing.T, b []byte) summary {
	t.Helper()
	var doc struct {
		Summary struct {
			Nodes struct {
				N string `xml:"number,attr"`
			} `xml:"nodes_configured"`
			Rscs struct {
				N        string `xml:"number,attr"`
				Disabled string `xml:"disabled,attr"`
				Blocked  string `xml:"blocked,attr"`
			} `xml:"resources_configured"`
		} `xml:"summary"`
		Nodes []struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"nodes>node"`
		Resources struct {
			Inner []byte `xml:",innerxml"`
		} `xml:"resources"`
		Failures []struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"failures>failure"`
		History []struct {
			Name string `xml:"name,attr"`
			Rscs []struct {
				ID        string `xml:"id,attr"`
				Orphan    string `xml:"orphan,attr"`
				Threshold string `xml:"migration-threshold,attr"`
				Ops       []struct {
					Call     string `xml:"call,attr"`
					Task     string `xml:"task,attr"`
					RC       string `xml:"rc,attr"`
					Interval string `xml:"interval,attr"`
				} `xml:"operation_history"`
			} `xml:"resource_history"`
		} `xml:"node_history>node"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("parse: %v\n%s", err, b)
	}
	var s summary
	s.Counts = fmt.Sprintf("nodes=%s resources=%s disabled=%s blocked=%s", doc.Summary.Nodes.N, doc.Summary.Rscs.N,
		doc.Summary.Rscs.Disabled, doc.Summary.Rscs.Blocked)
	keep := map[string]bool{"name": true, "id": true, "online": true, "standby": true, "maintenance": true, "pending": true,
		"unclean": true, "shutdown": true, "expected_up": true, "is_dc": true, "resources_running": true, "type": true}
	for _, n := range doc.Nodes {
		s.Nodes = append(s.Nodes, attrString(n.Attrs, keep))
	}
	s.Resources = resourceLines(t, doc.Resources.Inner)
	failKeep := map[string]bool{"op_key": true, "id": true, "node": true, "exitstatus": true, "exitcode": true, "call": true,
		"status": true, "interval": true, "task": true}
	for _, f := range doc.Failures {
		s.Failures = append(s.Failures, attrString(f.Attrs, failKeep))
	}
	sort.Strings(s.Failures)
	for _, n := range doc.History {
		for _, r := range n.Rscs {
			var ops []string
			for _, o := range r.Ops {
				ops = append(ops, fmt.Sprintf("%s:%s%s=%s", o.Call, o.Task, o.Interval, o.RC))
			}
			s.History = append(s.History, fmt.Sprintf("%s %s orphan=%s threshold=%s [%s]", n.Name, r.ID, r.Orphan, r.Threshold,
				strings.Join(ops, " ")))
		}
	}
	sort.Strings(s.History)
	return s
}

// resourceLines flattens <resources> to one line per element with its
// path, so that nesting, order and every flag are compared.
func resourceLines(t *testing.T, inner []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(inner))
	var out, path []string
	skip := map[string]bool{"target_role": true, "pending": true, "locked_to": true}
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			var attrs []string
			for _, a := range e.Attr {
				if !skip[a.Name.Local] {
					attrs = append(attrs, a.Name.Local+"="+a.Value)
				}
			}
			line := strings.Join(path, "/") + " " + e.Name.Local + " " + strings.Join(attrs, " ")
			out = append(out, line)
			path = append(path, e.Name.Local)
		case xml.EndElement:
			path = path[:len(path)-1]
		}
	}
	return out
}

func attrString(attrs []xml.Attr, keep map[string]bool) string {
	var parts []string
	for _, a := range attrs {
		if keep[a.Name.Local] {
			parts = append(parts, a.Name.Local+"="+a.Value)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// TestMatchesCrmMon renders corpus CIBs and compares the result with what
// Pacemaker's own crm_mon prints for the same file (CIB_file=...), field
// by field: nodes, the resource tree with roles and flags, failed
// operations and the operation history.
func TestMatchesCrmMon(t *testing.T) {
	crmMon, err := exec.LookPath("crm_mon")
	if err != nil {
		t.Skip("crm_mon not installed (make deps)")
	}
	dir := corpusDir(t)
	cases := crmMonCases
	if testing.Short() {
		cases = cases[:2] // crm_mon takes a few tenths of a second per CIB
	}
	if os.Getenv("BATON_CRMMON_ALL") != "" {
		// The whole corpus (about two minutes): to measure, not to gate.
		all, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
		cases = nil
		for _, f := range all {
			cases = append(cases, strings.TrimSuffix(filepath.Base(f), ".xml"))
		}
	}
	for _, name := range cases {
		t.Run(name, func(t *testing.T) {
			path, _ := filepath.Abs(filepath.Join(dir, name+".xml"))
			cmd := exec.Command(crmMon, "-1", "--inactive", "--output-as=xml")
			cmd.Env = append(os.Environ(), "CIB_file="+path)
			want, err := cmd.Output()
			if err != nil {
				t.Fatalf("crm_mon: %v\n%s", err, want)
			}
			doc, err := cib.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			v, err := view.FromCIB(doc, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := v.WriteXML(&got, "baton status --output-as=xml"); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(summarize(t, want), summarize(t, got.Bytes())); d != "" {
				t.Errorf("differs from crm_mon (-crm_mon +baton):\n%s", d)
			}
		})
	}
}
