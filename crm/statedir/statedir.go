// Package statedir holds the rules for the daemon's state directory: it
// must belong to the daemon's user and be writable by nobody else, and
// files in it are written so that no link planted there can redirect the
// write (a local user who could create cib.xml.tmp as a symlink would
// otherwise make the root daemon overwrite any file).
package statedir

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// Check verifies that dir is a directory (not a symlink) owned by this
// process's user and not writable by group or others.
func Check(dir string) error {
	if !filepath.IsAbs(dir) {
		return fmt.Errorf("%s is not an absolute path", dir)
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory (symlinks are refused)", dir)
	}
	if perm := st.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("%s has mode %04o: it must not be writable by group or others; run chmod go-w %s", dir, perm, dir)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return fmt.Errorf("%s is owned by uid %d, not by the daemon's user (uid %d); run chown %d %s", dir, sys.Uid, os.Geteuid(), os.Geteuid(), dir)
	}
	return nil
}

// Ensure creates dir (mode 0750) when it is missing, then checks it.
func Ensure(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	return Check(dir)
}

// WriteFile replaces dir/name with data atomically: a fresh temporary file
// (O_EXCL|O_NOFOLLOW, mode 0600) synced and renamed over the old one. dir
// is checked first.
func WriteFile(dir, name string, data []byte) error {
	if err := Check(dir); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	if filepath.Base(name) != name {
		return fmt.Errorf("state file %q must be a name in the state directory", name)
	}
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// ReadFile reads dir/name without following a symlink there.
func ReadFile(dir, name string) ([]byte, error) {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", filepath.Join(dir, name))
	}
	return io.ReadAll(f)
}
