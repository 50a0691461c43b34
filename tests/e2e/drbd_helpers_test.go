//go:build e2evm

// Package e2e holds the VM tier's tests: real DRBD 8.4, kernel nfsd and the
// kernel NFS client in qemu guests (tests/vm). Run them with `make e2e-vm`.
package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/vm"
)

// Two servers, each on the service bridge (br0) and the replication and
// heartbeat bridge (br1), with a 64 MB disk for DRBD.
var (
	nodeA = vm.Spec{Name: "nodea", Addrs: []string{"10.0.0.1/24", "10.0.1.1/24"}, Nets: []string{"br0", "br1"}, DiskMB: 64}
	nodeB = vm.Spec{Name: "nodeb", Addrs: []string{"10.0.0.2/24", "10.0.1.2/24"}, Nets: []string{"br0", "br1"}, DiskMB: 64}
)

// cibFile is where the guests keep the CIB the fencing handlers edit: there
// is no cluster manager in these guests, so a CIB file stands in for it.
const cibFile = "/var/lib/baton/cib.xml"

// drbdConf is r0 over the replication link, with resource-level fencing
// through Baton's handlers. Pings every second so that a dead peer is seen
// within about two seconds.
const drbdConf = `resource r0 {
  device /dev/drbd0;
  disk /dev/vda;
  meta-disk internal;
  disk { c-plan-ahead 0; resync-rate 100M; fencing resource-only; }
  net { ping-int 1; ping-timeout 5; timeout 10; connect-int 2; }
  handlers {
    fence-peer "/usr/sbin/baton drbd fence-peer --cib-file /var/lib/baton/cib.xml";
    after-resync-target "/usr/sbin/baton drbd unfence-peer --cib-file /var/lib/baton/cib.xml";
  }
  on nodea { address 10.0.1.1:7789; }
  on nodeb { address 10.0.1.2:7789; }
}
`

// cibXML is a minimal CIB with the promotable clone of r0, the shape
// Pacemaker and Baton's CRM read.
const cibXML = `<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.9">
  <configuration>
    <crm_config/>
    <nodes/>
    <resources>
      <clone id="ms_drbd_r0">
        <primitive id="drbd_r0" class="ocf" provider="baton" type="drbd">
          <instance_attributes id="drbd_r0-ia">
            <nvpair id="drbd_r0-ia-res" name="drbd_resource" value="r0"/>
          </instance_attributes>
        </primitive>
        <meta_attributes id="ms_drbd_r0-meta">
          <nvpair id="ms_drbd_r0-promotable" name="promotable" value="true"/>
          <nvpair id="ms_drbd_r0-notify" name="notify" value="true"/>
        </meta_attributes>
      </clone>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
`

func ctxFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// must runs command on m and fails t when it exits non-zero.
func must(t *testing.T, ctx context.Context, m *vm.Machine, command string) string {
	t.Helper()
	out, err := m.MustRun(ctx, command)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// writeFile writes body to path in the guest through a quoted here-document.
func writeFile(t *testing.T, ctx context.Context, m *vm.Machine, path, body string) {
	t.Helper()
	if strings.Contains(body, "BATON_EOF") {
		t.Fatal("file body contains the here-document marker")
	}
	must(t, ctx, m, fmt.Sprintf("mkdir -p \"$(dirname %s)\" && cat > %s <<'BATON_EOF'\n%sBATON_EOF", path, path, body))
}

// setupDRBD writes the DRBD configuration and the CIB file and creates the
// meta-data on m.
func setupDRBD(t *testing.T, ctx context.Context, m *vm.Machine) {
	t.Helper()
	writeFile(t, ctx, m, "/etc/drbd.d/r0.res", drbdConf)
	writeFile(t, ctx, m, cibFile, cibXML)
	must(t, ctx, m, "modprobe drbd && drbdadm create-md --force r0")
}

// agentEnv is the OCF environment for running ocf:baton:drbd by hand.
const agentEnv = "OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=drbd_r0 OCF_RESKEY_drbd_resource=r0 " +
	"OCF_RESKEY_wfc_timeout=10 BATON_CIB_FILE=" + cibFile + " HA_LOGFILE=/var/log/baton-agent.log HA_debug=1"

// agent runs an action of ocf:baton:drbd on m and returns its exit code and
// output.
func agent(t *testing.T, ctx context.Context, m *vm.Machine, action string, extra ...string) (int, string) {
	t.Helper()
	cmd := "env " + agentEnv + " " + strings.Join(extra, " ") + " /usr/lib/ocf/resource.d/baton/drbd " + action
	r, err := m.Run(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	return r.Code, r.Out
}

// wantAgent runs an action and fails t unless it exits with want.
func wantAgent(t *testing.T, ctx context.Context, m *vm.Machine, action string, want int, extra ...string) string {
	t.Helper()
	code, out := agent(t, ctx, m, action, extra...)
	if code != want {
		t.Fatalf("%s: drbd %s exited %d, want %d:\n%s", m.Spec.Name, action, code, want, out)
	}
	return out
}

// waitFor polls command on m until its output contains want.
func waitFor(t *testing.T, ctx context.Context, m *vm.Machine, command, want string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	var last string
	for time.Now().Before(deadline) {
		r, err := m.Run(ctx, command)
		if err != nil {
			t.Fatal(err)
		}
		last = r.Out
		if strings.Contains(r.Out, want) {
			return r.Out
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("%s: %q did not show %q within %v; last output:\n%s", m.Spec.Name, command, want, within, last)
	return ""
}
