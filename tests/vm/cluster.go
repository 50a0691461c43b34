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

	fencevm "github.com/baton-ha/baton/agents/fence_baton_vm"
	"github.com/baton-ha/baton/tests/harness"
)

// Cluster is a set of guests booted for one test, on bridges in a namespace
// of the test's own. Everything is torn down when the test ends.
type Cluster struct {
	Net   *Net
	Dir   string // run folder: serial logs, disks
	Image *Image

	mu       sync.Mutex
	machines map[string]*Machine // the current boot of each guest
	boots    []*Machine          // every boot, for teardown and logs
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
	c := &Cluster{Image: img, machines: map[string]*Machine{}, Dir: t.TempDir()}
	// qemu runs as root and reads these; the default temp mode is fine.
	initrd := filepath.Join(c.Dir, "initrd")
	if err := buildInitrd(ctx, t, img, initrd); err != nil {
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
		c.mu.Lock()
		boots := append([]*Machine(nil), c.boots...)
		c.mu.Unlock()
		for _, m := range boots {
			m.Kill()
		}
		if t.Failed() {
			for _, m := range boots {
				t.Logf("serial log of %s, boot %d (tail):\n%s", m.Spec.Name, m.Boot, tail(m.Serial(), 3000))
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
			m, err := Boot(ctx, n, img.Kernel, initrd, c.Dir, s)
			if err != nil {
				mu.Lock()
				errs = append(errs, err.Error())
				mu.Unlock()
				return
			}
			c.add(m)
		}(s)
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(strings.Join(errs, "\n"))
	}
	return c
}

// M returns the current boot of the guest called name.
func (c *Cluster) M(name string) *Machine {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.machines[name]
}

func (c *Cluster) add(m *Machine) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.machines[m.Spec.Name] = m
	c.boots = append(c.boots, m)
}

// Restart boots the guest called name again once its qemu has exited
// (Machine.Restart) and makes the new boot the one M returns.
func (c *Cluster) Restart(ctx context.Context, name string) (*Machine, error) {
	old := c.M(name)
	if old == nil {
		return nil, fmt.Errorf("no guest %s in this cluster", name)
	}
	m, err := old.Restart(ctx)
	if err != nil {
		return nil, err
	}
	c.add(m)
	return m, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// buildInitrd writes the base image followed by a small uncompressed archive
// with this build of Baton (static) as /usr/sbin/baton, one symlink per
// agent under /usr/lib/ocf/resource.d/baton, /usr/sbin/fence_baton_vm (the
// fence agent of PowerSwitch) and the current /init. The
// kernel unpacks both in turn, so Baton changes never rebuild the base.
func buildInitrd(ctx context.Context, t testing.TB, img *Image, dst string) error {
	bin := harness.Baton(t)
	dir, err := os.MkdirTemp("", "baton-vm-overlay-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// The archive's "." becomes the guest's /, and MkdirTemp makes it 0700:
	// daemons that drop root could then not reach /etc/netconfig. rpcbind
	// (as _rpc) answered every address lookup "not registered", which the
	// kernel client reports as "access denied by server" for NFSv3, and
	// rpc.statd (as statd) could not create its listeners.
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
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
	// The fence agents the binary is, where the fencer looks for them
	// ([fencing] agent_dirs' default).
	if err := os.Symlink("baton", filepath.Join(sbin, fencevm.Name)); err != nil {
		return err
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
