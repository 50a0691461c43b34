// Package blockdev resolves the device specifications mount(8) accepts
// (a path, a symlink, LABEL=, UUID=) to a block device node, without blkid
// and without udev: it uses /dev/disk/by-label and by-uuid when they exist
// and otherwise reads the superblock of every device /proc/partitions lists.
//
// A Resolver is rooted at directories passed in, so that tests run on
// fixture trees.
package blockdev

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/baton-ha/baton/agents/filesystem/superblock"
)

// Resolver finds block devices. The zero value is not usable; see Host.
type Resolver struct {
	Dev  string // "/dev"
	Proc string // "/proc"
	Sys  string // "/sys"
}

// Host returns the resolver of the running system.
func Host() *Resolver { return &Resolver{Dev: "/dev", Proc: "/proc", Sys: "/sys"} }

// ErrNotFound is returned (wrapped) when no device matches.
var ErrNotFound = errors.New("no such device")

// ErrAmbiguous is returned (wrapped) when several devices match a LABEL= or
// UUID= and none is preferred.
var ErrAmbiguous = errors.New("several devices match")

// Tag splits a device given by label or UUID into its kind and value; ok is
// false for a plain path. The forms are fstab's LABEL=x and UUID=x and
// mount(8)'s options, which the reference agent passes on to mount: -L x,
// -U x, --label x, --label=x, --uuid x, --uuid=x.
func Tag(spec string) (kind, value string, ok bool) {
	s := strings.TrimSpace(spec)
	for _, f := range []struct{ prefix, kind string }{
		{"LABEL=", "LABEL"}, {"UUID=", "UUID"},
		{"--label=", "LABEL"}, {"--uuid=", "UUID"},
		{"--label ", "LABEL"}, {"--uuid ", "UUID"},
		{"-L", "LABEL"}, {"-U", "UUID"},
	} {
		if strings.HasPrefix(s, f.prefix) {
			if v := unquote(strings.TrimSpace(s[len(f.prefix):])); v != "" {
				return f.kind, v, true
			}
			return "", "", false
		}
	}
	return "", "", false
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// Resolve returns the device node that spec names, symlinks followed.
func (r *Resolver) Resolve(ctx context.Context, spec string) (string, error) {
	kind, value, ok := Tag(spec)
	if !ok {
		p, err := filepath.EvalSymlinks(spec)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return "", fmt.Errorf("%s: %w", spec, ErrNotFound)
			}
			return "", err
		}
		return p, nil
	}
	if value == "" {
		return "", fmt.Errorf("%s: empty %s", spec, kind)
	}
	// udev's links, where there is udev.
	link := filepath.Join(r.Dev, "disk", "by-"+strings.ToLower(kind), udevEscape(value))
	if p, err := filepath.EvalSymlinks(link); err == nil {
		return p, nil
	}
	return r.scan(ctx, kind, value)
}

// udevEscape mirrors how udev names by-label links: '/' and characters
// outside a safe set become \xNN.
func udevEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '/' || c == '\\' || c == ' ' || c < 0x20 || c >= 0x7f {
			fmt.Fprintf(&b, `\x%02x`, c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Candidate is one block device the scan looked at.
type Candidate struct {
	Name  string // kernel name, e.g. "loop3", "drbd0"
	Path  string // device node
	Major int
	Info  superblock.Info
}

// Partitions lists the block devices in /proc/partitions.
func (r *Resolver) Partitions() ([]Candidate, error) {
	f, err := os.Open(filepath.Join(r.Proc, "partitions"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Candidate
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) != 4 {
			continue
		}
		major, err := strconv.Atoi(fl[0])
		if err != nil {
			continue // the header line
		}
		name := fl[3]
		out = append(out, Candidate{Name: name, Major: major,
			Path: filepath.Join(r.Dev, strings.ReplaceAll(name, "!", "/"))})
	}
	return out, sc.Err()
}

// Major numbers of devices that sit on top of others and carry the same
// superblock: when both match, the upper one is the one to mount, never
// the backing disk underneath.
const (
	majorDRBD = 147
	majorMD   = 9
)

func (r *Resolver) scan(ctx context.Context, kind, value string) (string, error) {
	parts, err := r.Partitions()
	if err != nil {
		return "", fmt.Errorf("listing block devices: %w", err)
	}
	var hits []Candidate
	for _, c := range parts {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		if r.hasHolders(c.Name) {
			// A disk under device-mapper, md or the like: its superblock
			// is a copy of the upper device's.
			continue
		}
		info, err := probePath(c.Path)
		if err != nil {
			continue
		}
		c.Info = info
		if (kind == "LABEL" && info.Label == value) || (kind == "UUID" && strings.EqualFold(info.UUID, value)) {
			hits = append(hits, c)
		}
	}
	switch len(hits) {
	case 0:
		return "", fmt.Errorf("%s=%s: %w (looked at the superblocks of %d devices in /proc/partitions)", kind, value, ErrNotFound, len(parts))
	case 1:
		return hits[0].Path, nil
	}
	sort.SliceStable(hits, func(i, j int) bool { return rank(hits[i]) < rank(hits[j]) })
	if rank(hits[0]) < rank(hits[1]) {
		return hits[0].Path, nil
	}
	names := make([]string, len(hits))
	for i, h := range hits {
		names[i] = h.Path
	}
	return "", fmt.Errorf("%s=%s: %w: %s; name the device by path", kind, value, ErrAmbiguous, strings.Join(names, ", "))
}

func rank(c Candidate) int {
	switch {
	case c.Major == majorDRBD:
		return 0
	case strings.HasPrefix(c.Name, "dm-"), c.Major == majorMD:
		return 1
	}
	return 2
}

func (r *Resolver) hasHolders(name string) bool {
	ents, err := os.ReadDir(filepath.Join(r.Sys, "class", "block", strings.ReplaceAll(name, "/", "!"), "holders"))
	return err == nil && len(ents) > 0
}

func probePath(path string) (superblock.Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return superblock.Info{}, err
	}
	defer f.Close()
	return superblock.Probe(f)
}

// Probe reads the superblock of the device at path.
func Probe(path string) (superblock.Info, error) { return probePath(path) }

// Node returns the device node of a device number, from sysfs's uevent
// (DEVNAME), which names it as the kernel does, udev or not.
func (r *Resolver) Node(major, minor int) (string, error) {
	b, err := os.ReadFile(filepath.Join(r.Sys, "dev", "block", fmt.Sprintf("%d:%d", major, minor), "uevent"))
	if err != nil {
		return "", fmt.Errorf("device %d:%d: %w", major, minor, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(line, "DEVNAME="); ok {
			return filepath.Join(r.Dev, name), nil
		}
	}
	return "", fmt.Errorf("device %d:%d: no DEVNAME in its uevent", major, minor)
}
