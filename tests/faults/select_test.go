package faults

import (
	"strings"
	"testing"
)

func TestSelectFaults(t *testing.T) {
	all := []Fault{
		{Name: "plain"},
		{Name: "fenced", NeedsFencing: true},
		{Name: "own", BatonOnly: true},
	}
	for _, tc := range []struct {
		name               string
		only               string
		fencing, pacemaker bool
		run, skipped       string
	}{
		{"baton with fencing runs all", "", true, false, "plain,fenced,own", ""},
		{"baton without fencing skips the unsafe", "", false, false, "plain,own", "fenced"},
		{"pacemaker skips baton's parts", "", true, true, "plain,fenced", "own"},
		{"pacemaker without fencing shows what the unsafe do", "", false, true, "plain,fenced", "own"},
		{"only limits before skipping", "fenced", false, false, "", "fenced"},
		{"only names exactly", "plai,own", true, false, "own", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run, skipped := selectFaults(all, tc.only, tc.fencing, tc.pacemaker)
			var names []string
			for _, f := range run {
				names = append(names, f.Name)
			}
			if got := strings.Join(names, ","); got != tc.run {
				t.Errorf("run %q, want %q", got, tc.run)
			}
			if got := strings.Join(skipped, ","); got != tc.skipped {
				t.Errorf("skipped %q, want %q", got, tc.skipped)
			}
		})
	}
}

func TestFencingSetting(t *testing.T) {
	for _, tc := range []struct {
		v         string
		pacemaker bool
		want      bool
		err       bool
	}{
		{"", false, true, false},
		{"", true, false, false},
		{"0", false, false, false},
		{"1", true, true, false},
		{"yes", true, false, true},
	} {
		got, err := fencingSetting(tc.v, tc.pacemaker)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("fencingSetting(%q, %v) = %v, %v; want %v, error %v", tc.v, tc.pacemaker, got, err, tc.want, tc.err)
		}
		if err != nil && !strings.Contains(err.Error(), "BATON_FAULTS_FENCING") {
			t.Errorf("error %q does not name the variable", err)
		}
	}
}

func TestSummarize(t *testing.T) {
	var v []string
	for i := 0; i < 4; i++ {
		v = append(v, string(rune('a'+i)))
	}
	if got := strings.Join(summarize(v), ";"); got != "a;b;c;d" {
		t.Errorf("four samples: %q, want all of them", got)
	}
	v = append(v, "e", "f")
	if got := strings.Join(summarize(v), ";"); got != "a;b;c;... 6 samples in all ... f" {
		t.Errorf("six samples: %q", got)
	}
}

func TestCmdlineAction(t *testing.T) {
	for _, tc := range []struct {
		cmdline, action string
		ok              bool
	}{
		{"/tmp/x/ocf/resource.d/baton/exportfs\x00monitor\x00", "monitor", true},
		{"/usr/lib/ocf/resource.d/baton/exportfs\x00stop\x00", "stop", true},
		{"/usr/sbin/exportfs\x00-v\x00", "", false},                      // nfs-utils' exportfs, not the agent
		{"/tmp/x/ocf/resource.d/baton/exportfs\x00", "", false},          // no action
		{"/tmp/x/ocf/resource.d/baton/nfsserver\x00stop\x00", "", false}, // another agent
	} {
		got, ok := cmdlineAction([]byte(tc.cmdline), "exportfs")
		if got != tc.action || ok != tc.ok {
			t.Errorf("cmdlineAction(%q) = %q, %v; want %q, %v", tc.cmdline, got, ok, tc.action, tc.ok)
		}
	}
}
