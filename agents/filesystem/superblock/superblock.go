// Package superblock identifies the filesystem on a block device from its
// superblock: type, label, UUID and whether it asks for a check. It reads the
// on-disk formats directly so that LABEL= and UUID= resolve, and fsck policy
// is decided, without running blkid or dumpe2fs, and on hosts without udev.
//
// Supported: ext2, ext3, ext4 and xfs (the filesystems an HA NFS export
// sits on). Anything else is reported as unknown, which callers treat as
// "cannot tell", never as a mismatch.
package superblock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Info is what a superblock says about its filesystem.
type Info struct {
	Type  string // "ext2", "ext3", "ext4" or "xfs"
	Label string
	UUID  string // lower-case 8-4-4-4-12 form, as blkid prints it
	// NeedsCheck is set when the filesystem records that it was not
	// cleanly unmounted or that errors were found: the case in which
	// fsck -p is worth running before mounting.
	NeedsCheck bool
	// Why says what made NeedsCheck true, for the log.
	Why string
}

// ErrUnknown is returned when no supported superblock is found.
var ErrUnknown = errors.New("no ext2/3/4 or xfs superblock found")

// ProbeSize is how many bytes from the start of a device Probe may read.
const ProbeSize = 4096

// Probe reads the superblock from r (a device or image). It returns
// ErrUnknown when the device holds no supported filesystem, and an I/O
// error when it cannot be read.
func Probe(r io.ReaderAt) (Info, error) {
	buf := make([]byte, ProbeSize)
	n, err := r.ReadAt(buf, 0)
	if n < ProbeSize && err != nil && !errors.Is(err, io.EOF) {
		return Info{}, fmt.Errorf("reading the superblock: %w", err)
	}
	return Parse(buf[:n])
}

// Parse identifies a filesystem from the first bytes of a device (at least
// 2048 for ext, 512 for xfs).
func Parse(b []byte) (Info, error) {
	if i, ok := parseXFS(b); ok {
		return i, nil
	}
	if i, ok := parseExt(b); ok {
		return i, nil
	}
	return Info{}, ErrUnknown
}

// The ext2/3/4 superblock starts 1024 bytes into the device; fields are
// little-endian. Offsets are relative to that start.
const (
	extSBOffset      = 1024
	extMagic         = 0xEF53
	extOffMagic      = 0x38
	extOffState      = 0x3A
	extOffCompat     = 0x5C
	extOffIncompat   = 0x60
	extOffROCompat   = 0x64
	extOffUUID       = 0x68
	extOffVolumeName = 0x78
	extSBLen         = 0x88

	extStateValid = 0x1 // cleanly unmounted
	extStateError = 0x2 // errors detected

	extCompatJournal   = 0x4
	extIncompatJDev    = 0x8 // an external journal device, not a filesystem
	extIncompatRecover = 0x4 // journal needs replay (mount does it)
	// Features an ext3 driver does not know: their presence makes it ext4.
	extIncompatExt4   = 0x40 | 0x80 | 0x200 | 0x400 | 0x1000 | 0x2000 | 0x8000 | 0x10000 | 0x20000
	extROCompatExt4   = 0x8 | 0x10 | 0x20 | 0x40 | 0x100 | 0x200 | 0x400 | 0x1000 | 0x2000
	extIncompatFType  = 0x2
	extIncompatMetaBG = 0x10
)

func parseExt(b []byte) (Info, bool) {
	if len(b) < extSBOffset+extSBLen {
		return Info{}, false
	}
	sb := b[extSBOffset:]
	le := binary.LittleEndian
	if le.Uint16(sb[extOffMagic:]) != extMagic {
		return Info{}, false
	}
	incompat := le.Uint32(sb[extOffIncompat:])
	if incompat&extIncompatJDev != 0 {
		return Info{}, false
	}
	compat := le.Uint32(sb[extOffCompat:])
	rocompat := le.Uint32(sb[extOffROCompat:])
	i := Info{Type: "ext2", UUID: formatUUID(sb[extOffUUID : extOffUUID+16]),
		Label: cString(sb[extOffVolumeName : extOffVolumeName+16])}
	switch {
	case incompat&extIncompatExt4 != 0 || rocompat&extROCompatExt4 != 0:
		i.Type = "ext4"
	case compat&extCompatJournal != 0:
		i.Type = "ext3"
	}
	state := le.Uint16(sb[extOffState:])
	switch {
	case state&extStateError != 0:
		i.NeedsCheck, i.Why = true, "the superblock records filesystem errors"
	case state&extStateValid == 0 && !(compat&extCompatJournal != 0 && incompat&extIncompatRecover != 0):
		// A journalled filesystem with a journal to replay is made
		// consistent by mount itself; without a journal, an unclean
		// state means fsck.
		i.NeedsCheck, i.Why = true, "the filesystem was not cleanly unmounted"
	}
	return i, true
}

// The xfs superblock is at offset 0, big-endian.
const (
	xfsOffUUID  = 32
	xfsOffFname = 108
	xfsSBLen    = 120
)

func parseXFS(b []byte) (Info, bool) {
	if len(b) < xfsSBLen || string(b[:4]) != "XFSB" {
		return Info{}, false
	}
	// xfs has no fsck: log recovery at mount is its consistency check.
	return Info{Type: "xfs", UUID: formatUUID(b[xfsOffUUID : xfsOffUUID+16]),
		Label: cString(b[xfsOffFname : xfsOffFname+12])}, true
}

func cString(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func formatUUID(u []byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// Family groups types one kernel driver can mount interchangeably: the ext4
// driver mounts ext2 and ext3 too. Two types of different families mean a
// wrong fstype.
func Family(fstype string) string {
	switch fstype {
	case "ext2", "ext3", "ext4", "ext4dev":
		return "ext"
	}
	return fstype
}
