package ipaddr_test

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bnetns "github.com/baton-ha/baton/tests/harness/netns"
)

// TestMonitor checks the three monitor outcomes and the idempotence of
// start and stop.
func TestMonitor(t *testing.T) {
	l := newLab(t)
	p := map[string]string{"ip": "10.213.50.100", "cidr_netmask": "24", "arp_count": "1"}
	probe := []string{"OCF_RESKEY_CRM_meta_interval=0"}
	recurring := []string{"OCF_RESKEY_CRM_meta_interval=10000"}

	l.must(l.a, "monitor", p, 7, probe...)
	l.must(l.a, "stop", p, 0) // stopping what never ran succeeds
	l.must(l.a, "start", p, 0)
	l.must(l.a, "start", p, 0) // and so does starting twice
	l.must(l.a, "monitor", p, 0, recurring...)
	l.must(l.a, "monitor", p, 0, probe...)
	if got := l.a.MustExec(t, "ip", "-o", "addr", "show", "dev", "eth0", "to", "10.213.50.100"); strings.Count(got, "10.213.50.100/24") != 1 {
		t.Fatalf("want the address once on eth0, got:\n%s", got)
	}

	// The address is present but the link is down: a failure (1), not
	// "stopped", so that the cluster recovers the address elsewhere.
	l.a.MustExec(t, "ip", "link", "set", "eth0", "down")
	out := l.must(l.a, "monitor", p, 1, recurring...)
	if !strings.Contains(out, "ocf-exit-reason:") || !strings.Contains(out, "link is down") {
		t.Errorf("monitor on a downed link gave no reason naming the link:\n%s", out)
	}
	// check_link_status=false accepts the downed link, as IPaddr2 does
	// without that parameter.
	q := map[string]string{"check_link_status": "false"}
	for k, v := range p {
		q[k] = v
	}
	l.must(l.a, "monitor", q, 0, recurring...)
	// start brings the link up again. With the link down its connected
	// route is gone, so the interface must be named (as with IPaddr2).
	l.must(l.a, "stop", p, 0)
	q = map[string]string{"nic": "eth0"}
	for k, v := range p {
		q[k] = v
	}
	l.must(l.a, "start", q, 0)
	if up := l.a.MustExec(t, "ip", "-o", "link", "show", "eth0"); !strings.Contains(up, ",UP") {
		t.Errorf("start did not bring eth0 up:\n%s", up)
	}
	l.must(l.a, "monitor", p, 0, recurring...)

	l.must(l.a, "stop", p, 0)
	l.must(l.a, "monitor", p, 7, recurring...)
	l.must(l.a, "monitor", p, 7, probe...)
	l.must(l.a, "stop", p, 0)
}

// TestNicFromRoutes leaves nic and cidr_netmask out: both come from the
// connected route, as with IPaddr2's findif.
func TestNicFromRoutes(t *testing.T) {
	l := newLab(t)
	p := map[string]string{"ip": "10.213.50.101", "iflabel": "nfs", "broadcast": "+", "arp_count": "1"}
	l.must(l.a, "start", p, 0)
	got := l.a.MustExec(t, "ip", "-o", "-4", "addr", "show", "dev", "eth0")
	if !strings.Contains(got, "10.213.50.101/24 brd 10.213.50.255") || !strings.Contains(got, "eth0:nfs") {
		t.Errorf("want 10.213.50.101/24 brd 10.213.50.255 labelled eth0:nfs, got:\n%s", got)
	}
	l.must(l.a, "monitor", p, 0)
	l.must(l.a, "stop", p, 0)
	// An address outside every connected subnet has no interface.
	out := l.must(l.a, "validate-all", map[string]string{"ip": "192.0.2.7"}, 2)
	if !strings.Contains(out, "ocf-exit-reason:") {
		t.Errorf("no exit reason:\n%s", out)
	}
	l.must(l.a, "monitor", map[string]string{"ip": "192.0.2.7"}, 7, "OCF_RESKEY_CRM_meta_interval=0")
}

// TestValidate checks that bad configurations are refused with the right
// code and a reason, before anything is touched.
func TestValidate(t *testing.T) {
	l := newLab(t)
	cases := []struct {
		name   string
		params map[string]string
		meta   []string
		want   int
		reason string
	}{
		{"good", map[string]string{"ip": "10.213.50.100", "cidr_netmask": "24", "nic": "eth0"}, nil, 0, ""},
		{"good-v6", map[string]string{"ip": "fd00:213:50::100", "cidr_netmask": "64"}, nil, 0, ""},
		{"no-ip", map[string]string{"cidr_netmask": "24"}, nil, 6, "ip"},
		{"bad-ip", map[string]string{"ip": "10.213.50.300"}, nil, 6, "ip"},
		{"bad-ip-text", map[string]string{"ip": "nfs.example"}, nil, 6, "ip"},
		{"bad-netmask", map[string]string{"ip": "10.213.50.100", "cidr_netmask": "33"}, nil, 6, "cidr_netmask"},
		{"bad-netmask-text", map[string]string{"ip": "10.213.50.100", "cidr_netmask": "x"}, nil, 6, "cidr_netmask"},
		{"bad-dotted-netmask", map[string]string{"ip": "10.213.50.100", "cidr_netmask": "255.0.255.0"}, nil, 6, "cidr_netmask"},
		{"unknown-nic", map[string]string{"ip": "10.213.50.100", "nic": "nosuch0"}, nil, 2, "nosuch0"},
		{"lvs", map[string]string{"ip": "10.213.50.100", "lvs_support": "true"}, nil, 6, "lvs_support"},
		{"clusterip", map[string]string{"ip": "10.213.50.100"}, []string{"OCF_RESKEY_CRM_meta_clone_max=2", "OCF_RESKEY_CRM_meta_clone=0"}, 6, "CLUSTERIP"},
		{"unique-clone-needs-globally-unique", map[string]string{"ip": "10.213.50.100", "unique_clone_address": "true"}, nil, 6, "globally-unique"},
		{"arp-mode", map[string]string{"ip": "10.213.50.100", "arp_mode": "gossip"}, nil, 6, "arp_mode"},
		{"arp-count", map[string]string{"ip": "10.213.50.100", "arp_count": "0"}, nil, 6, "arp_count"},
		// ocf_is_true, as IPaddr2 reads arp_bg: an odd spelling is false, not an error.
		{"arp-bg-odd-spelling", map[string]string{"ip": "10.213.50.100", "arp_bg": "perhaps"}, nil, 0, ""},
		{"tickle-dir-relative", map[string]string{"ip": "10.213.50.100", "tickle_dir": "data/tickle"}, nil, 6, "tickle_dir"},
		{"preferred-lft", map[string]string{"ip": "fd00:213:50::100", "preferred_lft": "soon"}, nil, 6, "preferred_lft"},
		{"netns-missing", map[string]string{"ip": "10.213.50.100", "network_namespace": "baton-no-such-ns"}, nil, 2, "baton-no-such-ns"},
		{"label-too-long", map[string]string{"ip": "10.213.50.100", "nic": "eth0", "iflabel": "averylonglabel"}, nil, 6, "15"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out := l.run(l.a, "validate-all", tc.params, tc.meta...)
			if code != tc.want {
				t.Fatalf("exit %d, want %d\n%s", code, tc.want, out)
			}
			if tc.want == 0 {
				return
			}
			var reason string
			for _, line := range strings.Split(out, "\n") {
				if r, ok := strings.CutPrefix(line, "ocf-exit-reason:"); ok {
					reason = r
				}
			}
			if reason == "" || !strings.Contains(reason, tc.reason) {
				t.Errorf("exit reason %q does not mention %q\n%s", reason, tc.reason, out)
			}
		})
	}
	// Nothing was added by any of them.
	if got := l.a.MustExec(t, "ip", "-o", "addr", "show", "dev", "eth0"); strings.Contains(got, "10.213.50.100") {
		t.Errorf("validate-all changed the interface:\n%s", got)
	}
}

// TestBackgroundAnnouncer: with arp_bg the announcements continue after
// start returns, in a process that stop kills.
func TestBackgroundAnnouncer(t *testing.T) {
	l := newLab(t)
	vip := netip.MustParseAddr("10.213.50.100")
	p := map[string]string{"ip": vip.String(), "cidr_netmask": "24", "arp_bg": "true", "arp_count": "50", "arp_interval": "100"}
	frames := capture(t, l.c.Name, vip, 2500*time.Millisecond)
	began := time.Now()
	l.must(l.a, "start", p, 0)
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("start with arp_bg took %v: it waited for the announcements", took)
	}
	pidfile := filepath.Join(l.rscTmp[l.a.Name], "IPaddr-announce-"+vip.String()+".pid")
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatalf("no announcer pidfile: %v", err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if !strings.Contains(string(cmdline), "ipaddr-announce") {
		t.Fatalf("pid %d is not the announcer: %q", pid, cmdline)
	}
	time.Sleep(500 * time.Millisecond)
	l.must(l.a, "stop", p, 0)
	stopped := time.Now()
	if _, err := os.Stat(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil {
		if c, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); len(c) > 0 {
			t.Errorf("the announcer %d still runs after stop", pid)
		}
	}
	if _, err := os.Stat(pidfile); err == nil {
		t.Error("stop left the pidfile")
	}
	var before, after int
	for _, f := range <-frames {
		if f.at.Before(stopped) {
			before++
		} else {
			after++
		}
	}
	if before < 3 || after != 0 {
		t.Errorf("%d announcements before stop, %d after; want several, then none", before, after)
	}
}

// TestRefreshOnMonitor: arp_count_refresh announces on each monitor.
func TestRefreshOnMonitor(t *testing.T) {
	l := newLab(t)
	vip := netip.MustParseAddr("10.213.50.100")
	p := map[string]string{"ip": vip.String(), "cidr_netmask": "24", "arp_count": "1", "arp_bg": "false",
		"arp_count_refresh": "2", "arp_interval": "100", "arp_mode": "reply"}
	l.must(l.a, "start", p, 0)
	frames := capture(t, l.c.Name, vip, time.Second)
	l.must(l.a, "monitor", p, 0, "OCF_RESKEY_CRM_meta_interval=10000")
	got := <-frames
	if len(got) != 2 || got[0].kind != "reply" {
		t.Errorf("monitor sent %+v, want 2 replies", got)
	}
	l.must(l.a, "stop", p, 0)
}

// TestConflictProbe: run_arping refuses an address another host answers
// for.
func TestConflictProbe(t *testing.T) {
	l := newLab(t)
	p := map[string]string{"ip": "10.213.50.100", "cidr_netmask": "24", "arp_count": "1", "run_arping": "true"}
	l.must(l.a, "start", p, 0)
	out := l.must(l.b, "start", p, 1)
	if !strings.Contains(out, "collision") || !strings.Contains(out, l.mac(l.a)) {
		t.Errorf("start on b did not report the collision with a's %s:\n%s", l.mac(l.a), out)
	}
	l.must(l.b, "monitor", p, 7)
	l.must(l.a, "stop", p, 0)
	l.must(l.b, "start", p, 0)
	l.must(l.b, "stop", p, 0)
}

// TestDuplicateIPv6: IPv6 duplicate address detection finds the address in
// use on a, so start on b fails and leaves nothing behind.
func TestDuplicateIPv6(t *testing.T) {
	l := newLab(t)
	p := map[string]string{"ip": "fd00:213:50::100", "cidr_netmask": "64", "arp_count": "1"}
	l.must(l.a, "start", p, 0)
	out := l.must(l.b, "start", p, 1)
	if !strings.Contains(out, "duplicate address detection failed") {
		t.Errorf("start on b did not report the duplicate:\n%s", out)
	}
	if got := l.b.MustExec(t, "ip", "-o", "-6", "addr", "show", "dev", "eth0"); strings.Contains(got, "fd00:213:50::100") {
		t.Errorf("the duplicate address was left on b:\n%s", got)
	}
	l.must(l.b, "monitor", p, 7)
	l.must(l.a, "stop", p, 0)
}

// TestNetworkNamespace runs the agent outside the server's namespace with
// network_namespace set: the address, the background announcer and the
// tickle record must all be in that namespace.
func TestNetworkNamespace(t *testing.T) {
	l := newLab(t)
	vip := netip.MustParseAddr("10.213.50.100")
	shared := t.TempDir()
	p := map[string]string{"ip": vip.String(), "cidr_netmask": "24", "arp_bg": "true", "arp_count": "2",
		"arp_interval": "200", "tickle_dir": shared}
	frames := capture(t, l.c.Name, vip, 1500*time.Millisecond)
	if code, out := l.runOutside(l.a, "start", p); code != 0 {
		t.Fatalf("start: exit %d\n%s", code, out)
	}
	if got := l.a.MustExec(t, "ip", "-o", "addr", "show", "dev", "eth0"); !strings.Contains(got, "10.213.50.100/24") {
		t.Fatalf("the address is not in %s:\n%s", l.a.Name, got)
	}
	macA := l.mac(l.a)
	n := 0
	for _, f := range <-frames {
		if f.sender == macA {
			n++
		}
	}
	if n != 2 {
		t.Errorf("the background announcer sent %d announcements into the namespace, want 2", n)
	}
	// A connection inside the namespace, which the monitor must find in
	// the namespace's TCP table, not the caller's.
	var ln net.Listener
	if err := bnetns.Do(l.a.Name, func() (err error) {
		ln, err = net.Listen("tcp", "10.213.50.100:2049")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var client net.Conn
	if err := bnetns.Do(l.c.Name, func() (err error) {
		client, err = net.DialTimeout("tcp", "10.213.50.100:2049", 5*time.Second)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); ln.Close() })
	if code, out := l.runOutside(l.a, "monitor", p); code != 0 {
		t.Fatalf("monitor: exit %d\n%s", code, out)
	}
	record, err := os.ReadFile(filepath.Join(shared, "baton-tickle-"+vip.String()))
	if err != nil || !strings.Contains(string(record), client.LocalAddr().String()) {
		t.Errorf("the tickle record does not list %s (%v):\n%s", client.LocalAddr(), err, record)
	}
	if code, out := l.runOutside(l.a, "stop", p); code != 0 {
		t.Fatalf("stop: exit %d\n%s", code, out)
	}
	if code, out := l.runOutside(l.a, "monitor", p); code != 7 {
		t.Fatalf("monitor after stop: exit %d\n%s", code, out)
	}
}
