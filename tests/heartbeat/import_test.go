// Package heartbeat tests `baton import heartbeat` end to end: Heartbeat
// files in the seed's style, for a cluster the test builds, are imported;
// the CIB passes baton verify, the baton.toml files pass baton daemon
// --check, and the CIB runs the NFS stack under two real baton daemons,
// through a failover.
package heartbeat

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/nfsstack"
)

func write(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImportRunsUnderDaemon imports ha.cf (both nodes'), haresources, a crc
// authkeys and /etc/exports written for the test's cluster, and runs the
// result. Two substitutions are made in the CIB, because the namespaces
// have neither DRBD nor a kernel nfsd: the promotable drbd clone runs
// ocf:baton:Stateful (the same promotable clone, colocation and ordering),
// and nfsserver/exportfs use server=ganesha. Everything else - the group,
// its order, the preference for the haresources line's node, the
// stickiness, the ping rule - is the import's.
func TestImportRunsUnderDaemon(t *testing.T) {
	harness.NeedRoot(t)
	s := nfsstack.New(t, nfsstack.Options{NoResources: true, ExtraAgents: []string{"Stateful"}, PingClient: true, Witness: true})
	bin := harness.Baton(t)
	dir := t.TempDir()
	n1, n2 := s.C.Nodes[0], s.C.Nodes[1]
	client := strings.Split(s.C.Client.Addr, "/")[0]
	hacf := func(peerHB, peerSVC string) string {
		return fmt.Sprintf(`# /etc/ha.d/ha.cf
logfacility local0
keepalive 500ms
warntime 1
deadtime 2
initdead 30
ucast eth0 %s
ucast eth1 %s
auto_failback off
node node1
node node2
ping %s
`, peerHB, peerSVC, client)
	}
	cf1 := write(t, filepath.Join(dir, "ha.cf.node1"), hacf(n2.HBAddr, n2.SvcAddr))
	cf2 := write(t, filepath.Join(dir, "ha.cf.node2"), hacf(n1.HBAddr, n1.SvcAddr))
	res := write(t, filepath.Join(dir, "haresources"), fmt.Sprintf(`# node1 IPaddr::%[1]s/24/eth1 Filesystem::%[2]s::/data::ext4 nfs-kernel-server
node1 IPaddr::%[1]s/24/eth1 drbddisk::r0 Filesystem::%[2]s::/data::ext4 nfsd
`, s.VIP, s.Disk.Path))
	keys := write(t, filepath.Join(dir, "authkeys"), "auth 1\n1 crc\n")
	exports := write(t, filepath.Join(dir, "exports"), "/data/export *(rw,sync,no_root_squash)\n")
	out := filepath.Join(dir, "out")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	text, code := harness.Run(ctx, nil, bin, "import", "heartbeat", "--ha-cf", "node1="+cf1, "--ha-cf", "node2="+cf2,
		"--haresources", res, "--authkeys", keys, "--exports", exports, "--scripts", dir, "--out-dir", out,
		"--key-path", filepath.Join(out, "authkey"), "--cib-path", filepath.Join(out, "cib.xml"))
	if code != 0 {
		t.Fatalf("baton import heartbeat: exit %d\n%s", code, text)
	}
	for _, want := range []string{"crc, a checksum", "fsid=1 assigned"} {
		if !strings.Contains(text, want) {
			t.Errorf("import output lacks %q:\n%s", want, text)
		}
	}
	cibFile := filepath.Join(out, "cib.xml")
	if text, code := harness.Run(ctx, nil, bin, "verify", "-V", "-x", cibFile); code != 0 {
		t.Fatalf("baton verify: exit %d\n%s", code, text)
	}
	for _, n := range []string{"node1", "node2"} {
		if text, code := harness.Run(ctx, nil, bin, "daemon", "--check", "--config", filepath.Join(out, n, "baton.toml")); code != 0 {
			t.Fatalf("baton daemon --check %s: exit %d\n%s", n, code, text)
		}
	}
	b, err := os.ReadFile(cibFile)
	if err != nil {
		t.Fatal(err)
	}
	x := string(b)
	x = strings.Replace(x, `type="drbd"`, `type="Stateful"`, 1)
	x = strings.Replace(x, `name="drbd_resource" value="r0"`, `name="envfile" value="/run/st.env"`, 1)
	x = strings.ReplaceAll(x, `name="server" value="kernel"`, `name="server" value="ganesha"`)
	run := write(t, filepath.Join(dir, "run.xml"), x)
	_ = os.Chmod(run, 0o644)

	for _, n := range s.C.Nodes {
		n.Start(t)
	}
	if !s.WaitJoined(t, 60*time.Second) {
		t.Fatal("the nodes did not join")
	}
	if text, code := n1.Exec(ctx, bin, "cib", "replace", "--config", filepath.Join(n1.Dir, "baton.toml"), run); code != 0 {
		t.Fatalf("baton cib replace: exit %d\n%s", code, text)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		vip, mount := s.Holders()
		if len(vip) == 1 && vip[0] == "node1" && len(mount) == 1 && mount[0] == "node1" {
			break
		}
		if time.Now().After(deadline) {
			st, _ := n1.Status()
			t.Fatalf("the imported stack did not start on node1 (the haresources line's node): VIP on %v, /data on %v; %+v", vip, mount, st)
		}
		time.Sleep(200 * time.Millisecond)
	}
	tl := s.KillFailover(t, nil)
	if !tl.Intact || len(tl.Violations) > 0 {
		t.Fatalf("failover: intact=%v violations=%v\n%s", tl.Intact, tl.Violations, strings.Join(tl.Events, "\n"))
	}
	if vip, mount := s.Holders(); len(vip) != 1 || vip[0] != "node2" || len(mount) != 1 || mount[0] != "node2" {
		t.Fatalf("after killing node1: VIP on %v, /data on %v", vip, mount)
	}
	t.Logf("stall %.2f s\n%s", tl.Stall.Seconds(), strings.Join(tl.Events, "\n"))
}
