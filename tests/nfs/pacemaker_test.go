package nfs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/cibxml"
	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/loopdev"
	"github.com/baton-ha/baton/tests/harness/pacemaker"
)

// TestUnderPacemaker runs Filesystem, nfsserver (Ganesha) and exportfs as
// one group under a real Pacemaker and serves NFS from it.
func TestUnderPacemaker(t *testing.T) {
	harness.NeedRoot(t)
	harness.NeedCommand(t, "ganesha.nfsd", "rpcbind", "nfs-ls", "mkfs.ext4")
	// The filesystem comes with its export directory, as DRBD's would.
	seed := t.TempDir()
	if err := os.Mkdir(filepath.Join(seed, "export"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(seed, "export", "hello"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	disk := loopdev.New(t, 64)
	disk.Mkfs(t, "ext4", "-d", seed)
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	c := pacemaker.Start(t, "Filesystem", "nfsserver", "exportfs")
	// The seed's export goes to 192.168.0.0/24: give the node (its own
	// network namespace) an address there to mount from.
	c.MustExec(t, "ip", "addr", "add", seedSrv+"/24", "dev", "lo")
	traces := t.TempDir()
	c.MustExec(t, "cibadmin", "--create", "-o", "resources", "--xml-text", cibxml.Group("nfsgroup",
		cibxml.Filesystem("fs", disk.Path, dir, "ext4", cibxml.Monitor("10s", "40s")),
		cibxml.NFSServer("nfs", "ganesha", dir+"/nfs", cibxml.Monitor("5s", "20s")).
			With(cibxml.NV{Name: "nfs_server_scope", Value: "nfs.test"}).Traced(traces),
		cibxml.Exportfs("exp", dir+"/export", seedNet, "rw,sync,no_root_squash", "1", cibxml.Monitor("5s", "20s")).Traced(traces),
	))

	started := func(s *pacemaker.Status) bool {
		for _, id := range []string{"fs", "nfs", "exp"} {
			in := s.Instances(id)
			if len(in) != 1 || in[0].Role != "Started" || in[0].Failed {
				return false
			}
		}
		return true
	}
	if st, ok := c.WaitFor(t, 90*time.Second, started); !ok {
		t.Fatalf("want fs, nfs, exp Started; crm_mon shows %+v", st.Resources)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, code := c.Exec(ctx, "nfs-cat", "nfs://"+seedSrv+dir+"/export/hello?version=4")
	if code != 0 || out != "hello\n" {
		t.Fatalf("nfs-cat from the cluster's export to 192.168.0.0/24: exit %d, %q", code, out)
	}
	// 127.0.0.1 is outside the spec.
	if out, code := c.Exec(ctx, "nfs-ls", "nfs://127.0.0.1"+dir+"/export"); code == 0 {
		t.Fatalf("nfs-ls from 127.0.0.1 mounted an export for 192.168.0.0/24: %s", out)
	}
	// A few of the cluster's recurring monitors run, and they succeed.
	for _, id := range []string{"nfs", "exp"} {
		harness.WaitTraces(t, traces, id, "monitor", 2, 30*time.Second, func(tr harness.Trace) bool {
			if tr.Recurring() && !tr.Succeeded() {
				t.Fatalf("a recurring monitor of %s failed:\n%s", id, tr.Text)
			}
			return tr.Recurring()
		})
	}
	if st := c.Status(t); !started(st) {
		t.Fatalf("a monitor failed: %+v", st.Resources)
	}

	c.MustExec(t, "crm_resource", "--resource", "nfsgroup", "--meta", "--set-parameter", "target-role", "--parameter-value", "Stopped")
	stopped := func(s *pacemaker.Status) bool {
		for _, id := range []string{"fs", "nfs", "exp"} {
			for _, in := range s.Instances(id) {
				if in.Role != "Stopped" || in.Failed {
					return false
				}
			}
		}
		return true
	}
	if st, ok := c.WaitFor(t, 60*time.Second, stopped); !ok {
		t.Fatalf("want the group stopped; crm_mon shows %+v", st.Resources)
	}
	out, _ = c.Exec(ctx, "sh", "-c", "pgrep -x ganesha.nfsd -a --ns $$ --nslist mnt; true")
	if strings.TrimSpace(out) != "" {
		t.Fatalf("ganesha.nfsd still runs in the cluster's node after stop: %s", out)
	}
}
