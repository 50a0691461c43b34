package heartbeat

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Scripts finds the resource scripts haresources names, so that the import
// can tell what a script it does not know by name does. Heartbeat looked in
// /etc/ha.d/resource.d, then /etc/init.d.
type Scripts interface {
	// Read returns the script's path and contents; ok is false when there
	// is no such script.
	Read(name string) (path string, body []byte, ok bool)
}

// ScriptDirs looks scripts up in directories, in order.
type ScriptDirs []string

// DefaultScriptDirs are Heartbeat's lookup directories.
var DefaultScriptDirs = ScriptDirs{"/etc/ha.d/resource.d", "/etc/init.d"}

// Read implements Scripts.
func (d ScriptDirs) Read(name string) (string, []byte, bool) {
	if strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		return "", nil, false
	}
	for _, dir := range d {
		p := filepath.Join(dir, name)
		if b, err := os.ReadFile(p); err == nil {
			return p, b, true
		}
	}
	return "", nil, false
}

// MapScripts is an in-memory Scripts, for tests.
type MapScripts map[string]string

// Read implements Scripts.
func (m MapScripts) Read(name string) (string, []byte, bool) {
	b, ok := m[name]
	return "/etc/ha.d/resource.d/" + name, []byte(b), ok
}

// nfsScriptNames are the init scripts distributions ship for the kernel
// NFS server.
var nfsScriptNames = map[string]bool{
	"nfs-kernel-server": true, "nfs": true, "nfsd": true, "nfsserver": true, "nfs-server": true,
}

// nfsDaemonPattern matches a script that starts or stops the NFS server's
// daemons itself: the hand-written nfsd scripts of many Heartbeat setups.
var nfsDaemonPattern = regexp.MustCompile(`\b(rpc\.nfsd|rpc\.mountd|rpc\.statd|exportfs\s+-[a-z]*[ar]|(kill|killall|pkill)\s+(-[0-9A-Z]+\s+)?(nfsd|rpc\.mountd)|/proc/fs/nfsd)`)

// isNFSServerScript reports whether a script starts or stops the kernel NFS
// server, and why.
func isNFSServerScript(name string, s Scripts) (bool, string) {
	if s != nil {
		if path, body, ok := s.Read(name); ok {
			if m := nfsDaemonPattern.Find(body); m != nil {
				return true, "a script (" + path + ") that runs " + strings.Join(strings.Fields(string(m)), " ")
			}
		}
	}
	if nfsScriptNames[name] {
		return true, "the name of a distribution's NFS server init script"
	}
	return false, ""
}
