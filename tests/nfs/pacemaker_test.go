package nfs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	traces := t.TempDir()
	c.MustExec(t, "cibadmin", "--create", "-o", "resources", "--xml-text", fmt.Sprintf(
		`<group id="nfsgroup">
		   <primitive id="fs" class="ocf" provider="baton" type="Filesystem">
		     <instance_attributes id="fs-ia">
		       <nvpair id="fs-dev" name="device" value="%s"/>
		       <nvpair id="fs-dir" name="directory" value="%s"/>
		       <nvpair id="fs-type" name="fstype" value="ext4"/>
		     </instance_attributes>
		     <operations><op id="fs-mon" name="monitor" interval="10s" timeout="40s"/></operations>
		   </primitive>
		   <primitive id="nfs" class="ocf" provider="baton" type="nfsserver">
		     <instance_attributes id="nfs-ia">`+harness.TraceParams("nfs", traces)+`
		       <nvpair id="nfs-server" name="server" value="ganesha"/>
		       <nvpair id="nfs-info" name="nfs_shared_infodir" value="%s/nfs"/>
		       <nvpair id="nfs-scope" name="nfs_server_scope" value="nfs.test"/>
		     </instance_attributes>
		     <operations><op id="nfs-mon" name="monitor" interval="5s" timeout="20s"/></operations>
		   </primitive>
		   <primitive id="exp" class="ocf" provider="baton" type="exportfs">
		     <instance_attributes id="exp-ia">`+harness.TraceParams("exp", traces)+`
		       <nvpair id="exp-dir" name="directory" value="%s/export"/>
		       <nvpair id="exp-cl" name="clientspec" value="*"/>
		       <nvpair id="exp-opt" name="options" value="rw,no_root_squash"/>
		       <nvpair id="exp-fsid" name="fsid" value="1"/>
		     </instance_attributes>
		     <operations><op id="exp-mon" name="monitor" interval="5s" timeout="20s"/></operations>
		   </primitive>
		 </group>`, disk.Path, dir, dir, dir))

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
	out, code := c.Exec(ctx, "nfs-cat", "nfs://127.0.0.1"+dir+"/export/hello?version=4")
	if code != 0 || out != "hello\n" {
		t.Fatalf("nfs-cat from the cluster's export: exit %d, %q", code, out)
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
