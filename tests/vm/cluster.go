package vm

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
)

// Cluster is a set of guests booted for one test, on bridges in a namespace
// of the test's own. Everything is torn down when the test ends.
type Cluster struct {
	Net      *Net
	Machines map[string]*Machine
	Dir      string // run folder: serial logs, disks
	Image    *Image
	initrd   string
}

// CacheDir is where the image is cached: git-ignored.
func CacheDir() string { return filepath.Join(harness.RepoRoot(), ".cache", "vm") }

// NeedVM skips t unless it runs as root with qemu installed.
func NeedVM(t testing.TB) {
	t.Helper()
	harness.NeedRoot(t)
	harness.NeedCommand(t, "qemu-system-x86_64", "cpio", "debootstrap", "ip")
}

// Start boots the guests of specs in parallel and returns once every shell
// answers. The bridges are the union of the specs' Nets.
func Start(t testing.TB, specs ...Spec) *Cluster {
	t.Helper()
	NeedVM(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	img, err := (&Builder{Dir: CacheDir()}).Ensure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{Image: img, Machines: map[string]*Machine{}, Dir: t.TempDir()}
	// qemu runs as root and reads these; the default temp mode is fine.
	c.initrd = filepath.Join(c.Dir, "initrd")
	if err := buildInitrd(ctx, t, img, c.initrd); err != nil {
		t.Fatal(err)
	}
	var bridges []string
	seen := map[string]bool{}
	for _, s := range specs {
		for _, b := range s.Nets {
			if !seen[b] {
				seen[b] = true
				bridges = append(bridges, b)
			}
		}
	}
	n, err := NewNet(ctx, harness.UniqueName("btvm"), bridges...)
	if err != nil {
		t.Fatal(err)
	}
	c.Net = n
	t.Cleanup(func() {
		for _, m := range c.Machines {
			m.Kill()
		}
		if t.Failed() {
			for name, m := range c.Machines {
				t.Logf("serial log of %s (tail):\n%s", name, tail(m.Serial(), 3000))
			}
		}
		n.Close()
	})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	for _, s := range specs {
		wg.Add(1)
		go func(s Spec) {
			defer wg.Done()
			m, err := Boot(ctx, n, img.Kernel, c.initrd, c.Dir, s)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err.Error())
				return
			}
			c.Machines[s.Name] = m
		}(s)
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(strings.Join(errs, "\n"))
	}
	return c
}

// M returns the machine called name.
func (c *Cluster) M(name string) *Machine { return c.Machines[name] }

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// buildInitrd writes the base image followed by a small uncompressed archive
// with this build of Baton (static) as /usr/sbin/baton, one symlink per
// agent under /usr/lib/ocf/resource.d/baton, and the current /init. The
// kernel unpacks both in turn, so Baton changes never rebuild the base.
func buildInitrd(ctx context.Context, t testing.TB, img *Image, dst string) error {
	bin := harness.Baton(t)
	dir, err := os.MkdirTemp("", "baton-vm-overlay-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sbin := filepath.Join(dir, "usr", "sbin")
	ocf := filepath.Join(dir, "usr", "lib", "ocf", "resource.d", "baton")
	for _, d := range []string{sbin, ocf} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(sbin, "baton"), b, 0o755); err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, bin, "agent", "list").Output()
	if err != nil {
		return fmt.Errorf("baton agent list: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			if err := os.Symlink("/usr/sbin/baton", filepath.Join(ocf, f[0])); err != nil {
				return err
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "init"), []byte(guestInit), 0o755); err != nil {
		return err
	}
	ov := dst + ".overlay"
	if err := packCpio(ctx, dir, ov, false); err != nil {
		return err
	}
	defer os.Remove(ov)
	base, err := os.ReadFile(img.Initrd)
	if err != nil {
		return err
	}
	extra, err := os.ReadFile(ov)
	if err != nil {
		return err
	}
	// The kernel looks for an uncompressed archive only at a 4-byte
	// boundary after a compressed one: pad with zeros, which it skips.
	for len(base)%512 != 0 {
		base = append(base, 0)
	}
	return os.WriteFile(dst, append(base, extra...), 0o644)
}
