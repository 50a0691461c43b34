package membership

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWriteKeyRoundTripsThroughLoadKey(t *testing.T) {
	// A permissive umask must not leak into the key file's mode.
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "authkey")
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if len(k) != 2*NewKeyLen {
		t.Fatalf("key of %d characters, want %d", len(k), 2*NewKeyLen)
	}
	if err := WriteKey(path, k, false); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o, want 0600", st.Mode().Perm())
	}
	got, err := LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(k) {
		t.Errorf("LoadKey read %q, wrote %q", got, k)
	}
}

func TestWriteKeyRefusesToOverwriteWithoutForce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "authkey")
	first, _ := NewKey()
	second, _ := NewKey()
	if err := WriteKey(path, first, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteKey(path, second, false); !errors.Is(err, ErrKeyExists) {
		t.Fatalf("second write without overwrite: %v, want ErrKeyExists", err)
	}
	if got, _ := LoadKey(path); string(got) != string(first) {
		t.Fatalf("refused write changed the key")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteKey(path, second, true); err != nil {
		t.Fatal(err)
	}
	got, err := LoadKey(path) // also proves the replacement is 0600 again
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(second) {
		t.Errorf("after overwrite the key is %q, want %q", got, second)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".authkey.*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
