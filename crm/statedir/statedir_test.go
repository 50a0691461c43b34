package statedir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	base := t.TempDir()
	mk := func(name string, mode os.FileMode) string {
		p := filepath.Join(base, name)
		if err := os.Mkdir(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // past the umask
			t.Fatal(err)
		}
		return p
	}
	good := mk("good", 0o750)
	link := filepath.Join(base, "link")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir, want string
	}{
		{good, ""},
		{mk("open", 0o777), "mode 0777"},
		{mk("group", 0o770), "mode 0770"},
		{link, "not a directory"},
		{"relative/dir", "not an absolute path"},
		{filepath.Join(base, "missing"), "no such file"},
	} {
		err := Check(tc.dir)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Check(%s) = %v, want %q", tc.dir, err, tc.want)
		}
	}
	if os.Geteuid() == 0 {
		other := mk("other", 0o750)
		if err := os.Chown(other, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if err := Check(other); err == nil || !strings.Contains(err.Error(), "owned by uid 65534") {
			t.Errorf("directory of another user: %v", err)
		}
	}
}

// A symlink planted at the temporary name is not followed: the file it
// points to stays as it was.
func TestWriteFileDoesNotFollowLinks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if err := Ensure(dir); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(victim, []byte("root:x:0:0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{".cib.xml.tmp", "cib.xml.tmp"} {
		if err := os.Symlink(victim, filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteFile(dir, "cib.xml", []byte("<cib/>")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "root:x:0:0\n" {
		t.Fatalf("the link's target was overwritten: %q", b)
	}
	if b, err := ReadFile(dir, "cib.xml"); err != nil || string(b) != "<cib/>" {
		t.Fatalf("ReadFile: %q %v", b, err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(dir, "linked"); err == nil {
		t.Fatal("ReadFile followed a symlink")
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(dir, "cib.xml", []byte("x")); err == nil || !strings.Contains(err.Error(), "mode 0777") {
		t.Fatalf("write into a world-writable directory: %v", err)
	}
}
