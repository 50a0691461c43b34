package ganesha

import (
	"flag"

	"github.com/baton-ha/baton/agents/nfsbackend/clientspec"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func TestServerRender(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Server
	}{
		{"server-v3v4.conf", Server{NFSPort: 2049, MountPort: 20048, Protocols: []int{3, 4}, GraceTime: 10, LeaseTime: 10,
			RecoveryRoot: "/data/nfs/ganesha", ServerScope: "10.0.0.100", ExportsDir: "/run/baton/ganesha/exports.d"}},
		{"server-v4.conf", Server{NFSPort: 2049, Protocols: []int{4}, GraceTime: 90, LeaseTime: 60, IOThreads: 16,
			RecoveryRoot: "/var/lib/nfs/ganesha", ExportsDir: "/run/baton/ganesha/exports.d"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.s.Render()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, b)
		})
	}
}

func TestServerRenderRejects(t *testing.T) {
	for _, s := range []Server{
		{Protocols: []int{4}, ServerScope: "a\"b"},
		{Protocols: []int{4}, RecoveryRoot: "/x;\nEXPORT{"},
		{Protocols: nil},
	} {
		if _, err := s.Render(); err == nil {
			t.Errorf("Render(%+v) accepted", s)
		}
	}
}

func TestExportFromKernelOptions(t *testing.T) {
	for _, tc := range []struct {
		name, clients, options string
		ignored                string
		err                    string
	}{
		{name: "export-world-rw.conf", clients: "*", options: "rw,no_root_squash,sync,no_subtree_check", ignored: "sync,no_subtree_check"},
		{name: "export-net-ro.conf", clients: "10.0.0.0/24 client.example", options: "ro,all_squash,anonuid=1000,anongid=1000,sec=sys:krb5"},
		{name: "export-seed.conf", clients: "192.168.0.0/24", options: "rw,sync,no_root_squash", ignored: "sync"},
		{name: "export-mixed.conf", clients: "client1.example,fd00:77::/64 10.1.0.0/255.255.0.0 @nfsclients *.lab.example 192.168.7.9", options: "rw"},
		{name: "bad-clientspec", clients: "*;rm", options: "rw", err: "clientspec"},
		{name: "bad-option", clients: "*", options: "rw,frobnicate", err: "frobnicate"},
		{name: "bad-sec", clients: "*", options: "sec=lkey", err: "lkey"},
		{name: "bad-anon", clients: "*", options: "anonuid=x", err: "anonuid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, ign, err := FromKernelOptions(42, "/data/export", tc.clients, tc.options)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(ign, ",") != tc.ignored {
				t.Errorf("ignored = %q, want %q", strings.Join(ign, ","), tc.ignored)
			}
			b, err := e.Render()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, b)
		})
	}
}

func TestExportRenderRejects(t *testing.T) {
	for _, e := range []Export{
		{ID: 0, Path: "/x", Pseudo: "/x"},
		{ID: 70000, Path: "/x", Pseudo: "/x"},
		{ID: 1, Path: "/x\";", Pseudo: "/x"},
		{ID: 1, Path: "/x", Pseudo: "/x", Clients: []clientspec.Client{{Kind: clientspec.Host, Raw: "a}b"}}},
		{ID: 1, Path: "/x", Pseudo: "/x", Clients: []clientspec.Client{{Kind: clientspec.Wildcard, Raw: "\"*\""}}},
	} {
		if _, err := e.Render(); err == nil {
			t.Errorf("Render(%+v) accepted", e)
		}
	}
}

func TestExportFile(t *testing.T) {
	d := Dir("/run/baton/ganesha")
	if got := d.ExportFile("exp:0/../x"); got != "/run/baton/ganesha/exports.d/exp_0_.._x.conf" {
		t.Fatalf("ExportFile = %s", got)
	}
}

func FuzzFromKernelOptions(f *testing.F) {
	f.Add("*", "rw,no_root_squash")
	f.Add("10.0.0.0/24", "ro,sec=sys:krb5,anonuid=3")
	f.Fuzz(func(t *testing.T, clients, options string) {
		e, _, err := FromKernelOptions(1, "/data/export", clients, options)
		if err != nil {
			return
		}
		b, err := e.Render()
		if err != nil {
			return
		}
		// Whatever the input, the block stays one EXPORT block.
		if strings.Count(string(b), "EXPORT {") != 1 || strings.Count(string(b), "{") != strings.Count(string(b), "}") {
			t.Fatalf("options %q clients %q broke the block:\n%s", options, clients, b)
		}
	})
}
