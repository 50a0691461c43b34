package holders

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// A fixture /proc: links point to paths under /data (mount 40, device 8:16),
// /data/sub (mount 41, same device: a bind mount), / (mount 1) or /srv
// (mount 50, device 8:32). fakeMountID plays statx by link target.
type procFixture struct {
	t    *testing.T
	root string
}

func newProc(t *testing.T) *procFixture { return &procFixture{t: t, root: t.TempDir()} }

func (p *procFixture) file(rel, content string) {
	path := filepath.Join(p.root, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func (p *procFixture) link(rel, target string) {
	path := filepath.Join(p.root, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		p.t.Fatal(err)
	}
}

type proc struct {
	pid       int
	comm      string
	fds       map[int]string // fd -> target; mnt_id derived from it
	cwd, root string
	maps      []string // lines of maps; map_files links derived
	state     string
}

func mountOf(target string) int {
	switch {
	case strings.HasPrefix(target, "/data/sub/") || target == "/data/sub":
		return 41
	case strings.HasPrefix(target, "/data/") || target == "/data":
		return 40
	case strings.HasPrefix(target, "/srv"):
		return 50
	}
	return 1
}

func (p *procFixture) add(pr proc) {
	d := strconv.Itoa(pr.pid)
	if pr.state == "" {
		pr.state = "S"
	}
	p.file(d+"/comm", pr.comm+"\n")
	p.file(d+"/stat", d+" ("+pr.comm+") "+pr.state+" 1 1 1 0 -1\n")
	for fd, target := range pr.fds {
		n := strconv.Itoa(fd)
		p.link(d+"/fd/"+n, target)
		id := mountOf(target)
		if strings.HasPrefix(target, "socket:") || strings.HasPrefix(target, "pipe:") {
			id = 9 // sockfs and pipefs have mounts of their own
		}
		p.file(d+"/fdinfo/"+n, "pos:\t0\nflags:\t02\nmnt_id:\t"+strconv.Itoa(id)+"\nino:\t12\n")
	}
	if pr.cwd != "" {
		p.link(d+"/cwd", pr.cwd)
	}
	if pr.root != "" {
		p.link(d+"/root", pr.root)
	}
	p.file(d+"/maps", strings.Join(pr.maps, "\n")+"\n")
	for _, l := range pr.maps {
		if m, ok := ParseMapsLine(l); ok && m.Path != "" {
			p.link(d+"/map_files/"+m.Range, m.Path)
		}
	}
}

func (p *procFixture) table() *Table {
	return &Table{Root: p.root, MountIDOf: func(path string) (int, error) {
		target, err := os.Readlink(path)
		if err != nil {
			return 0, err
		}
		return mountOf(target), nil
	}}
}

func TestFind(t *testing.T) {
	p := newProc(t)
	p.add(proc{pid: 100, comm: "writer", fds: map[int]string{0: "/dev/null", 3: "/data/log", 4: "socket:[123]"}, cwd: "/", root: "/"})
	p.add(proc{pid: 101, comm: "shell", cwd: "/data/work", root: "/"})
	p.add(proc{pid: 102, comm: "parentdir", cwd: "/", root: "/", fds: map[int]string{3: "/srv/x"}})
	p.add(proc{pid: 103, comm: "mapper", cwd: "/", root: "/", maps: []string{
		"7f00-7f10 r-xp 00000000 08:10 1234 /data/lib/libx.so",
		"7f10-7f20 r--p 00000000 00:00 0 [heap]",
	}})
	p.add(proc{pid: 104, comm: "bindonly", cwd: "/data/sub/x", root: "/", maps: []string{
		"7e00-7e10 r-xp 00000000 08:10 99 /data/sub/lib.so",
	}})
	p.add(proc{pid: 105, comm: "chrooted", cwd: "/", root: "/data/jail"})
	p.file("self", "") // not a PID
	p.file("uptime", "1 1\n")

	target := []Target{{MountID: 40, Major: 8, Minor: 16}}
	got, err := p.table().Find(target, All)
	if err != nil {
		t.Fatal(err)
	}
	want := []Use{
		{PID: 100, Comm: "writer", Why: []string{"fd 3 (/data/log)"}},
		{PID: 101, Comm: "shell", Why: []string{"cwd"}},
		{PID: 103, Comm: "mapper", Why: []string{"mmap /data/lib/libx.so"}},
		{PID: 105, Comm: "chrooted", Why: []string{"root"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Find(All) =\n%v\nwant\n%v", got, want)
	}

	got, err = p.table().Find(target, OpenFiles)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Use{{PID: 100, Comm: "writer", Why: []string{"fd 3 (/data/log)"}}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Find(OpenFiles) = %v, want %v", got, want)
	}

	// The bind mount at /data/sub has its own users.
	got, err = p.table().Find([]Target{{MountID: 41, Major: 8, Minor: 16}}, All)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].PID != 104 || len(got[0].Why) != 2 {
		t.Errorf("Find(bind mount) = %v, want pid 104 by cwd and mmap", got)
	}
}

func TestAlive(t *testing.T) {
	p := newProc(t)
	p.add(proc{pid: 7, comm: "a b) c", state: "S"})
	p.add(proc{pid: 8, comm: "zombie", state: "Z"})
	tb := p.table()
	if !tb.Alive(7) || tb.Alive(8) || tb.Alive(9) {
		t.Errorf("Alive: 7=%v (want true) 8=%v 9=%v (want false)", tb.Alive(7), tb.Alive(8), tb.Alive(9))
	}
}

// TestFindSelf runs on the real /proc: this test process's working
// directory holds the mount it is on.
func TestFindSelf(t *testing.T) {
	id, err := StatxMountID(".")
	if err != nil {
		t.Skipf("statx mount ID: %v", err)
	}
	users, err := Host().Find([]Target{{MountID: id}}, All)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.PID == os.Getpid() {
			return
		}
	}
	t.Errorf("this process (cwd on mount %d) not among the users: %v", id, users)
}

func TestParseMapsLine(t *testing.T) {
	tests := []struct {
		line string
		ok   bool
		want Mapping
	}{
		{"55d0-55d1 r--p 00000000 fd:01 393 /usr/bin/cat", true, Mapping{Range: "55d0-55d1", Major: 0xfd, Minor: 1, Inode: 393, Path: "/usr/bin/cat"}},
		{"7f00-7f01 rw-p 00000000 00:00 0 ", true, Mapping{Range: "7f00-7f01"}},
		{"7f00-7f01 r--p 00000000 08:10 5 /data/a file with spaces.so", true, Mapping{Range: "7f00-7f01", Major: 8, Minor: 16, Inode: 5, Path: "/data/a file with spaces.so"}},
		{"garbage", false, Mapping{}},
		{"1-2 r--p 0 zz:01 5 /x", false, Mapping{}},
	}
	for _, tt := range tests {
		got, ok := ParseMapsLine(tt.line)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseMapsLine(%q) = %+v, %v", tt.line, got, ok)
		}
	}
}

func FuzzParseMapsLine(f *testing.F) {
	f.Add("55d0-55d1 r--p 00000000 fd:01 393 /usr/bin/cat")
	f.Add("7f00-7f01 rw-p 00000000 00:00 0")
	f.Fuzz(func(t *testing.T, line string) {
		m, ok := ParseMapsLine(line)
		if ok && m.Range == "" {
			t.Error("parsed without a range")
		}
	})
}

func FuzzFdinfo(f *testing.F) {
	f.Add([]byte("pos:\t0\nflags:\t02\nmnt_id:\t40\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = fdinfoMountID(b)
	})
}
