// Package vm is Baton's VM test tier: it builds a Debian bookworm guest
// (kernel with DRBD 8.4, nfsd and the NFS client; drbd-utils, nfs-kernel-server)
// packed as an initramfs, boots it under qemu TCG on tap bridges inside a
// network namespace of the test's own, and drives each guest through its
// serial port. This machine's kernel has neither DRBD nor nfsd, so the VMs are
// where those real components run.
package vm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Packages are installed into the guest by debootstrap. Changing the list
// changes the cache key, so the image is rebuilt.
var Packages = []string{
	"kmod", "iproute2", "e2fsprogs", "procps", "util-linux", "psmisc",
	"drbd-utils", "nfs-kernel-server", "nfs-common", "rpcbind",
	// The Pacemaker row (TestPacemakerSeedFaults): Debian's Pacemaker 2.1.5
	// and Corosync 3 run Baton's agents (ocf:baton:*, fence_baton_vm) in
	// the guests. pacemaker-cli-utils brings crm_mon, cibadmin,
	// crm_resource, crm_attribute and stonith_admin.
	"pacemaker", "corosync", "pacemaker-cli-utils",
	// The reference row (TestReferenceSeedFaults): ocf:pacemaker:ping runs
	// ping(8); Baton's ping agent sends its own ICMP and needs none.
	"iputils-ping",
}

// Modules are the kernel modules the guest may load; the image keeps only
// their dependency closure, which keeps the initramfs small.
var Modules = []string{
	"virtio_pci", "virtio_blk", "virtio_net", "ext4", "crc32c_generic",
	"drbd", "nfsd", "nfs", "nfsv3", "nfsv4",
	// softdog: the guests' watchdog for baton daemon's self-fencing. Only
	// ever loaded inside a guest, where its reset ends that qemu.
	"softdog",
	// inet_diag, tcp_diag: the sock_diag interface through which IPaddr's
	// background process keeps the tickle record of the VIP's TCP
	// connections; without them it cannot list them ("no such file or
	// directory") and a failover sends no tickle ACKs.
	"inet_diag", "tcp_diag",
}

// imageVersion changes whenever the build recipe below changes in a way the
// other inputs do not show.
const imageVersion = "3"

// Image is a built guest: a kernel and a root file system packed as a
// gzip-compressed initramfs.
type Image struct {
	Kernel string // vmlinuz
	Initrd string // the base initramfs (without Baton)
	KVer   string // the kernel's release, e.g. 6.1.0-56-amd64
}

// Builder makes or reuses an image under Dir (a git-ignored cache folder).
type Builder struct {
	Dir    string // cache folder, e.g. <repo>/.cache/vm
	Mirror string // Debian mirror for debootstrap; "" reads apt's sources
	Log    *slog.Logger
}

// Ensure returns a cached image whose inputs match, building one when there
// is none. Building needs root, debootstrap, cpio and network access to the
// Debian mirror; it takes one to two minutes.
func (b *Builder) Ensure(ctx context.Context) (*Image, error) {
	if b.Log == nil {
		b.Log = slog.Default()
	}
	kpkg, err := kernelPackage(ctx)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprint(h, strings.Join([]string{imageVersion, kpkg, strings.Join(Packages, ","), strings.Join(Modules, ",")}, " ")+"\n")
	key := hex.EncodeToString(h.Sum(nil))[:16]
	out := filepath.Join(b.Dir, "image-"+key)
	img := &Image{Kernel: filepath.Join(out, "vmlinuz"), Initrd: filepath.Join(out, "initrd.cpio.gz"),
		KVer: strings.TrimPrefix(kpkg, "linux-image-")}
	if _, err := os.Stat(filepath.Join(out, "done")); err == nil {
		return img, nil
	}
	b.Log.Info("building VM image (once; cached)", "dir", out, "kernel", kpkg)
	if err := b.build(ctx, kpkg, out, img); err != nil {
		return nil, fmt.Errorf("build VM image: %w", err)
	}
	return img, nil
}

// kernelPackage asks apt which versioned kernel package linux-image-amd64
// currently pulls in (bookworm's 6.1 series).
func kernelPackage(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "apt-cache", "depends", "linux-image-amd64").Output()
	if err != nil {
		return "", fmt.Errorf("apt-cache depends linux-image-amd64: %v (run apt-get update)", err)
	}
	m := regexp.MustCompile(`Depends: (linux-image-[0-9][^\s]*-amd64)`).FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("apt-cache depends linux-image-amd64 names no versioned kernel:\n%s", out)
	}
	return string(m[1]), nil
}

func run(ctx context.Context, dir string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		tail := out.String()
		if len(tail) > 4000 {
			tail = tail[len(tail)-4000:]
		}
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail)
	}
	return nil
}

func (b *Builder) build(ctx context.Context, kpkg, out string, img *Image) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("building the VM image needs root (debootstrap, chroot)")
	}
	for _, p := range []string{"debootstrap", "cpio", "apt-get", "dpkg-deb", "gzip"} {
		if _, err := exec.LookPath(p); err != nil {
			return fmt.Errorf("%s is not installed: run scripts/e2e-vm.sh, which installs the VM tier's packages", p)
		}
	}
	work := out + ".tmp"
	_ = os.RemoveAll(work)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(work)
	debs := filepath.Join(b.Dir, "deb")
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return err
	}
	kdeb, _ := filepath.Glob(filepath.Join(debs, kpkg+"_*.deb"))
	if len(kdeb) == 0 {
		if err := run(ctx, debs, "apt-get", "download", kpkg); err != nil {
			return err
		}
		kdeb, _ = filepath.Glob(filepath.Join(debs, kpkg+"_*.deb"))
		if len(kdeb) == 0 {
			return fmt.Errorf("apt-get download %s left no .deb in %s", kpkg, debs)
		}
	}
	kdir := filepath.Join(work, "kernel")
	if err := run(ctx, "", "dpkg-deb", "-x", kdeb[0], kdir); err != nil {
		return err
	}
	root := filepath.Join(work, "root")
	boot, err := b.debootstrap(ctx)
	if err != nil {
		return err
	}
	if err := run(ctx, "", "cp", "-a", boot, root); err != nil {
		return err
	}
	kver := img.KVer
	// Modules: copy the kernel's tree in, then keep only what Modules needs.
	// /lib is a link to usr/lib in bookworm: copy through the real path.
	mods := filepath.Join(root, "usr", "lib", "modules")
	if err := os.MkdirAll(mods, 0o755); err != nil {
		return err
	}
	if err := run(ctx, "", "cp", "-a", filepath.Join(kdir, "lib", "modules", kver), mods+"/"); err != nil {
		return err
	}
	// The package's postinst makes modules.dep; without it modprobe
	// finds nothing.
	if err := run(ctx, "", "chroot", root, "depmod", kver); err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, m := range Modules {
		o, err := exec.CommandContext(ctx, "chroot", root, "modprobe", "-S", kver, "--show-depends", m).CombinedOutput()
		if err != nil {
			return fmt.Errorf("modprobe --show-depends %s: %v\n%s", m, err, o)
		}
		for _, line := range strings.Split(string(o), "\n") {
			f := strings.Fields(line)
			if len(f) >= 2 && f[0] == "insmod" {
				// modprobe prints /lib/modules/...: the same files under usr/.
				keep[filepath.Clean(filepath.Join(root, "usr", strings.TrimPrefix(f[1], "/usr")))] = true
			}
		}
	}
	mdir := filepath.Join(mods, kver, "kernel")
	err = filepath.Walk(mdir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && strings.HasSuffix(p, ".ko") && !keep[filepath.Clean(p)] {
			return os.Remove(p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := run(ctx, "", "chroot", root, "depmod", kver); err != nil {
		return err
	}
	// Trim what a test guest never reads.
	for _, p := range []string{"usr/share/doc", "usr/share/man", "usr/share/locale", "usr/share/info",
		"var/lib/apt/lists", "var/cache/apt", "usr/share/zoneinfo", "usr/lib/python3", "usr/lib/python3.11"} {
		_ = os.RemoveAll(filepath.Join(root, p))
	}
	files := map[string]string{
		"init":                            guestInit,
		"etc/drbd.d/global_common.conf":   "global { usage-count no; }\ncommon { }\n",
		"etc/hosts":                       "127.0.0.1 localhost\n",
		"etc/resolv.conf":                 "",
		"etc/exports":                     "",
		"usr/lib/ocf/resource.d/.keep":    "",
		"etc/modprobe.d/baton-vm.conf":    "# the VM tier's guests\n",
		"etc/ha.d/.keep":                  "",
		"usr/lib/ocf/lib/heartbeat/.keep": "",
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(root, "init"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	vmlinuz, _ := filepath.Glob(filepath.Join(kdir, "boot", "vmlinuz-*"))
	if len(vmlinuz) == 0 {
		return fmt.Errorf("%s holds no boot/vmlinuz-*", kdeb[0])
	}
	if err := copyFile(vmlinuz[0], img.Kernel); err != nil {
		return err
	}
	if err := packCpio(ctx, root, img.Initrd, true); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "done"), []byte(kpkg+"\n"), 0o644)
}

// debootstrap returns a bootstrapped bookworm tree with Packages, made once
// per package list and kept in the cache, since it is the slow step.
func (b *Builder) debootstrap(ctx context.Context) (string, error) {
	h := sha256.Sum256([]byte(strings.Join(Packages, ",")))
	dir := filepath.Join(b.Dir, "debootstrap-"+hex.EncodeToString(h[:])[:12])
	if _, err := os.Stat(filepath.Join(dir, ".baton-done")); err == nil {
		return dir, nil
	}
	_ = os.RemoveAll(dir)
	mirror := b.Mirror
	if mirror == "" {
		mirror = aptMirror()
	}
	b.Log.Info("debootstrap", "mirror", mirror, "dir", dir)
	if err := run(ctx, "", "debootstrap", "--variant=minbase", "--include="+strings.Join(Packages, ","),
		"bookworm", dir, mirror); err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, ".baton-done"), nil, 0o644)
}

// packCpio writes dir as a newc cpio archive, gzip-compressed when gz is
// set. The kernel unpacks concatenated archives in order, which is how Baton's
// binary is added to the cached base image without rebuilding it.
func packCpio(ctx context.Context, dir, dst string, gz bool) error {
	var names []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		names = append(names, rel)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(names)
	f, err := os.Create(dst + ".part")
	if err != nil {
		return err
	}
	defer f.Close()
	cpio := exec.CommandContext(ctx, "cpio", "--null", "-o", "-H", "newc", "--quiet")
	cpio.Dir = dir
	cpio.Stdin = strings.NewReader(strings.Join(names, "\x00") + "\x00")
	var errb bytes.Buffer
	cpio.Stderr = &errb
	if !gz {
		cpio.Stdout = f
		if err := cpio.Run(); err != nil {
			return fmt.Errorf("cpio: %v: %s", err, errb.String())
		}
	} else {
		zip := exec.CommandContext(ctx, "gzip", "-1")
		pr, pw := io.Pipe()
		cpio.Stdout = pw
		zip.Stdin = pr
		zip.Stdout = f
		if err := zip.Start(); err != nil {
			return err
		}
		cerr := cpio.Run()
		pw.Close()
		zerr := zip.Wait()
		if cerr != nil {
			return fmt.Errorf("cpio: %v: %s", cerr, errb.String())
		}
		if zerr != nil {
			return fmt.Errorf("gzip: %v", zerr)
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(dst+".part", dst)
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

// aptMirror returns the first Debian archive URI apt uses here, so that the
// guest comes from the same mirror as the host's packages.
func aptMirror() string {
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*.sources")
	files = append(files, "/etc/apt/sources.list")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			var uri string
			switch {
			case strings.HasPrefix(line, "URIs:"):
				uri = strings.Fields(strings.TrimPrefix(line, "URIs:"))[0]
			case strings.HasPrefix(line, "deb "):
				f := strings.Fields(line)
				for _, x := range f[1:] {
					if strings.HasPrefix(x, "http") {
						uri = x
						break
					}
				}
			}
			if uri != "" && !strings.Contains(uri, "security") {
				return uri
			}
		}
	}
	return "http://deb.debian.org/debian"
}
