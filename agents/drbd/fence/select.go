package fence

import (
	"os/exec"
	"path/filepath"
)

// CIBFileVar names the environment variable that points the handlers and
// the agent at a CIB XML file instead of Pacemaker's CIB: the VM tests set
// it, as their guests run without a cluster manager.
const CIBFileVar = "BATON_CIB_FILE"

// FromEnv picks the constraint store for this invocation: the CIB file named
// by BATON_CIB_FILE; else Baton's daemon when one runs here (its
// configuration at BATON_CONFIG or /etc/baton/baton.toml, its admin socket
// present); else Pacemaker's CIB when cibadmin is installed (in sbinDir,
// HA_SBIN_DIR, or on PATH); else nil: no cluster to keep constraints in.
// open reaches Baton's daemon; nil skips it.
func FromEnv(vars map[string]string, sbinDir string, open Opener) Constraints {
	if p := vars[CIBFileVar]; p != "" {
		return &File{Path: p}
	}
	cfg := vars[ConfigVar]
	if cfg == "" {
		cfg = DefaultConfig
	}
	if open != nil {
		if call, ok := open(cfg); ok {
			return &Baton{Call: call}
		}
	}
	if sbinDir != "" {
		bin := filepath.Join(sbinDir, "cibadmin")
		if _, err := exec.LookPath(bin); err == nil {
			return &Cibadmin{Bin: bin}
		}
	}
	if bin, err := exec.LookPath("cibadmin"); err == nil {
		return &Cibadmin{Bin: bin}
	}
	return nil
}
