package pacemaker

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// crm_mon-blocked.xml has the shape of crm_mon 2.1's XML (API 2.25, per
// /usr/share/pacemaker/api/resources-2.24.rng and failure-2.8.rng) for a
// two-node cluster without fencing whose group's stop failed: the
// resources are blocked until crm_resource --cleanup.
func TestParseStatusBlocked(t *testing.T) {
	b, err := os.ReadFile("testdata/crm_mon-blocked.xml")
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseStatus(b)
	if err != nil {
		t.Fatal(err)
	}
	if !st.HaveDC || st.DC != "node2" || !st.WithQuorum || !st.NodeOnline("node1") || !st.NodeOnline("node2") {
		t.Errorf("summary: %+v", st)
	}
	if got := len(st.Instances("ping")); got != 2 {
		t.Errorf("ping instances: %d, want 2", got)
	}
	type state struct {
		Role            string
		Failed, Blocked bool
	}
	got := map[string]state{}
	for _, id := range []string{"fs", "nfsd", "exp", "vip"} {
		in := st.Instances(id)
		if len(in) != 1 {
			t.Fatalf("%s: %d instances", id, len(in))
		}
		got[id] = state{in[0].Role, in[0].Failed, in[0].Blocked}
	}
	want := map[string]state{
		"fs":   {"Started", false, true},
		"nfsd": {"Started", true, true},
		"exp":  {"Stopped", false, true},
		"vip":  {"Stopped", false, true},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("group (-want +got):\n%s", d)
	}
	wantF := []string{
		"nfsd_monitor_2000 on node1: OCF_TIMEOUT (Timed Out)",
		"nfsd_stop_0 on node1: OCF_TIMEOUT (Timed Out): ganesha.nfsd did not stop",
	}
	var gotF []string
	for _, f := range st.Failures {
		gotF = append(gotF, f.String())
	}
	if d := cmp.Diff(wantF, gotF); d != "" {
		t.Errorf("failures (-want +got):\n%s", d)
	}
}

func FuzzParseStatus(f *testing.F) {
	if b, err := os.ReadFile("testdata/crm_mon-blocked.xml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`<pacemaker-result/>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseStatus(b)
		if err == nil && st == nil {
			t.Fatal("nil status without an error")
		}
	})
}
