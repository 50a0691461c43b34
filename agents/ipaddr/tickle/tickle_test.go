package tickle

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func conn(local, remote string) Conn {
	return Conn{Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote)}
}

// The fixture holds, for 10.213.50.100:2049, two established IPv4
// connections, one in TIME_WAIT, a listener, a connection to another local
// address, and in tcp6 a dual-stack IPv4 connection (mapped addresses), a
// duplicate of one in tcp, and an IPv6 connection.
func TestEstablished(t *testing.T) {
	cases := []struct {
		addr string
		want []Conn
	}{
		{"10.213.50.100", []Conn{
			conn("10.213.50.100:2049", "10.213.50.3:41394"),
			conn("10.213.50.100:2049", "10.213.50.4:1023"),
			conn("10.213.50.100:2049", "10.213.50.6:45056"),
		}},
		{"fd00:213:50::100", []Conn{conn("[fd00:213:50::100]:2049", "[fd00:213:50::3]:41394")}},
		{"10.213.50.1", []Conn{conn("10.213.50.1:22", "10.213.50.3:49152")}},
		{"10.213.50.200", nil},
	}
	for _, tc := range cases {
		got, err := Established("testdata/proc", netip.MustParseAddr(tc.addr))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.addr, got, tc.want)
		}
	}
}

func TestEstablishedWithoutIPv6(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile("testdata/proc/net/tcp")
	if err := os.WriteFile(filepath.Join(root, "net", "tcp"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Established(root, netip.MustParseAddr("10.213.50.100"))
	if err != nil || len(got) != 2 {
		t.Fatalf("got %v, %v; want the two IPv4 connections", got, err)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	dir := t.TempDir()
	addr := netip.MustParseAddr("10.213.50.100")
	if cs, err := Load(dir, addr); err != nil || cs != nil {
		t.Fatalf("missing record: got %v, %v; want nothing", cs, err)
	}
	cs := []Conn{conn("10.213.50.100:2049", "10.213.50.3:41394"), conn("10.213.50.100:111", "10.213.50.4:800")}
	if err := Save(dir, addr, cs); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir, addr)
	if err != nil || !reflect.DeepEqual(got, cs) {
		t.Fatalf("got %v, %v; want %v", got, err, cs)
	}
	// An unchanged record is not rewritten.
	st1, _ := os.Stat(RecordPath(dir, addr))
	if err := Save(dir, addr, cs); err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(RecordPath(dir, addr))
	if !os.SameFile(st1, st2) {
		t.Error("an unchanged record was replaced")
	}
	if err := Save(dir, addr, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := Load(dir, addr); len(got) != 0 {
		t.Errorf("after saving no connections, got %v", got)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".baton-tickle-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		name, in string
		want     []Conn
		err      string
	}{
		{"empty", "", nil, ""},
		{"comments", "# header\n\n  \n", nil, ""},
		{"v4", "10.0.0.1:2049 10.0.0.2:800\n", []Conn{conn("10.0.0.1:2049", "10.0.0.2:800")}, ""},
		{"v6", "[fd00::1]:2049 [fd00::2]:800", []Conn{conn("[fd00::1]:2049", "[fd00::2]:800")}, ""},
		{"mapped", "[::ffff:10.0.0.1]:2049 [::ffff:10.0.0.2]:800", []Conn{conn("10.0.0.1:2049", "10.0.0.2:800")}, ""},
		{"one-field", "10.0.0.1:2049\n", nil, "line 1"},
		{"bad-local", "# c\nx 10.0.0.2:800\n", nil, "line 2: local"},
		{"bad-remote", "10.0.0.1:2049 10.0.0.2\n", nil, "remote"},
		{"mixed", "10.0.0.1:2049 [fd00::2]:800\n", nil, "families"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one mentioning %q", err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add("10.0.0.1:2049 10.0.0.2:800\n# x\n[fd00::1]:1 [fd00::2]:2\n")
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, in string) {
		cs, err := Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		// Whatever parses survives a round trip through Format.
		again, err := Parse(bytes.NewReader(Format(netip.MustParseAddr("10.0.0.1"), cs)))
		if err != nil || len(again) != len(cs) {
			t.Fatalf("round trip of %v: %v, %v", cs, again, err)
		}
	})
}

// The expected segments were computed independently (Python's struct and
// ipaddress modules, RFC 1071 sum).
func TestSegment(t *testing.T) {
	cases := []struct {
		src, dst string
		want     string
	}{
		{"10.213.50.100:2049", "10.213.50.3:41394", "0801a1b20000000000000000501002008a100000"},
		{"[fd00:213:50::100]:2049", "[fd00:213:50::3]:41394", "0801a1b200000000000000005010020004570000"},
	}
	for _, tc := range cases {
		src, dst := netip.MustParseAddrPort(tc.src), netip.MustParseAddrPort(tc.dst)
		got := Segment(src, dst, 0, 0)
		if hex.EncodeToString(got) != tc.want {
			t.Errorf("%s -> %s: got %x, want %s", tc.src, tc.dst, got, tc.want)
		}
		// A receiver's check: the sum over pseudo-header and segment,
		// checksum included, is all ones, i.e. the complement is 0.
		if c := checksum(src.Addr(), dst.Addr(), got); c != 0 {
			t.Errorf("%s -> %s: verification sum %#x, want 0", tc.src, tc.dst, c)
		}
	}
}

func TestParseTableErrors(t *testing.T) {
	addr := netip.MustParseAddr("10.213.50.100")
	for _, in := range []string{
		"hdr\n 0: 6432D50A:0801\n",
		"hdr\n 0: 6432D50A:0801 0332D50A:A1B2 ZZ\n",
		"hdr\n 0: 6432D5:0801 0332D50A:A1B2 01\n",
		"hdr\n 0: 6432D50A:G801 0332D50A:A1B2 01\n",
		"hdr\n 0: 6432D50A:0801 0332D50A 01\n",
	} {
		if cs, err := ParseTable(strings.NewReader(in), addr); err == nil {
			t.Errorf("%q: parsed as %v", in, cs)
		}
	}
}

func FuzzParseTable(f *testing.F) {
	for _, name := range []string{"testdata/proc/net/tcp", "testdata/proc/net/tcp6"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	addr := netip.MustParseAddr("10.213.50.100")
	f.Fuzz(func(t *testing.T, in string) {
		cs, err := ParseTable(strings.NewReader(in), addr)
		if err != nil {
			return
		}
		for _, c := range cs {
			if c.Local.Addr() != addr {
				t.Fatalf("%v does not belong to %s", c, addr)
			}
		}
	})
}
