package nfsdfs

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// FreeBytes returns the space root may still write on the filesystem
// holding host path p (free blocks, the reserved ones included: the NFS
// daemons and exportfs(8) run as root).
func (fs FS) FreeBytes(p string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(fs.Path(p), &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", p, err)
	}
	return st.Bfree * uint64(st.Bsize), nil
}
