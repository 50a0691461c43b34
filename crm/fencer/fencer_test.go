package fencer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-ha/baton/crm/cibdoc"
)

func loadFile(t *testing.T, name string) *Setup {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	d, err := cibdoc.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	s, errs := Load(d)
	if len(errs) > 0 {
		t.Fatalf("Load: %v", errs)
	}
	return s
}

func TestLoadOptionsDevicesTopology(t *testing.T) {
	s := loadFile(t, "cib-fencing.xml")
	want := Options{Enabled: true, EnabledSet: true, Action: "off", Timeout: 5 * time.Second, PriorityDelay: 3 * time.Second}
	if diff := cmp.Diff(want, s.Options); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	ipmi := s.Device("ipmi-n1")
	if ipmi == nil || ipmi.HostCheck != CheckStatic || ipmi.DelayBase != time.Second || ipmi.Params["ip"] != "10.0.0.11" {
		t.Fatalf("ipmi-n1: %+v", ipmi)
	}
	if _, leaked := ipmi.Params["pcmk_host_list"]; leaked {
		t.Error("pcmk_* parameters must not reach the agent")
	}
	if got := s.Device("pdu").Plug("node2"); got != "4" {
		t.Errorf("pdu plug of node2 = %q, want 4 (pcmk_host_map)", got)
	}
	for _, tc := range []struct {
		target string
		want   []Level
	}{
		{"node1", []Level{{1, []string{"ipmi-n1"}}, {2, []string{"pdu", "pdu2"}}}},
		{"node2", []Level{{1, []string{"pdu", "pdu2"}}}},
	} {
		if diff := cmp.Diff(tc.want, s.Levels(tc.target, nil)); diff != "" {
			t.Errorf("levels of %s (-want +got):\n%s", tc.target, diff)
		}
	}
}

func TestLoadReportsBadTopologyAndDevices(t *testing.T) {
	for _, tc := range []struct{ name, xml, want string }{
		{"unknown device", `<fencing-topology><fencing-level id="l1" index="1" target="node1" devices="nosuch"/></fencing-topology>`, `fencing-level "l1": devices names "nosuch"`},
		{"bad index", `<fencing-topology><fencing-level id="l1" index="x" target="node1" devices="d"/></fencing-topology>`, `fencing-level "l1": index "x"`},
		{"no target", `<fencing-topology><fencing-level id="l1" index="1" devices="d"/></fencing-topology>`, `needs target`},
		{"bad host check", `<resources><primitive id="e" class="stonith" type="fence_x"><instance_attributes id="e-ia"><nvpair id="e1" name="pcmk_host_check" value="maybe"/></instance_attributes></primitive></resources>`, `stonith primitive "e": pcmk_host_check "maybe"`},
		{"plug set by hand", `<resources><primitive id="e" class="stonith" type="fence_x"><instance_attributes id="e-ia"><nvpair id="e1" name="plug" value="3"/></instance_attributes></primitive></resources>`, `parameter "plug" is set by the fencer`},
		{"bad timeout", `<crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-timeout" value="soon"/></cluster_property_set></crm_config>`, `stonith-timeout: "soon" is not a duration`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := `<cib><configuration><crm_config/><nodes/><resources><primitive id="d" class="stonith" type="fence_x"/></resources><constraints/></configuration></cib>`
			if strings.HasPrefix(tc.xml, "<resources>") {
				x = strings.Replace(x, `<resources><primitive id="d" class="stonith" type="fence_x"/></resources>`, tc.xml, 1)
			} else if strings.HasPrefix(tc.xml, "<crm_config>") {
				x = strings.Replace(x, "<crm_config/>", tc.xml, 1)
			} else {
				x = strings.Replace(x, "</configuration>", tc.xml+"</configuration>", 1)
			}
			d, err := cibdoc.Parse([]byte(x))
			if err != nil {
				t.Fatal(err)
			}
			_, errs := Load(d)
			if len(errs) == 0 || !strings.Contains(fmt.Sprint(errs), tc.want) {
				t.Fatalf("errors %v, want one containing %q", errs, tc.want)
			}
		})
	}
}

// memRunner is an in-memory AgentRunner: it answers per device address and
// records the stdin arguments of every run.
type memRunner struct {
	mu     sync.Mutex
	calls  []map[string]string
	status func(args map[string]string) (int, error)
	params map[string]bool
}

func (m *memRunner) Run(ctx context.Context, agent string, args map[string]string, timeout time.Duration) (int, string, error) {
	m.mu.Lock()
	m.calls = append(m.calls, args)
	m.mu.Unlock()
	if m.status == nil {
		return 0, "", nil
	}
	st, err := m.status(args)
	return st, "agent output", err
}

func (m *memRunner) Metadata(ctx context.Context, agent string) (map[string]bool, error) {
	if m.params == nil {
		return map[string]bool{"plug": true, "ip": true}, nil
	}
	return m.params, nil
}

func TestFenceWalksLevelsUntilOneSucceeds(t *testing.T) {
	s := loadFile(t, "cib-fencing.xml")
	for _, d := range s.Devices {
		d.DelayBase = 0 // keep the test quick; delays are tested apart
	}
	r := &memRunner{status: func(a map[string]string) (int, error) {
		if a["ip"] == "10.0.0.11" {
			return 1, nil // the IPMI level fails
		}
		return 0, nil
	}, params: map[string]bool{"port": true}}
	f := &Devices{Self: "node2", Runner: r}
	f.SetSetup(s)
	res := f.Fence(context.Background(), Request{Target: "node1", Origin: "node2"})
	if !res.OK || !cmp.Equal(res.Devices, []string{"pdu", "pdu2"}) || res.Action != "off" {
		t.Fatalf("result %+v, want success by level 2 (pdu, pdu2) with action off", res)
	}
	want := []map[string]string{
		{"action": "off", "nodename": "node1", "port": "node1", "ip": "10.0.0.11"},
		{"action": "off", "nodename": "node1", "port": "3", "ip": "10.0.0.20"},
		{"action": "off", "nodename": "node1", "port": "3", "ip": "10.0.0.21"},
	}
	if diff := cmp.Diff(want, r.calls); diff != "" {
		t.Errorf("agent stdin (-want +got):\n%s", diff)
	}
	if h := f.History(); len(h) != 1 || !h[0].OK || h[0].Executor != "node2" {
		t.Errorf("history %+v", h)
	}
}

func TestFenceFailuresAreReportedAndNeverSelf(t *testing.T) {
	s := loadFile(t, "cib-fencing.xml")
	r := &memRunner{status: func(map[string]string) (int, error) { return 0, errors.New("fence_apc timed out after 5s") }}
	f := &Devices{Self: "node1", Runner: r}
	f.SetSetup(s)
	res := f.Fence(context.Background(), Request{Target: "node2"})
	if res.OK || !strings.Contains(res.Error, "timed out") || !strings.Contains(res.Error, "device pdu") {
		t.Errorf("failing device: %+v", res)
	}
	res = f.Fence(context.Background(), Request{Target: "node1"})
	if res.OK || !strings.Contains(res.Error, "never fences itself") {
		t.Errorf("self fence: %+v", res)
	}
	empty := &Devices{Self: "node1", Runner: r}
	empty.SetSetup(&Setup{Options: Options{Enabled: true, Action: "reboot", Timeout: time.Second}})
	if res := empty.Fence(context.Background(), Request{Target: "node2"}); res.OK || !strings.Contains(res.Error, "no fence device") {
		t.Errorf("no devices: %+v", res)
	}
}

func TestWatchdogFencingWaitsFromLastSignOfLife(t *testing.T) {
	f := &Devices{Self: "node1", Runner: &memRunner{}}
	f.SetSetup(&Setup{Options: Options{Enabled: true, Action: "reboot", Timeout: time.Second, WatchdogTimeout: 300 * time.Millisecond}})
	seen := time.Now()
	res := f.Fence(context.Background(), Request{Target: "node2", LastSeen: seen})
	if !res.OK || !cmp.Equal(res.Devices, []string{"watchdog"}) {
		t.Fatalf("watchdog fencing: %+v", res)
	}
	if res.Completed.Before(seen.Add(300 * time.Millisecond)) {
		t.Errorf("confirmed at %v, before the watchdog timeout since the last sign of life", res.Completed.Sub(seen))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if res := f.Fence(ctx, Request{Target: "node2", LastSeen: time.Now()}); res.OK {
		t.Errorf("a cancelled watchdog wait must not count as a fence: %+v", res)
	}
}

func TestHostChecks(t *testing.T) {
	for _, tc := range []struct {
		check  string
		status func(map[string]string) (int, error)
		want   bool
	}{
		{CheckDynamic, func(a map[string]string) (int, error) { return 0, nil }, false}, // list prints "agent output"
		{CheckNone, nil, true},
		{CheckStatus, func(a map[string]string) (int, error) { return ExitOff, nil }, true},
		{CheckStatus, func(a map[string]string) (int, error) { return 1, nil }, false},
	} {
		d := &Device{ID: "d", Agent: "fence_x", Params: map[string]string{}, HostCheck: tc.check}
		f := &Devices{Self: "n1", Runner: &memRunner{status: tc.status}}
		ok, _ := f.canFence(context.Background(), &Setup{Options: Options{Timeout: time.Second}}, d, "node2")
		if ok != tc.want {
			t.Errorf("%s: can fence = %v, want %v", tc.check, ok, tc.want)
		}
	}
	if got := parseList("node1,alias1\nnode2\n\n"); !got["node2"] || !got["alias1"] || got[""] {
		t.Errorf("parseList: %v", got)
	}
}

func TestDeviceDelayStaysInRange(t *testing.T) {
	d := &Device{DelayBase: 100 * time.Millisecond, DelayMax: 300 * time.Millisecond}
	for i := 0; i < 50; i++ {
		if v := d.delay(); v < d.DelayBase || v >= d.DelayMax {
			t.Fatalf("delay %v outside [%v, %v)", v, d.DelayBase, d.DelayMax)
		}
	}
}

func TestVerify(t *testing.T) {
	for _, tc := range []struct{ name, opts, resources, wantErr, wantWarn string }{
		{"safe by default: no device", "", "", "no fence device", ""},
		{"explicitly unsafe", `<nvpair id="o1" name="stonith-enabled" value="false"/>`, "", "", "stonith-enabled=false"},
		{"watchdog only", `<nvpair id="o1" name="stonith-watchdog-timeout" value="10s"/>`, "", "", ""},
		{"device", "", `<primitive id="f" class="stonith" type="fence_x"><instance_attributes id="f-ia"><nvpair id="f1" name="pcmk_host_list" value="node9"/></instance_attributes></primitive>`, "", `names "node9"`},
		{"bad requires", `<nvpair id="o1" name="stonith-enabled" value="false"/>`, `<primitive id="d" class="ocf" provider="baton" type="Dummy"><meta_attributes id="d-m"><nvpair id="d-r" name="requires" value="always"/></meta_attributes></primitive>`, `requires "always"`, "stonith-enabled=false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := `<cib><configuration><crm_config><cluster_property_set id="o">` + tc.opts + `</cluster_property_set></crm_config>
<nodes><node id="1" uname="node1"/></nodes><resources>` + tc.resources + `</resources><constraints/></configuration></cib>`
			d, err := cibdoc.Parse([]byte(x))
			if err != nil {
				t.Fatal(err)
			}
			errs, warns := Verify(d)
			check := func(kind string, got []string, want string) {
				if want == "" && len(got) > 0 || want != "" && !strings.Contains(strings.Join(got, "\n"), want) {
					t.Errorf("%s %q, want %q", kind, got, want)
				}
			}
			check("errors", errs, tc.wantErr)
			check("warnings", warns, tc.wantWarn)
		})
	}
}

// TestUnfencingUsesTheDevicesThatProvideIt: "on" for a node runs every
// device that provides unfencing, without delays, also for the fencer's
// own node; the others are left alone.
func TestUnfencingUsesTheDevicesThatProvideIt(t *testing.T) {
	d, err := cibdoc.Parse([]byte(`<cib><configuration><crm_config/><nodes/><resources>
<primitive id="ipmi" class="stonith" type="fence_ipmilan"><instance_attributes id="i"><nvpair id="i1" name="ip" value="10.0.0.11"/><nvpair id="i2" name="pcmk_host_list" value="node1 node2"/></instance_attributes></primitive>
<primitive id="scsi" class="stonith" type="fence_scsi"><instance_attributes id="s"><nvpair id="s1" name="devices" value="/dev/sdb"/><nvpair id="s2" name="pcmk_host_list" value="node1 node2"/><nvpair id="s3" name="pcmk_delay_base" value="10s"/></instance_attributes>
<meta_attributes id="sm"><nvpair id="sm1" name="provides" value="unfencing"/></meta_attributes></primitive>
</resources><constraints/></configuration><status/></cib>`))
	if err != nil {
		t.Fatal(err)
	}
	s, errs := Load(d)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if us := s.Unfencers(); len(us) != 1 || us[0].ID != "scsi" || s.UnfenceDigest() == "" {
		t.Fatalf("unfencers %v, digest %q: want scsi only", us, s.UnfenceDigest())
	}
	r := &memRunner{params: map[string]bool{"plug": true, "devices": true, "ip": true}}
	f := &Devices{Self: "node1", Runner: r}
	f.SetSetup(s)
	start := time.Now()
	res := f.Fence(context.Background(), Request{Target: "node1", Action: "on", Origin: "node1"})
	if !res.OK || !cmp.Equal(res.Devices, []string{"scsi"}) {
		t.Fatalf("unfencing of the fencer's own node: %+v", res)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("unfencing waited pcmk_delay_base (%v)", took)
	}
	want := []map[string]string{{"action": "on", "nodename": "node1", "plug": "node1", "devices": "/dev/sdb"}}
	if diff := cmp.Diff(want, r.calls); diff != "" {
		t.Errorf("agent stdin (-want +got):\n%s", diff)
	}
	// A device's definition changing changes the digest: nodes are
	// unfenced again.
	before := s.UnfenceDigest()
	s.Devices[1].Params["devices"] = "/dev/sdc"
	s.Devices[1].Digest = digest(s.Devices[1])
	if s.UnfenceDigest() == before {
		t.Error("the unfencing digest did not change with the device's parameters")
	}
}
