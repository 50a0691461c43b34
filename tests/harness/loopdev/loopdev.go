// Package loopdev makes real block devices for tests: a sparse image file
// attached to a loop device, optionally formatted. Detached and removed when
// the test ends.
package loopdev

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
)

// Device is an attached loop device.
type Device struct {
	Path  string // /dev/loopN
	Image string
}

// New attaches a sparse image of sizeMB to a free loop device.
func New(t testing.TB, sizeMB int) *Device {
	t.Helper()
	harness.NeedRoot(t)
	harness.NeedCommand(t, "losetup")
	img := filepath.Join(t.TempDir(), harness.UniqueName("disk")+".img")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(int64(sizeMB) << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, code := harness.Run(ctx, nil, "losetup", "--find", "--show", img)
	if code != 0 {
		t.Fatalf("losetup --find --show %s: exit %d: %s", img, code, out)
	}
	d := &Device{Path: strings.TrimSpace(out), Image: img}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		harness.Run(ctx, nil, "losetup", "-d", d.Path)
	})
	return d
}

// Mkfs formats the device; extra arguments go to mkfs.FSTYPE (e.g. -L label).
func (d *Device) Mkfs(t testing.TB, fstype string, extra ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{}
	switch fstype {
	case "ext4", "ext3", "ext2":
		args = append(args, "-F", "-q")
	case "xfs":
		args = append(args, "-f", "-q")
	}
	args = append(append(args, extra...), d.Path)
	if out, code := harness.Run(ctx, nil, "mkfs."+fstype, args...); code != 0 {
		t.Fatalf("mkfs.%s %s: exit %d: %s", fstype, strings.Join(args, " "), code, out)
	}
}
