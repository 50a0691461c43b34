package nfsdfs

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseEtab(t *testing.T) {
	// As exportfs (nfs-utils 2.6) writes it.
	text := "/data/export\t<world>(rw,sync,wdelay,hide,nocrossmnt,secure,no_root_squash,no_all_squash,no_subtree_check,secure_locks,acl,no_pnfs,fsid=1,anonuid=65534,anongid=65534,sec=sys,rw,secure,no_root_squash,no_all_squash)\n" +
		"/data/with\\040space\t10.0.0.0/24(ro,fsid=2)\n"
	got, err := ParseEtab([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Dir != "/data/export" || got[0].Client != "<world>" || got[1].Dir != "/data/with space" || got[1].Client != "10.0.0.0/24" {
		t.Fatalf("got %+v", got)
	}
	if v, ok := got[0].Option("fsid"); !ok || v != "1" {
		t.Fatalf("fsid = %q %v", v, ok)
	}
	for _, bad := range []string{"/x\n", "/x client\n", "/x a(b) c\n"} {
		if _, err := ParseEtab([]byte(bad)); err == nil {
			t.Errorf("ParseEtab(%q) accepted", bad)
		}
	}
}

func TestMountInfo(t *testing.T) {
	text := "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n" +
		"60 22 147:0 / /data rw,relatime shared:30 - ext4 /dev/drbd0 rw\n" +
		"61 22 147:0 /nfs /var/lib/nfs rw,relatime - ext4 /dev/drbd0 rw\n"
	m, err := ParseMountInfo([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{"/data/export": "/data", "/data": "/data", "/database": "/", "/var/lib/nfs/sm": "/var/lib/nfs"} {
		if got, _ := MountOf(m, p); got.Point != want {
			t.Errorf("MountOf(%s) = %s, want %s", p, got.Point, want)
		}
	}
	if m[2].Root != "/nfs" || m[2].Source != "/dev/drbd0" || m[2].FSType != "ext4" {
		t.Errorf("bind mount parsed as %+v", m[2])
	}
	if !IsMountPoint(m, "/data/") || IsMountPoint(m, "/data/export") {
		t.Error("IsMountPoint wrong")
	}
}

func TestFS(t *testing.T) {
	root := t.TempDir()
	w := func(p, s string) {
		_ = os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755)
		_ = os.WriteFile(filepath.Join(root, p), []byte(s), 0o644)
	}
	fs := New(root)
	if n, err := fs.Threads(); n != 0 || err != nil {
		t.Fatalf("Threads without nfsd = %d, %v", n, err)
	}
	w("/proc/fs/nfsd/threads", "8\n")
	w("/proc/fs/nfsd/nfsv4leasetime", "10\n")
	w("/proc/12/comm", "rpc.mountd\n")
	w("/proc/3/comm", "rpc.mountd\n")
	w("/proc/5/comm", "nfsd\n")
	w("/proc/7/comm", "rpc.mountd\n")
	w("/proc/7/stat", "7 (rpc.mountd) Z 1 7 7 0 -1 4228108 0 0 0 0\n")
	w("/proc/self/comm", "x\n")
	if n, err := fs.Threads(); n != 8 || err != nil {
		t.Fatalf("Threads = %d, %v", n, err)
	}
	if n, err := fs.ReadInt(LeaseTimeFile); n != 10 || err != nil {
		t.Fatalf("lease = %d, %v", n, err)
	}
	if p, _ := fs.Pids("rpc.mountd"); !reflect.DeepEqual(p, []int{3, 12}) {
		t.Fatalf("Pids = %v", p)
	}
	if fs.Comm(5) != "nfsd" || fs.Comm(6) != "" {
		t.Fatal("Comm wrong")
	}
	w("/proc/fs/nfsd/threads", "lots\n")
	if _, err := fs.Threads(); err == nil {
		t.Fatal("garbage threads accepted")
	}
}

func FuzzParseEtab(f *testing.F) {
	f.Add([]byte("/data\t*(rw,fsid=1)\n"))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseEtab(b) })
}

func FuzzParseMountInfo(f *testing.F) {
	f.Add([]byte("22 1 254:1 / / rw - ext4 /dev/vda1 rw\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMountInfo(b)
		if err == nil {
			MountOf(m, "/data/x")
		}
	})
}

func FuzzUnescape(f *testing.F) {
	f.Add(`/a\040b\`)
	f.Fuzz(func(t *testing.T, s string) { _ = Unescape(s) })
}

func TestFreeBytes(t *testing.T) {
	fs := New(t.TempDir())
	n, err := fs.FreeBytes("/")
	if err != nil || n == 0 {
		t.Fatalf("FreeBytes of a temporary directory: %d, %v", n, err)
	}
	if _, err := fs.FreeBytes("/no/such/dir"); err == nil {
		t.Fatal("FreeBytes of a missing path: no error")
	}
}
