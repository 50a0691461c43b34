package config

import (
	"errors"
	"fmt"
	"os"

	"github.com/baton-ha/baton/crm/statedir"
)

// CheckFiles checks what the configuration names on this host: the CIB
// file exists, the state directory (when it exists already) belongs to the
// daemon's user and nobody else may write it. `baton daemon --check` and the daemon's start run it; each
// error names the file and the key.
func (c *Config) CheckFiles() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if st, err := os.Stat(c.CIB); err != nil {
		bad("cib: %v", err)
	} else if !st.Mode().IsRegular() {
		bad("cib: %s is not a regular file", c.CIB)
	}
	if _, err := os.Lstat(c.StateDir); err == nil {
		if err := statedir.Check(c.StateDir); err != nil {
			bad("state_dir: %v", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		bad("state_dir: %v", err)
	}
	if len(errs) == 0 {
		return nil
	}
	if c.path == "" {
		return errors.Join(errs...)
	}
	return inFile(c.path, errors.Join(errs...))
}
