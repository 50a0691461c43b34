package blockdev

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixture builds a /proc, /dev and /sys tree: devices are regular files
// holding the first 4 KiB of real mkfs images (../superblock/testdata).
type fixture struct {
	t    *testing.T
	root string
	r    *Resolver
	part []string
}

func newFixture(t *testing.T) *fixture {
	root := t.TempDir()
	f := &fixture{t: t, root: root, r: &Resolver{Dev: filepath.Join(root, "dev"), Proc: filepath.Join(root, "proc"), Sys: filepath.Join(root, "sys")}}
	for _, d := range []string{"dev", "proc", "sys/class/block"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	f.part = []string{"major minor  #blocks  name", ""}
	f.write("proc/partitions", strings.Join(f.part, "\n"))
	return f
}

func (f *fixture) write(rel, content string) {
	p := filepath.Join(f.root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// device adds a device with the superblock of image (or garbage when "").
func (f *fixture) device(major, minor, name, image string, holders ...string) {
	content := strings.Repeat("\x00", 4096)
	if image != "" {
		b, err := os.ReadFile(filepath.Join("..", "superblock", "testdata", image))
		if err != nil {
			f.t.Fatal(err)
		}
		content = string(b)
	}
	f.write("dev/"+name, content)
	f.part = append(f.part, "   "+major+"        "+minor+"      65536 "+name)
	f.write("proc/partitions", strings.Join(f.part, "\n")+"\n")
	if err := os.MkdirAll(filepath.Join(f.root, "sys/class/block", name, "holders"), 0o755); err != nil {
		f.t.Fatal(err)
	}
	for _, h := range holders {
		f.write("sys/class/block/"+name+"/holders/"+h, "")
	}
	f.write("sys/dev/block/"+major+":"+minor+"/uevent", "MAJOR="+major+"\nMINOR="+minor+"\nDEVNAME="+name+"\nDEVTYPE=disk\n")
}

func TestResolveScan(t *testing.T) {
	f := newFixture(t)
	f.device("254", "0", "vda", "")
	f.device("7", "1", "loop1", "ext4.head")
	f.device("7", "2", "loop2", "xfs.head")
	ctx := context.Background()
	tests := []struct {
		spec, want string
		err        error
	}{
		{"LABEL=lab-ext4", "loop1", nil},
		{"UUID=0a1b2c3d-0000-4000-8000-0000000000aa", "loop2", nil},
		{"UUID=0A1B2C3D-0000-4000-8000-0000000000AA", "loop2", nil},
		{`LABEL="lab-xfs"`, "loop2", nil},
		{"-L lab-xfs", "loop2", nil},
		{"LABEL=nosuch", "", ErrNotFound},
		{"UUID=", "", nil},
	}
	for _, tt := range tests {
		got, err := f.r.Resolve(ctx, tt.spec)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("Resolve(%q) = %q, want an error", tt.spec, got)
		case tt.err != nil && !errors.Is(err, tt.err):
			t.Errorf("Resolve(%q) error = %v, want %v", tt.spec, err, tt.err)
		case tt.want != "" && (err != nil || got != filepath.Join(f.r.Dev, tt.want)):
			t.Errorf("Resolve(%q) = %q, %v; want %s", tt.spec, got, err, tt.want)
		}
	}
}

func TestResolvePrefersUpperDevice(t *testing.T) {
	f := newFixture(t)
	// A DRBD device and its backing disk carry the same superblock.
	f.device("8", "16", "sdb", "ext4.head")
	f.device("147", "0", "drbd0", "ext4.head")
	got, err := f.r.Resolve(context.Background(), "LABEL=lab-ext4")
	if err != nil || got != filepath.Join(f.r.Dev, "drbd0") {
		t.Fatalf("Resolve = %q, %v; want drbd0", got, err)
	}

	// A disk with holders (under device-mapper) is skipped outright.
	g := newFixture(t)
	g.device("8", "32", "sdc", "xfs.head", "dm-0")
	g.device("253", "0", "dm-0", "xfs.head")
	got, err = g.r.Resolve(context.Background(), "LABEL=lab-xfs")
	if err != nil || got != filepath.Join(g.r.Dev, "dm-0") {
		t.Fatalf("Resolve = %q, %v; want dm-0", got, err)
	}

	// Two plain disks with one label: ambiguous, never a guess.
	h := newFixture(t)
	h.device("8", "0", "sda", "ext4.head")
	h.device("8", "16", "sdb", "ext4.head")
	if got, err := h.r.Resolve(context.Background(), "LABEL=lab-ext4"); !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("Resolve = %q, %v; want ErrAmbiguous", got, err)
	}
}

func TestResolveUdevLinksAndPaths(t *testing.T) {
	f := newFixture(t)
	f.device("7", "1", "loop1", "")
	if err := os.MkdirAll(filepath.Join(f.r.Dev, "disk", "by-label"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../loop1", filepath.Join(f.r.Dev, "disk", "by-label", `my\x2fdata`)); err != nil {
		t.Fatal(err)
	}
	got, err := f.r.Resolve(context.Background(), "LABEL=my/data")
	if err != nil || got != filepath.Join(f.r.Dev, "loop1") {
		t.Fatalf("by-label: %q, %v", got, err)
	}
	link := filepath.Join(f.root, "link")
	if err := os.Symlink(filepath.Join(f.r.Dev, "loop1"), link); err != nil {
		t.Fatal(err)
	}
	if got, err := f.r.Resolve(context.Background(), link); err != nil || got != filepath.Join(f.r.Dev, "loop1") {
		t.Fatalf("symlink: %q, %v", got, err)
	}
	if _, err := f.r.Resolve(context.Background(), filepath.Join(f.root, "missing")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing path: %v, want ErrNotFound", err)
	}
}

func TestNode(t *testing.T) {
	f := newFixture(t)
	f.device("147", "0", "drbd0", "")
	if got, err := f.r.Node(147, 0); err != nil || got != filepath.Join(f.r.Dev, "drbd0") {
		t.Fatalf("Node = %q, %v", got, err)
	}
	if _, err := f.r.Node(1, 99); err == nil {
		t.Fatal("Node of an unknown device: no error")
	}
}

func TestTag(t *testing.T) {
	tests := []struct{ in, kind, value string }{
		{"LABEL=data", "LABEL", "data"},
		{"UUID=abc", "UUID", "abc"},
		{"-U abc", "UUID", "abc"},
		{"-Uabc", "UUID", "abc"},
		{"-L data", "LABEL", "data"},
		{"--uuid=abc", "UUID", "abc"},
		{"--label=data", "LABEL", "data"},
		{"--uuid abc", "UUID", "abc"},
		{"--label 'my data'", "LABEL", "my data"},
		{"--uuid=", "", ""},
		{"--verbose", "", ""},
		{"/dev/sda1", "", ""},
		{"nfs:/export", "", ""},
	}
	for _, tt := range tests {
		k, v, ok := Tag(tt.in)
		if k != tt.kind || v != tt.value || ok != (tt.kind != "") {
			t.Errorf("Tag(%q) = %q, %q, %v", tt.in, k, v, ok)
		}
	}
}
