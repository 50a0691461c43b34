package nfsserver

import (
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/baton-ha/baton/ocf"
)

// settings resolves the parameters, and server=auto to the back end this
// node uses.
func (s *server) settings(r *ocf.Request) settings {
	st := resolve(r)
	if st.backend == "auto" {
		st.backend = s.pickBackend(r, st)
	}
	return st
}

// pickBackend decides server=auto. A back end this resource started here
// stays the answer until it is stopped, so that monitor and stop act on
// what start chose even if the node changed meanwhile. Otherwise the
// kernel's nfsd wherever the kernel has it and nfs-utils' rpc.nfsd is
// installed (it serves NLM, so NFSv3 clients can lock), NFS-Ganesha
// elsewhere (containers, kernels without nfsd).
func (s *server) pickBackend(r *ocf.Request, st settings) string {
	if _, err := os.Stat(st.ganeshaDir.StateFile()); err == nil {
		return "ganesha"
	}
	if _, err := os.Stat(statePath(r)); err == nil {
		return "kernel"
	}
	if s.kernelCanServe() {
		return "kernel"
	}
	if _, err := s.cfg.LookPath("ganesha.nfsd"); err == nil {
		return "ganesha"
	}
	// Neither: the kernel's checks say what to install.
	return "kernel"
}

// kernelCanServe reports, without loading anything, whether this kernel
// has nfsd (mounted, built in, loaded, or a module on disk) and rpc.nfsd
// is installed.
func (s *server) kernelCanServe() bool {
	if _, err := s.cfg.LookPath("rpc.nfsd"); err != nil {
		return false
	}
	if s.fs.NFSDMounted() {
		return true
	}
	if b, err := os.ReadFile(s.fs.Path("/proc/filesystems")); err == nil && strings.Contains(string(b), "\tnfsd\n") {
		return true
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return false
	}
	release := unix.ByteSliceToString(u.Release[:])
	dep, err := os.ReadFile(s.fs.Path(filepath.Join("/lib/modules", release, "modules.dep")))
	return err == nil && strings.Contains(string(dep), "/nfsd.ko")
}
