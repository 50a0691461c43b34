// Package authoring tests the documented way to write a Baton CIB: with
// pcs and crmsh, offline on a file (pcs -f, CIB_file=... crm configure),
// then `baton verify` and `baton cib replace` into a running daemon.
package authoring

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/nfsstack"
)

// withAgents runs a command in a private mount namespace where agentDir is
// /usr/lib/ocf/resource.d/baton (the host's other providers stay), as after
// `make install`: pcs and crmsh read the agents' meta-data from there and
// refuse unknown parameters. The host's tree is not touched.
func withAgents(ctx context.Context, agentDir string, env []string, argv ...string) (string, int) {
	const script = `set -e
orig=$(mktemp -d)
mount --bind /usr/lib/ocf/resource.d "$orig"
mount -t tmpfs tmpfs /usr/lib/ocf/resource.d
for p in "$orig"/*; do [ "${p##*/}" = baton ] || ln -s "$p" /usr/lib/ocf/resource.d/; done
ln -s "$0" /usr/lib/ocf/resource.d/baton
exec "$@"`
	args := append([]string{"-m", "--propagation", "private", "sh", "-c", script, agentDir}, argv...)
	return harness.Run(ctx, env, "unshare", args...)
}

// emptyCIB makes the file pcs and crmsh start from.
func emptyCIB(t *testing.T, path string) {
	t.Helper()
	out, err := exec.Command("cibadmin", "--empty").Output()
	if err != nil {
		t.Fatalf("cibadmin --empty: %v", err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// pcsCommands are docs/nfs.md's pcs commands for the stack.
func pcsCommands(file, disk, vip string) [][]string {
	pcs := func(a ...string) []string { return append([]string{"pcs", "-f", file}, a...) }
	return [][]string{
		pcs("property", "set", "stonith-enabled=false"),
		pcs("resource", "create", "fs", "ocf:baton:Filesystem", "device="+disk, "directory=/data", "fstype=ext4",
			"op", "monitor", "interval=5s", "timeout=20s", "--group", "nfs"),
		pcs("resource", "create", "nfsd", "ocf:baton:nfsserver", "server=ganesha", "nfs_shared_infodir=/data/nfs", "nfs_ip="+vip,
			"op", "monitor", "interval=2s", "timeout=20s", "--group", "nfs"),
		pcs("resource", "create", "exp", "ocf:baton:exportfs", "server=ganesha", "directory=/data/export", "clientspec=*",
			"options=rw,no_root_squash,sync", "fsid=1", "op", "monitor", "interval=5s", "timeout=20s", "--group", "nfs"),
		pcs("resource", "create", "vip", "ocf:baton:IPaddr", "ip="+vip, "cidr_netmask=24", "nic=eth1", "tickle_dir=/data/.tickle",
			"op", "monitor", "interval=2s", "timeout=20s", "--group", "nfs"),
		pcs("constraint", "location", "nfs", "prefers", "node1=100"),
	}
}

// crmScript is docs/nfs.md's crmsh configuration of the stack.
func crmScript(disk, vip string) string {
	return fmt.Sprintf(`property stonith-enabled=false
primitive fs ocf:baton:Filesystem params device=%s directory=/data fstype=ext4 op monitor interval=5s timeout=40s
primitive nfsd ocf:baton:nfsserver params server=ganesha nfs_shared_infodir=/data/nfs nfs_ip=%s op monitor interval=2s timeout=20s
primitive exp ocf:baton:exportfs params server=ganesha directory=/data/export clientspec="*" options=rw,no_root_squash,sync fsid=1 op monitor interval=5s timeout=20s
primitive vip ocf:baton:IPaddr params ip=%s cidr_netmask=24 nic=eth1 tickle_dir=/data/.tickle op monitor interval=2s timeout=20s
group nfs fs nfsd exp vip
location nfs-prefers-node1 nfs 100: node1
commit
`, disk, vip, vip)
}

// TestPcsAndCrmsh builds the NFS stack's CIB with pcs -f and with crmsh on
// files, checks both with baton verify, and loads each into a running
// two-node Baton cluster with baton cib replace: the stack starts on node1
// from the pcs file, stops when an empty configuration replaces it, and
// starts again from the crmsh file.
func TestPcsAndCrmsh(t *testing.T) {
	harness.NeedRoot(t)
	harness.NeedCommand(t, "pcs", "crm", "cibadmin", "unshare")
	s := nfsstack.New(t, nfsstack.Options{NoResources: true})
	agents := harness.AgentDir(t, nfsstack.Agents...)
	bin := harness.Baton(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	pcsFile := filepath.Join(dir, "pcs.xml")
	emptyCIB(t, pcsFile)
	for _, argv := range pcsCommands(pcsFile, s.Disk.Path, s.VIP) {
		if out, code := withAgents(ctx, agents, nil, argv...); code != 0 {
			t.Fatalf("%s: exit %d\n%s", strings.Join(argv, " "), code, out)
		}
	}
	crmFile := filepath.Join(dir, "crm.xml")
	emptyCIB(t, crmFile)
	script := filepath.Join(dir, "nfs.crm")
	if err := os.WriteFile(script, []byte(crmScript(s.Disk.Path, s.VIP)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := withAgents(ctx, agents, []string{"CIB_file=" + crmFile}, "crm", "-f", script, "configure"); code != 0 {
		t.Fatalf("crm configure: exit %d\n%s", code, out)
	}
	emptyFile := filepath.Join(dir, "empty.xml")
	emptyCIB(t, emptyFile)
	if out, code := withAgents(ctx, agents, []string{"CIB_file=" + emptyFile}, "crm", "configure", "property", "stonith-enabled=false"); code != 0 {
		t.Fatalf("crm configure property: exit %d\n%s", code, out)
	}
	for _, f := range []string{pcsFile, crmFile} {
		if out, code := harness.Run(ctx, nil, bin, "verify", "-V", "-x", f); code != 0 {
			b, _ := os.ReadFile(f)
			t.Fatalf("baton verify %s: exit %d\n%s\n%s", f, code, out, b)
		}
	}

	for _, n := range s.C.Nodes {
		n.Start(t)
	}
	if !s.WaitJoined(t, 60*time.Second) {
		t.Fatal("the nodes did not join")
	}
	replace := func(file string) {
		t.Helper()
		n := s.C.Nodes[0]
		if out, code := n.Exec(ctx, bin, "cib", "replace", "--config", filepath.Join(n.Dir, "baton.toml"), file); code != 0 {
			t.Fatalf("baton cib replace %s: exit %d\n%s", file, code, out)
		}
	}
	replace(pcsFile)
	if !s.WaitRunning(t, 1, "node1", 90*time.Second) {
		t.Fatal("the stack written by pcs did not start on node1")
	}
	replace(emptyFile)
	if !waitStopped(s, 60*time.Second) {
		t.Fatal("the stack did not stop when a CIB without resources replaced it")
	}
	replace(crmFile)
	if !s.WaitRunning(t, 1, "node1", 90*time.Second) {
		t.Fatal("the stack written by crmsh did not start on node1")
	}
	if vip, mount := s.Holders(); len(vip) != 1 || len(mount) != 1 {
		t.Errorf("VIP on %v, /data mounted on %v; want node1 alone", vip, mount)
	}
}

// waitStopped waits until no node reports a running resource and neither
// holds the VIP or the mount.
func waitStopped(s *nfsstack.Stack, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		st, ok := s.C.Nodes[0].Status()
		running := !ok
		for _, r := range st.Resources {
			if len(r.Nodes) > 0 {
				running = true
			}
		}
		vip, mount := s.Holders()
		if !running && len(vip) == 0 && len(mount) == 0 {
			return true
		}
		time.Sleep(250 * time.Millisecond)
	}
	return false
}
