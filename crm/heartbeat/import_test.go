package heartbeat

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/simulate"
	"github.com/baton-ha/baton/crm/verify"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// zeroes is a deterministic randomness source for golden output.
type zeroes struct{}

func (zeroes) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(i)
	}
	return len(b), nil
}

func seedPaths() Paths {
	return Paths{HACF: []string{"M1.redhat.sx=testdata/seed/ha.cf.m1", "testdata/seed/ha.cf.m2"},
		HAResources: "testdata/seed/haresources", AuthKeys: "testdata/seed/authkeys.crc", Exports: "testdata/seed/exports",
		Scripts: ScriptDirs{"testdata/seed"}}
}

func importSeed(t *testing.T, p Paths, o Options) *Plan {
	t.Helper()
	in, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	o.Rand = zeroes{}
	plan, err := Import(in, o)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", name, d)
	}
}

// TestSeed imports the seed's files: both nodes' ha.cf, the haresources
// with its commented-out line and its active DRBD + NFS line, authkeys with
// crc, /etc/exports and the hand-written nfsd script.
func TestSeed(t *testing.T) {
	plan := importSeed(t, seedPaths(), Options{})
	x, err := plan.CIB()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "seed-cib.xml", x)
	golden(t, "seed-m1.toml", []byte(plan.Configs["M1.redhat.sx"]))
	golden(t, "seed-m2.toml", []byte(plan.Configs["M2.redhat.sx"]))
	var pcs strings.Builder
	for _, c := range plan.PcsCommands("cib.xml") {
		pcs.WriteString(Quote(c) + "\n")
	}
	golden(t, "seed-pcs.txt", []byte(pcs.String()))

	// The commented-out line is not imported: one group, one clone.
	if len(plan.Groups) != 1 || len(plan.Clones) != 1 {
		t.Fatalf("groups %d, clones %d; want 1 and 1", len(plan.Groups), len(plan.Clones))
	}
	var types []string
	for _, m := range plan.Groups[0].Members {
		types = append(types, m.Type)
	}
	if got := strings.Join(types, " "); got != "Filesystem nfsserver exportfs IPaddr" {
		t.Errorf("group members %q", got)
	}
	// The crc key is refused: a fresh key, and a warning saying why.
	if len(plan.Key) != 32 || !hasLine(plan.Warnings, "crc, a checksum") {
		t.Errorf("key %q, warnings %q", plan.Key, plan.Warnings)
	}
	if !hasLine(plan.Notes, "testdata/seed/nfsd) that runs") {
		t.Errorf("the hand-written nfsd script was not recognised: %q", plan.Notes)
	}
	if !hasLine(plan.Warnings, "fsid=1 assigned") {
		t.Errorf("no warning about the missing fsid: %q", plan.Warnings)
	}
}

func hasLine(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// TestSeedSimulates runs the imported CIB through the scheduler: with both
// nodes up, the ping node reachable and DRBD's promotion score published,
// DRBD is promoted on M1 (the line's node) and the whole group starts there;
// with M1 failed, everything moves to M2.
func TestSeedSimulates(t *testing.T) {
	plan := importSeed(t, seedPaths(), Options{})
	x, err := plan.CIB()
	if err != nil {
		t.Fatal(err)
	}
	status := `<status>
  <node_state id="1" uname="M1.redhat.sx" in_ccm="true" crmd="online" join="member" expected="member">
    <transient_attributes id="1"><instance_attributes id="status-1">
      <nvpair id="s1-p" name="pingd" value="1"/><nvpair id="s1-m" name="master-drbd_drbd" value="10000"/>
    </instance_attributes></transient_attributes></node_state>
  <node_state id="2" uname="M2.redhat.sx" in_ccm="true" crmd="online" join="member" expected="member">
    <transient_attributes id="2"><instance_attributes id="status-2">
      <nvpair id="s2-p" name="pingd" value="1"/><nvpair id="s2-m" name="master-drbd_drbd" value="10000"/>
    </instance_attributes></transient_attributes></node_state>
</status>`
	x = bytes.Replace(x, []byte("<status/>"), []byte(status), 1)
	x = bytes.Replace(x, []byte(`admin_epoch="0"`), []byte(`admin_epoch="0" have-quorum="1"`), 1)
	doc, err := cib.Parse(x)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify.CIB(doc).Err(); err != nil {
		t.Fatalf("verify: %v", err)
	}
	var out bytes.Buffer
	if _, err := simulate.Run(&out, doc, simulate.Options{Run: true, Simulate: true, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Promote    drbd_drbd:0", "Start      fs_data", "Start      nfsserver", "Start      exportfs_data", "Start      ip_192.168.0.219"} {
		line := ""
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.Contains(l, want) {
				line = l
			}
		}
		if !strings.Contains(line, "M1.redhat.sx") {
			t.Errorf("no %q on M1.redhat.sx in:\n%s", want, out.String())
		}
	}
	// M1 fails: the group goes to M2.
	doc, _ = cib.Parse(x)
	if err := (simulate.Injection{NodeFail: []string{"M1.redhat.sx"}}).Apply(doc); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if _, err := simulate.Run(&out, doc, simulate.Options{Run: true, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "M2.redhat.sx") || strings.Contains(out.String(), "Start      fs_data  ( M1") {
		t.Errorf("with M1 failed:\n%s", out.String())
	}
}

func TestAuthKeys(t *testing.T) {
	p := seedPaths()
	p.AuthKeys = "testdata/seed/authkeys.sha1"
	// sha1 without --keep-authkeys: a new key all the same.
	plan := importSeed(t, p, Options{})
	if strings.Contains(string(plan.Key), "7c4a8d") {
		t.Errorf("sha1 secret carried over without being asked")
	}
	plan = importSeed(t, p, Options{KeepAuthKeys: true})
	if string(plan.Key) != "7c4a8d09ca3762af61e59520943dc26494f8941b" {
		t.Errorf("--keep-authkeys: key %q", plan.Key)
	}
	// crc is never carried over, even when asked.
	p.AuthKeys = "testdata/seed/authkeys.crc"
	plan = importSeed(t, p, Options{KeepAuthKeys: true})
	if !hasLine(plan.Warnings, "crc") || len(plan.Key) != 32 {
		t.Errorf("crc with --keep-authkeys: key %q warnings %q", plan.Key, plan.Warnings)
	}
}

func TestAutoFailbackOff(t *testing.T) {
	in, err := Load(seedPaths())
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range in.HACF {
		h.AutoFailback = "off"
	}
	plan, err := Import(in, Options{Rand: zeroes{}})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]NV{{"resource-stickiness", "200"}}, plan.Defaults); d != "" {
		t.Errorf("auto_failback off: %s", d)
	}
}

// TestUnknownScript keeps a script it does not know as an lsb resource, with
// a warning, and recognises an NFS script by what it runs.
func TestUnknownScript(t *testing.T) {
	hacf, _ := ParseHACF("ha.cf", strings.NewReader("node a b\nucast eth0 10.0.0.2\nucast eth1 10.1.0.2\nauto_failback on\n"))
	res, err := ParseHAResources("haresources", strings.NewReader("a 10.0.0.9 Filesystem::/dev/sdb1::/srv::xfs nfs-ha MailTo::root::failover\n"))
	if err != nil {
		t.Fatal(err)
	}
	in := Input{HACF: []*HACF{hacf}, Owner: []string{"a"}, Resources: res, ResourcesFile: "haresources",
		Scripts: MapScripts{"nfs-ha": "#!/bin/sh\nstart) /usr/sbin/rpc.nfsd 16 ;;\n"}}
	plan, err := Import(in, Options{Rand: zeroes{}, Addresses: map[string]map[string]string{"a": {"eth0": "10.0.0.1", "eth1": "10.1.0.1"}}})
	if err != nil {
		t.Fatal(err)
	}
	var agents []string
	for _, m := range plan.Groups[0].Members {
		agents = append(agents, m.Agent())
	}
	if d := cmp.Diff([]string{"ocf:baton:Filesystem", "ocf:baton:nfsserver", "lsb:MailTo", "ocf:baton:IPaddr"}, agents); d != "" {
		t.Errorf("agents: %s", d)
	}
	if !hasLine(plan.Warnings, "MailTo::root::failover: unknown resource script, kept as lsb:MailTo") {
		t.Errorf("no warning for MailTo: %q", plan.Warnings)
	}
}

// TestBroadcastNeedsAddresses: bcast names only the interface, so the
// import asks for the addresses, naming the flags to add.
func TestBroadcastNeedsAddresses(t *testing.T) {
	hacf, _ := ParseHACF("ha.cf", strings.NewReader("node a b\nbcast eth0 eth1\n"))
	res, _ := ParseHAResources("haresources", strings.NewReader("a 10.0.0.9\n"))
	in := Input{HACF: []*HACF{hacf}, Resources: res, ResourcesFile: "haresources"}
	_, err := Import(in, Options{Rand: zeroes{}})
	if err == nil || !strings.Contains(err.Error(), "--address a:eth0=IP --address b:eth0=IP --address a:eth1=IP --address b:eth1=IP") {
		t.Fatalf("error %v", err)
	}
	plan, err := Import(in, Options{Rand: zeroes{}, Addresses: map[string]map[string]string{
		"a": {"eth0": "10.0.0.1", "eth1": "10.1.0.1"}, "b": {"eth0": "10.0.0.2", "eth1": "10.1.0.2"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan.Configs["b"], `addresses = ["10.0.0.1", "10.1.0.1"]`) {
		t.Errorf("b's config:\n%s", plan.Configs["b"])
	}
}

// TestMalformed: every bad input is refused with the file and line at
// fault.
func TestMalformed(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("ha.cf", "node a b\nucast eth0 10.0.0.2\nucast eth1 10.1.0.2\n")
	goodRes := write("haresources", "a 10.0.0.9\n")
	for _, tc := range []struct {
		name, file, text, want string
	}{
		{"unknown directive", "ha.cf", "node a b\nkeepalive 2\nheartbeat_speed 9\n", "ha.cf:3: unknown directive \"heartbeat_speed\""},
		{"bad time", "ha.cf", "node a b\ndeadtime soon\n", "ha.cf:2: deadtime: \"soon\" is not a time"},
		{"bad ucast", "ha.cf", "node a b\nucast eth0\n", "ha.cf:2: ucast: expected"},
		{"ucast name", "ha.cf", "node a b\nucast eth0 peer.example\n", "ha.cf:2: ucast: \"peer.example\" is not an IP address"},
		{"bad mcast", "ha.cf", "node a b\nmcast eth0 10.0.0.1 694 1 0\n", "ha.cf:2: mcast: \"10.0.0.1\" is not a multicast group"},
		{"bad failback", "ha.cf", "node a b\nauto_failback maybe\n", "ha.cf:2: auto_failback: \"maybe\""},
		{"no nodes", "ha.cf", "keepalive 2\n", "ha.cf: no node directive"},
		{"bad port", "ha.cf", "node a b\nudpport 70000\n", "ha.cf:2: udpport"},
		{"timing order", "ha.cf", "node a b\nkeepalive 2\nwarntime 40\ndeadtime 30\nucast eth0 10.0.0.2\nucast eth1 10.1.0.2\n", "ha.cf: need keepalive < warntime < deadtime"},
		{"node only", "haresources", "# resources\n\na\n", "haresources:3: \"a\" names a node but no resources"},
		{"unknown node", "haresources", "c 10.0.0.9\n", "haresources:1: node \"c\" is not one of ha.cf's nodes"},
		{"empty arg", "haresources", "a Filesystem::::/data\n", "haresources:1: \"Filesystem::::/data\": empty"},
		{"bad filesystem", "haresources", "a Filesystem::/dev/sdb1\n", "haresources:1: Filesystem::/dev/sdb1: expected Filesystem::DEVICE::DIRECTORY"},
		{"bad ip", "haresources", "a IPaddr::10.0.0.300/24\n", "haresources:1: IPaddr::10.0.0.300/24: \"10.0.0.300/24\" is not ADDRESS"},
		{"bad mask", "haresources", "a IPaddr::10.0.0.9/255.0.255.0/eth0\n", "haresources:1: IPaddr::10.0.0.9/255.0.255.0/eth0: netmask \"255.0.255.0\" is not a contiguous netmask"},
		{"drbd all", "haresources", "a drbddisk Filesystem::/dev/drbd0::/data\n", "haresources:1: drbddisk: name the DRBD resource"},
		{"all commented", "haresources", "#a 10.0.0.9\n", "haresources: no active resource line"},
		{"no auth", "authkeys", "1 crc\n", "authkeys: no \"auth N\" line"},
		{"auth missing", "authkeys", "auth 3\n1 crc\n", "authkeys:1: auth 3: no key 3"},
		{"sha1 no secret", "authkeys", "auth 1\n1 sha1\n", "authkeys:2: key 1: sha1 needs a secret"},
		{"bad method", "authkeys", "auth 1\n1 rot13 abc\n", "authkeys:2: key 1: unknown method \"rot13\""},
		{"exports relative", "exports", "data *(rw)\n", "exports:1: \"data\" is not an absolute path"},
		{"exports parens", "exports", "/data host(rw\n", "exports:1: \"host(rw\": unbalanced"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Paths{HACF: []string{"a=" + good}, HAResources: goodRes}
			path := write(tc.file+"-"+strings.ReplaceAll(tc.name, " ", "_"), tc.text)
			switch tc.file {
			case "ha.cf":
				p.HACF = []string{"a=" + path}
			case "haresources":
				p.HAResources = path
			case "authkeys":
				p.AuthKeys = path
			case "exports":
				p.Exports = path
			}
			in, err := Load(p)
			if err == nil {
				_, err = Import(in, Options{Rand: zeroes{}, Addresses: map[string]map[string]string{"a": {"eth0": "10.0.0.1", "eth1": "10.1.0.1"}}})
			}
			want := filepath.Base(path) + strings.TrimPrefix(tc.want, tc.file)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %v; want it to contain %q", err, want)
			}
		})
	}
}
