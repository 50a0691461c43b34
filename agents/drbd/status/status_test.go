package status

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fixtures under testdata/drbd84 were recorded from DRBD 8.4.11 with
// drbd-utils 9.22 in the VM tier's guests (tests/e2e TestRecordDRBD84 with
// BATON_RECORD=1): NAME.status is `drbdsetup status r0`, NAME.verbose the
// same with --verbose --statistics, NAME.proc is /proc/drbd, NAME.*.err the
// exit status and standard error of a failed command.

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "drbd84", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type want struct {
	role        Role
	disk        Disk
	peerConn    string // "" for no peer listed (StandAlone on 8.4)
	peerRole    Role
	peerDisk    Disk // "" when the report has no peer volume line
	replication string
	connected   bool
}

var statusCases = map[string]want{
	"alone-inconsistent-nodea":     {Secondary, Inconsistent, "Connecting", Unknown, "", "", false},
	"connected-inconsistent-nodea": {Secondary, Inconsistent, "Connected", Secondary, Inconsistent, "Established", true},
	"connected-inconsistent-nodeb": {Secondary, Inconsistent, "Connected", Secondary, Inconsistent, "Established", true},
	"syncing-nodea":                {Primary, UpToDate, "Connected", Secondary, Inconsistent, "SyncSource", true},
	"syncing-nodeb":                {Secondary, Inconsistent, "Connected", Primary, UpToDate, "SyncTarget", true},
	"connected-primary-nodea":      {Primary, UpToDate, "Connected", Secondary, UpToDate, "Established", true},
	"connected-primary-nodeb":      {Secondary, UpToDate, "Connected", Primary, UpToDate, "Established", true},
	"connected-secondary-nodea":    {Secondary, UpToDate, "Connected", Secondary, UpToDate, "Established", true},
	"connected-secondary-nodeb":    {Secondary, UpToDate, "Connected", Secondary, UpToDate, "Established", true},
	"cut-nodea":                    {Primary, UpToDate, "Connecting", Unknown, "", "", false},
	"cut-nodeb":                    {Secondary, UpToDate, "Connecting", Unknown, "", "", false},
	"standalone-nodeb":             {Secondary, UpToDate, "", "", "", "", false},
	"outdated-nodeb":               {Secondary, Outdated, "Connecting", Unknown, "", "", false},
	"diskless-nodeb":               {Secondary, Diskless, "Connecting", Unknown, "", "", false},
}

// verbosePeerDisk is what --verbose adds: the peer disk state even while
// disconnected. After the fence-peer handler returned 4, nodea's DRBD
// remembers its peer as Outdated.
var verbosePeerDisk = map[string]Disk{
	"alone-inconsistent-nodea": DUnknown,
	"cut-nodea":                Outdated,
	"cut-nodeb":                DUnknown,
}

func check(t *testing.T, name string, r Resource, w want, verbose bool) {
	t.Helper()
	if r.Name != "r0" || r.Role != w.role {
		t.Errorf("%s: resource %q role %q, want r0 %q", name, r.Name, r.Role, w.role)
	}
	if len(r.Volumes) != 1 || r.Volumes[0].Disk != w.disk {
		t.Errorf("%s: volumes %+v, want one %s", name, r.Volumes, w.disk)
	}
	if w.peerConn == "" {
		if len(r.Peers) != 0 {
			t.Errorf("%s: peers %+v, want none", name, r.Peers)
		}
		if !r.StandAlone() {
			t.Errorf("%s: not StandAlone", name)
		}
		return
	}
	if len(r.Peers) != 1 {
		t.Fatalf("%s: peers %+v, want one", name, r.Peers)
	}
	p := r.Peers[0]
	if p.Name != "peer" || p.Connection != w.peerConn {
		t.Errorf("%s: peer %q connection %q, want peer %q", name, p.Name, p.Connection, w.peerConn)
	}
	wantRole := w.peerRole
	if !verbose && w.peerConn != "Connected" {
		wantRole = Unknown // the short report leaves the role out
	}
	if p.Role != wantRole {
		t.Errorf("%s: peer role %q, want %q", name, p.Role, wantRole)
	}
	wantDisk := w.peerDisk
	if verbose && wantDisk == "" {
		wantDisk = verbosePeerDisk[strings.TrimSuffix(name, ".verbose")]
	}
	switch {
	case wantDisk == "" && len(p.Volumes) != 0:
		t.Errorf("%s: peer volumes %+v, want none", name, p.Volumes)
	case wantDisk != "" && (len(p.Volumes) != 1 || p.Volumes[0].Disk != wantDisk):
		t.Errorf("%s: peer volumes %+v, want one %s", name, p.Volumes, wantDisk)
	case w.replication != "" && p.Volumes[0].Replication != w.replication:
		t.Errorf("%s: replication %q, want %q", name, p.Volumes[0].Replication, w.replication)
	}
	if r.Connected() != w.connected {
		t.Errorf("%s: Connected() = %v, want %v", name, r.Connected(), w.connected)
	}
	if r.StandAlone() {
		t.Errorf("%s: StandAlone() with a peer trying to connect", name)
	}
}

func TestParseStatusRecorded(t *testing.T) {
	for name, w := range statusCases {
		for _, kind := range []string{"status", "verbose"} {
			path := filepath.Join("testdata", "drbd84", name+"."+kind)
			if _, err := os.Stat(path); err != nil {
				if kind == "status" {
					t.Errorf("missing fixture %s", path)
				}
				continue
			}
			rs, err := ParseStatus(fixture(t, name+"."+kind))
			if err != nil {
				t.Fatalf("%s.%s: %v", name, kind, err)
			}
			if len(rs) != 1 {
				t.Fatalf("%s.%s: %d resources, want 1", name, kind, len(rs))
			}
			check(t, name+"."+kind, rs[0], w, kind == "verbose")
		}
	}
}

func TestSyncProgress(t *testing.T) {
	rs, err := ParseStatus(fixture(t, "syncing-nodeb.status"))
	if err != nil {
		t.Fatal(err)
	}
	if !rs[0].Syncing() || rs[0].Peers[0].Volumes[0].Done == "" {
		t.Errorf("syncing-nodeb: Syncing()=%v done=%q, want a resync with progress", rs[0].Syncing(), rs[0].Peers[0].Volumes[0].Done)
	}
	rs, _ = ParseStatus(fixture(t, "connected-primary-nodea.status"))
	if rs[0].Syncing() {
		t.Error("connected-primary-nodea: Syncing() after the resync")
	}
}

// TestDownReports pins the text the agent relies on to tell "not running"
// from a failure.
func TestDownReports(t *testing.T) {
	for _, name := range []string{"nomodule.status.err", "down.status.err"} {
		e := fixture(t, name)
		if !strings.HasPrefix(e, "exit 10\n") || !strings.Contains(e, "No such resource") {
			t.Errorf("%s = %q, want exit 10 and No such resource", name, e)
		}
	}
}

func TestParseStatusErrors(t *testing.T) {
	for _, in := range []string{
		"  disk:UpToDate\n",          // volume before any resource
		"role:Primary\n",             // no resource name
		"r0 role:Primary\n  a:b c\n", // peer line without a name
	} {
		if _, err := ParseStatus(in); err == nil {
			t.Errorf("ParseStatus(%q) accepted malformed input", in)
		}
	}
}

var procCases = map[string]Minor{
	"alone-inconsistent-nodea":     {Conn: "WFConnection", Role: Secondary, PeerRole: Unknown, Disk: Inconsistent, PeerDisk: DUnknown},
	"connected-inconsistent-nodea": {Conn: "Connected", Role: Secondary, PeerRole: Secondary, Disk: Inconsistent, PeerDisk: Inconsistent},
	"syncing-nodea":                {Conn: "SyncSource", Role: Primary, PeerRole: Secondary, Disk: UpToDate, PeerDisk: Inconsistent},
	"syncing-nodeb":                {Conn: "SyncTarget", Role: Secondary, PeerRole: Primary, Disk: Inconsistent, PeerDisk: UpToDate},
	"connected-primary-nodea":      {Conn: "Connected", Role: Primary, PeerRole: Secondary, Disk: UpToDate, PeerDisk: UpToDate},
	"cut-nodea":                    {Conn: "WFConnection", Role: Primary, PeerRole: Unknown, Disk: UpToDate, PeerDisk: Outdated},
	"cut-nodeb":                    {Conn: "WFConnection", Role: Secondary, PeerRole: Unknown, Disk: UpToDate, PeerDisk: DUnknown},
	"standalone-nodeb":             {Conn: "StandAlone", Role: Secondary, PeerRole: Unknown, Disk: UpToDate, PeerDisk: DUnknown},
	"outdated-nodeb":               {Conn: "WFConnection", Role: Secondary, PeerRole: Unknown, Disk: Outdated, PeerDisk: DUnknown},
	"diskless-nodeb":               {Conn: "WFConnection", Role: Secondary, PeerRole: Unknown, Disk: Diskless, PeerDisk: DUnknown},
}

func TestParseProcRecorded(t *testing.T) {
	for name, w := range procCases {
		p, err := ParseProc(fixture(t, name+".proc"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Version != "8.4.11" || p.API != "1" || p.Major() != 8 {
			t.Errorf("%s: version %q api %q", name, p.Version, p.API)
		}
		got, ok := p.Minors[0]
		if !ok || len(p.Minors) != 1 {
			t.Fatalf("%s: minors %+v, want minor 0 only", name, p.Minors)
		}
		got.Done = ""
		if got != w {
			t.Errorf("%s: minor 0 = %+v, want %+v", name, got, w)
		}
	}
	p, err := ParseProc(fixture(t, "syncing-nodeb.proc"))
	if err != nil || p.Minors[0].Done == "" {
		t.Errorf("syncing-nodeb: no resync progress parsed: %+v %v", p, err)
	}
	p, err = ParseProc(fixture(t, "down.proc"))
	if err != nil || len(p.Minors) != 0 || p.Version != "8.4.11" {
		t.Errorf("down.proc: %+v %v, want version only", p, err)
	}
}

func TestReadProc(t *testing.T) {
	if _, err := ReadProc(t.TempDir()); err != ErrNoModule {
		t.Errorf("ReadProc on a tree without drbd: %v, want ErrNoModule", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "drbd"), []byte(fixture(t, "cut-nodea.proc")), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := ReadProc(dir)
	if err != nil || p.Minors[0].Role != Primary {
		t.Errorf("ReadProc: %+v %v", p, err)
	}
	if _, err := ParseProc("garbage\n"); err == nil {
		t.Error("ParseProc accepted text without a version line")
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"8.4.11", "8.0.0", 1}, {"8.4.11", "10.0.0", -1}, {"9.0.16", "9.0.16", 0}, {"8.4.9", "8.4.11", -1},
	} {
		if got := CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func FuzzParseStatus(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "drbd84", "*.status"))
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := ParseStatus(s)
		if err != nil {
			return
		}
		for _, r := range rs {
			_ = r.Connected()
			_ = r.StandAlone()
			_ = r.Syncing()
		}
	})
}

func FuzzParseProc(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "drbd84", "*.proc"))
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseProc(s)
		if err == nil {
			_ = p.Major()
		}
	})
}
