// Package pkg_test builds Baton's .deb and .rpm as `make deb` and `make rpm`
// do, installs the .deb into an empty staging root with dpkg, runs the
// installed binary and Pacemaker's crm_resource against it, verifies the
// systemd units with systemd-analyze, renders the manual pages, and removes
// the package again.
package pkg_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-ha/baton/agents"
	"github.com/baton-ha/baton/crm/config"
	"github.com/baton-ha/baton/tests/harness"
)

// built holds the packages, made once per test process.
type built struct {
	deb, rpm string
	man      string // the pages `baton man` wrote
	err      error
}

var (
	buildOnce sync.Once
	packages  built
)

func run(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// build makes the pages and both packages from a fresh binary, into a
// directory of this test process.
func build(t *testing.T) built {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the packages (not under -short)")
	}
	harness.NeedCommand(t, "dpkg", "dpkg-deb", "rpm")
	bin := harness.Baton(t)
	buildOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		dir, err := harness.ProcessTempDir("baton-test-pkg")
		if err != nil {
			packages.err = err
			return
		}
		packages.man = filepath.Join(dir, "man")
		if out, err := run(ctx, "", nil, bin, "man", "--dir", packages.man); err != nil {
			packages.err = &cmdError{"baton man", out, err}
			return
		}
		packager := filepath.Join(dir, "packager")
		top := harness.RepoRoot()
		if out, err := run(ctx, filepath.Join(top, "packaging"), nil, "go", "build", "-o", packager, "."); err != nil {
			packages.err = &cmdError{"go build ./packaging", out, err}
			return
		}
		for _, f := range []struct {
			format string
			dst    *string
		}{{"deb", &packages.deb}, {"rpm", &packages.rpm}} {
			out, err := run(ctx, "", nil, packager, "-format", f.format, "-top", top, "-baton", bin,
				"-man", packages.man, "-out", dir, "-version", "0.1.0-test1")
			if err != nil {
				packages.err = &cmdError{"packaging -format " + f.format, out, err}
				return
			}
			*f.dst = strings.TrimSpace(out)
		}
	})
	if packages.err != nil {
		t.Fatal(packages.err)
	}
	return packages
}

type cmdError struct {
	what, out string
	err       error
}

func (e *cmdError) Error() string { return e.what + ": " + e.err.Error() + "\n" + e.out }

// want is the package's file list less /usr/share/doc (which follows docs/)
// and the man pages (checked against the agents below), with modes.
func want() map[string]string {
	w := map[string]string{
		"/usr/sbin/baton":                               "-rwxr-xr-x",
		"/etc/baton/baton.toml":                         "-rw-r--r--",
		"/usr/lib/systemd/system/baton.service":         "-rw-r--r--",
		"/usr/lib/systemd/system/baton-witness.service": "-rw-r--r--",
		"/usr/share/man/man8/baton.8.gz":                "-rw-r--r--",
		"/usr/share/man/man5/baton.toml.5.gz":           "-rw-r--r--",
		"/usr/share/doc/baton/README.md":                "-rw-r--r--",
	}
	for _, a := range agents.All() {
		w["/usr/lib/ocf/resource.d/baton/"+a.Name] = "symlink"
		w["/usr/share/man/man7/ocf_baton_"+a.Name+".7.gz"] = "-rw-r--r--"
	}
	return w
}

// newRoot makes an empty staging root with the minimal dpkg database.
func newRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"info", "updates", "triggers"} {
		if err := os.MkdirAll(filepath.Join(root, "var/lib/dpkg", d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"status", "available"} {
		if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg", f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// dpkg runs dpkg on the staging root. Maintainer scripts run outside a
// chroot with DPKG_ROOT set (the root has no shell), and ours touch nothing
// but that root then.
func dpkg(t *testing.T, root string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := run(ctx, "", nil, "dpkg", append([]string{"--root=" + root, "--force-script-chrootless"}, args...)...)
	if err != nil {
		t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// files lists what is in root outside dpkg's database.
func files(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, root)
		if rel == "/var/lib/dpkg" {
			return filepath.SkipDir
		}
		if !info.IsDir() {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestDebInstallsRunsAndRemovesCleanly(t *testing.T) {
	harness.NeedRoot(t)
	harness.NeedCommand(t, "unshare", "chroot", "crm_resource", "systemd-analyze")
	p := build(t)
	root := newRoot(t)
	dpkg(t, root, "-i", p.deb)

	for path, mode := range want() {
		st, err := os.Lstat(filepath.Join(root, path))
		if err != nil {
			t.Errorf("not installed: %s", path)
			continue
		}
		if mode == "symlink" {
			target, err := os.Readlink(filepath.Join(root, path))
			if err != nil || st.Mode()&os.ModeSymlink == 0 {
				t.Errorf("%s is not a symlink", path)
				continue
			}
			// Relative, so that it resolves inside the staging root too.
			if got := filepath.Join(filepath.Dir(path), target); got != "/usr/sbin/baton" {
				t.Errorf("%s -> %s, resolving to %s; want /usr/sbin/baton", path, target, got)
			}
			continue
		}
		if got := st.Mode().String(); got != mode {
			t.Errorf("%s has mode %s, want %s", path, got, mode)
		}
	}
	conf, err := os.ReadFile(filepath.Join(root, "var/lib/dpkg/info/baton.conffiles"))
	if err != nil || strings.TrimSpace(string(conf)) != "/etc/baton/baton.toml" {
		t.Errorf("conffiles: %q (%v), want /etc/baton/baton.toml", conf, err)
	}
	// dpkg's own view agrees with the files on disk.
	listed := dpkg(t, root, "-L", "baton")
	for path := range want() {
		if !strings.Contains(listed, path+"\n") {
			t.Errorf("dpkg -L baton lacks %s", path)
		}
	}

	// The installed binary, and Pacemaker finding the agents where it
	// looks: crm_resource's agent path is compiled in, so run it in a
	// chroot whose /usr is the package's files over the host's.
	out := inRoot(t, root, "/usr/sbin/baton", "agent", "list")
	for _, a := range agents.All() {
		if !strings.Contains(out, a.Name) {
			t.Errorf("installed baton agent list lacks %s:\n%s", a.Name, out)
		}
	}
	out = inRoot(t, root, "crm_resource", "--show-metadata", "ocf:baton:IPaddr")
	if !strings.Contains(out, `<resource-agent name="IPaddr"`) {
		t.Errorf("crm_resource --show-metadata ocf:baton:IPaddr:\n%s", out)
	}
	// The units as installed, with their binary and man pages in place.
	// It warns about unknown keys and the like without failing: any output
	// is a finding.
	if out := inRoot(t, root, "systemd-analyze", "verify", "/usr/lib/systemd/system/baton.service",
		"/usr/lib/systemd/system/baton-witness.service"); strings.TrimSpace(out) != "" {
		t.Errorf("systemd-analyze verify on the installed units:\n%s", out)
	}
	out = inRoot(t, root, "man", "-P", "cat", "8", "baton")
	if !strings.Contains(out, "baton keygen") {
		t.Errorf("man 8 baton from the package does not show keygen:\n%.2000s", out)
	}

	dpkg(t, root, "--purge", "baton")
	if left := files(t, root); len(left) > 0 {
		t.Errorf("files left after dpkg --purge: %q", left)
	}
}

// inRoot runs argv in a private mount namespace, chrooted into a tree whose
// /usr is the staging root's /usr layered over the host's (overlayfs,
// read-only) and whose /etc, /dev, /proc come from the host. Nothing is
// mounted outside that namespace; the tree is removed after.
func inRoot(t *testing.T, root string, argv ...string) string {
	t.Helper()
	tree := t.TempDir()
	const script = `set -e
root=$1 tree=$2; shift 2
mkdir -p "$tree/usr" "$tree/etc" "$tree/dev" "$tree/proc" "$tree/tmp" "$tree/run" "$tree/var/tmp"
mount -t overlay overlay -o "lowerdir=$root/usr:/usr" "$tree/usr"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$tree/$d"; done
mount --rbind /etc "$tree/etc"
mount --rbind /dev "$tree/dev"
mount -t proc proc "$tree/proc"
mount -t tmpfs tmpfs "$tree/tmp"
mount -t tmpfs tmpfs "$tree/run"
exec chroot "$tree" "$@"
`
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := append([]string{"--mount", "--propagation", "private", "sh", "-c", script, "sh", root, tree}, argv...)
	out, err := run(ctx, "", nil, "unshare", args...)
	if err != nil {
		t.Fatalf("%s in the staging root: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return out
}

func TestRPMFileList(t *testing.T) {
	p := build(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := run(ctx, "", nil, "rpm", "-qp", "--qf", `[%{FILEMODES:perms} %{FILENAMES} %{FILEFLAGS:fflags}\n]`, p.rpm)
	if err != nil {
		t.Fatalf("rpm -qp: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		mode := f[0]
		if strings.HasPrefix(mode, "l") {
			mode = "symlink"
		}
		flags := ""
		if len(f) > 2 {
			flags = f[2]
		}
		got[f[1]] = mode + " " + flags
	}
	for path, mode := range want() {
		g, ok := got[path]
		if !ok {
			t.Errorf("rpm lacks %s", path)
			continue
		}
		if !strings.HasPrefix(g, mode) {
			t.Errorf("rpm: %s is %q, want mode %s", path, g, mode)
		}
	}
	// %config(noreplace): an edited baton.toml survives an upgrade.
	if g := got["/etc/baton/baton.toml"]; !strings.Contains(g, "c") || !strings.Contains(g, "n") {
		t.Errorf("rpm: /etc/baton/baton.toml flags %q, want config and noreplace", g)
	}
	links, err := run(ctx, "", nil, "rpm", "-qp", "--qf", `[%{FILENAMES} %{FILELINKTOS}\n]`, p.rpm)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range agents.All() {
		if !strings.Contains(links, "/usr/lib/ocf/resource.d/baton/"+a.Name+" ../../../../sbin/baton\n") {
			t.Errorf("rpm: no relative link for agent %s:\n%s", a.Name, links)
		}
	}
}

// Every page renders without a groff warning, and every agent has one.
func TestManPagesRender(t *testing.T) {
	harness.NeedCommand(t, "groff", "man")
	p := build(t)
	pages, _ := filepath.Glob(filepath.Join(p.man, "man*", "*"))
	names := map[string]bool{}
	for _, page := range pages {
		names[filepath.Base(page)] = true
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, "groff", "-man", "-Tutf8", "-ww", "-z", page)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil || stderr.Len() > 0 {
			t.Errorf("groff %s: %v\n%s", filepath.Base(page), err, stderr.String())
		}
		out, err := run(ctx, "", []string{"MANWIDTH=80"}, "man", "-l", "-P", "cat", page)
		cancel()
		if err != nil || !strings.Contains(out, "NAME") || !strings.Contains(out, "SEE ALSO") {
			t.Errorf("man -l %s: %v\n%.1000s", filepath.Base(page), err, out)
		}
	}
	for _, n := range []string{"baton.8", "baton.toml.5"} {
		if !names[n] {
			t.Errorf("no %s", n)
		}
	}
	for _, a := range agents.All() {
		if !names["ocf_baton_"+a.Name+".7"] {
			t.Errorf("agent %s has no page ocf_baton_%s.7", a.Name, a.Name)
		}
	}
}

// The example the packages install as /etc/baton/baton.toml is a valid
// configuration once the administrator has filled it in: every key it sets
// is known and well-formed.
func TestExampleConfigLoads(t *testing.T) {
	path := filepath.Join(harness.RepoRoot(), "packaging", "baton.toml")
	if _, err := config.Load(path); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
