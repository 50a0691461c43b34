package holders

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// PeerGroup returns N of a mount's "shared:N" propagation tag (the
// optional fields of mountinfo), or 0 for a private mount.
func PeerGroup(optional string) int {
	for _, f := range strings.Fields(optional) {
		if v, ok := strings.CutPrefix(f, "shared:"); ok {
			if n, err := strconv.Atoi(v); err == nil {
				return n
			}
		}
	}
	return 0
}

// Copies returns the mounts in other mount namespaces that receive
// propagation from peer group (tagged shared:group or master:group): the
// copies of a shared mount in containers and unshared namespaces. The
// kernel refuses to unmount a shared mount while one of these copies is
// busy, and their mount IDs differ from ours, so their users are found only
// by looking for these IDs too.
func (t *Table) Copies(group int) ([]Target, error) {
	if group == 0 {
		return nil, nil
	}
	self, _ := os.Readlink(filepath.Join(t.Root, "self", "ns", "mnt"))
	ents, err := os.ReadDir(t.Root)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{self: true}
	shared, master := "shared:"+strconv.Itoa(group), "master:"+strconv.Itoa(group)
	var out []Target
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		ns, err := os.Readlink(filepath.Join(t.Root, e.Name(), "ns", "mnt"))
		if err != nil || seen[ns] {
			continue
		}
		seen[ns] = true
		f, err := os.Open(filepath.Join(t.Root, e.Name(), "mountinfo"))
		if err != nil {
			continue
		}
		mounts, err := mountinfo.GetMountsFromReader(f, nil)
		f.Close()
		if err != nil {
			continue
		}
		for _, m := range mounts {
			for _, tag := range strings.Fields(m.Optional) {
				if tag == shared || tag == master {
					out = append(out, Target{MountID: m.ID, Major: uint32(m.Major), Minor: uint32(m.Minor)})
					break
				}
			}
		}
	}
	return out, nil
}
