//go:build e2evm

package e2e

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/vm"
)

// The classic two-node NFS stack, with a client on the service network.
const (
	vip       = "10.0.0.100"
	fileBytes = 10 << 20
)

var nfsClient = vm.Spec{Name: "client", Addrs: []string{"10.0.0.10/24"}, Nets: []string{"br0"}}

// stack is the resources of the NFS service in start order, each an agent
// and its OCF parameters.
var stack = []struct{ agent, env string }{
	{"drbd", agentEnv},
	{"Filesystem", "OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=fs_data OCF_RESKEY_device=/dev/drbd0 " +
		"OCF_RESKEY_directory=/data OCF_RESKEY_fstype=ext4"},
	{"nfsserver", "OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=nfs OCF_RESKEY_server=kernel " +
		"OCF_RESKEY_nfs_shared_infodir=/data/nfs OCF_RESKEY_grace_time=10 OCF_RESKEY_lease_time=10 " +
		"OCF_RESKEY_nfs_ip=" + vip + " OCF_RESKEY_nfs_server_scope=baton-nfs " +
		// Where Debian's nfs.conf (pipefs-directory) has nfsdcld look:
		// elsewhere nfsdcld exits, nfsd falls back to the nfsdcltrack
		// upcall and grace cannot end early.
		"OCF_RESKEY_rpcpipefs_dir=/run/rpc_pipefs"},
	{"exportfs", "OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=export_data OCF_RESKEY_clientspec=10.0.0.0/24 " +
		"OCF_RESKEY_options=rw,sync,no_root_squash OCF_RESKEY_directory=/data/export OCF_RESKEY_fsid=1"},
	{"IPaddr", "OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=vip OCF_RESKEY_ip=" + vip + " OCF_RESKEY_cidr_netmask=24 " +
		"OCF_RESKEY_nic=eth0 OCF_RESKEY_tickle_dir=/data/tickle"},
}

// runStack runs action (start: promote for drbd) of every resource in order
// on m, as `baton resource --force-*` or the CRM would, and returns how long
// each took. With waitPeerLoss it first waits, inside the guest, until DRBD
// has seen its peer go: the takeover runs as one guest-side script, so that
// no serial round trip sits between the steps.
func runStack(t *testing.T, ctx context.Context, m *vm.Machine, waitPeerLoss bool) []string {
	t.Helper()
	script := "set -e; t0=$(date +%s.%N); "
	if waitPeerLoss {
		script += "until drbdsetup status r0 | grep -q connection:Connecting; do sleep 0.05; done; " +
			"echo \"step peer-loss-seen $(date +%s.%N)\"; "
	}
	for _, r := range stack {
		action := "start"
		if r.agent == "drbd" {
			action = "promote"
		}
		script += "env HA_LOGFILE=/var/log/baton-agent.log " + r.env + " /usr/lib/ocf/resource.d/baton/" + r.agent + " " + action +
			" || { echo \"" + r.agent + " " + action + " exited $?\"; tail -30 /var/log/baton-agent.log; exit 1; }; " +
			"echo \"step " + r.agent + " $(date +%s.%N)\"; "
	}
	script += "echo \"step t0 $t0\""
	res, err := m.Run(ctx, script)
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != 0 {
		t.Fatalf("%s: bringing the stack up failed:\n%s", m.Spec.Name, res.Out)
	}
	var took []string
	var t0, prev float64
	steps := map[string]float64{}
	var order []string
	for _, line := range strings.Split(res.Out, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == "step" {
			v, _ := strconv.ParseFloat(f[2], 64)
			if f[1] == "t0" {
				t0 = v
				continue
			}
			steps[f[1]] = v
			order = append(order, f[1])
		}
	}
	prev = t0
	for _, name := range order {
		took = append(took, fmt.Sprintf("%s %.2fs", name, steps[name]-prev))
		prev = steps[name]
	}
	return took
}

// clientLoop writes 10 MB files over NFS one after the other, each followed
// by a line "N TIME" once dd has returned (the data is on the server's
// stable storage: conv=fsync), until /tmp/stop exists.
const clientLoop = `( i=0; while [ ! -e /tmp/stop ]; do i=$((i+1));
  if dd if=/dev/zero of=/mnt/test$i bs=10M count=1 conv=fsync status=none; then echo "$i $(date +%s.%N)" >> /tmp/acks; fi
done ) >/tmp/loop.log 2>&1 &`

type ack struct {
	n int
	t float64
}

func readAcks(t *testing.T, text string) []ack {
	var out []ack
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		n, err1 := strconv.Atoi(f[0])
		ts, err2 := strconv.ParseFloat(f[1], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad ack line %q", line)
		}
		out = append(out, ack{n, ts})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].t < out[j].t })
	return out
}

// TestNFSFailover is the classic scenario end to end: DRBD -> Filesystem ->
// nfsserver (kernel, grace and lease 10) -> exportfs -> IPaddr on the
// Primary, a kernel NFS client writing through the VIP, the primary VM
// killed, the stack brought up on the peer in order. It reports the longest
// gap in the client's write loop and checks that every file acknowledged
// before the crash is intact.
func TestNFSFailover(t *testing.T) {
	sa, sb := nodeA, nodeB
	sa.DiskMB, sb.DiskMB = 1024, 1024
	c := vm.Start(t, sa, sb, nfsClient)
	a, b, cl := c.M("nodea"), c.M("nodeb"), c.M("client")
	ctx := ctxFor(t, 12*time.Minute)
	for _, m := range []*vm.Machine{a, b} {
		setupDRBD(t, ctx, m)
		must(t, ctx, m, "mkdir -p /data")
		wantAgent(t, ctx, m, "start", 0)
	}
	waitFor(t, ctx, a, "drbdsetup status r0", "peer-disk:Inconsistent", 30*time.Second)
	must(t, ctx, a, "drbdadm new-current-uuid --clear-bitmap r0")
	waitFor(t, ctx, a, "drbdsetup status r0", "peer-disk:UpToDate", 30*time.Second)

	// First bring-up on A: the file system is made once.
	wantAgent(t, ctx, a, "promote", 0)
	must(t, ctx, a, "mkfs.ext4 -q -F /dev/drbd0 && mount /dev/drbd0 /data && mkdir -p /data/nfs /data/export /data/tickle && umount /data")
	wantAgent(t, ctx, a, "demote", 0)
	t.Logf("bring-up on nodea: %s", strings.Join(runStack(t, ctx, a, false), ", "))

	must(t, ctx, cl, "modprobe nfsv4 && mkdir -p /mnt && mount -t nfs -o vers=4.2,timeo=10,retrans=2 "+vip+":/data/export /mnt")
	must(t, ctx, cl, clientLoop)
	// A recurring IPaddr monitor records the client's connection for the
	// tickle ACKs. Under a cluster manager it runs every few seconds and
	// rewrites the record only when the connections change, so for a
	// long-lived NFS connection the record has reached the disk (page
	// cache writeback, 30 s) well before a crash. The test's timeline is
	// shorter: run the monitor once, then sync.
	must(t, ctx, a, "env "+stack[4].env+" /usr/lib/ocf/resource.d/baton/IPaddr monitor && sync")
	deadline := time.Now().Add(60 * time.Second)
	for {
		out := must(t, ctx, cl, "wc -l < /tmp/acks 2>/dev/null || echo 0")
		if n, _ := strconv.Atoi(strings.TrimSpace(out)); n >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("client wrote fewer than 4 files in 60 s:\n%s", must(t, ctx, cl, "cat /tmp/loop.log; cat /tmp/acks"))
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Crash A. The kill time is read on the client's clock, which also
	// stamps the acknowledgements.
	killAt, err := strconv.ParseFloat(strings.TrimSpace(must(t, ctx, cl, "date +%s.%N")), 64)
	if err != nil {
		t.Fatal(err)
	}
	a.Kill()
	crash := time.Now()
	took := runStack(t, ctx, b, true)
	upAt, _ := strconv.ParseFloat(strings.TrimSpace(must(t, ctx, cl, "date +%s.%N")), 64)
	t.Logf("takeover on nodeb (from the kill): %s; stack up %.2fs after the crash",
		strings.Join(took, ", "), time.Since(crash).Seconds())

	// Let the client write a few more files, then stop it.
	var acks []ack
	deadline = time.Now().Add(90 * time.Second)
	for {
		acks = readAcks(t, must(t, ctx, cl, "cat /tmp/acks"))
		after := 0
		for _, k := range acks {
			if k.t > killAt {
				after++
			}
		}
		if after >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("client wrote %d files in the 90 s after the crash:\n%s", after, must(t, ctx, cl, "tail -5 /tmp/loop.log; dmesg | tail -20"))
		}
		time.Sleep(500 * time.Millisecond)
	}
	must(t, ctx, cl, "touch /tmp/stop; wait; sync")
	acks = readAcks(t, must(t, ctx, cl, "cat /tmp/acks"))

	var gap, gapFrom float64
	for i := 1; i < len(acks); i++ {
		if d := acks[i].t - acks[i-1].t; d > gap {
			gap, gapFrom = d, acks[i-1].t
		}
	}
	t.Logf("longest gap in the client's write loop: %.2f s (starting %.2f s before the crash); %d files written",
		gap, killAt-gapFrom, len(acks))
	t.Logf("the client resumed %.2f s after the crash, %.2f s after the stack was up on nodeb",
		gapFrom+gap-killAt, gapFrom+gap-upAt)
	t.Logf("nodeb kernel:\n%s\nnodeb IPaddr:\n%s\nclient kernel:\n%s",
		must(t, ctx, b, "dmesg | grep -i -e nfsd -e grace | tail -4"),
		must(t, ctx, b, "grep -i IPaddr /var/log/baton-agent.log | tail -6; head -3 /data/tickle/* 2>&1"),
		must(t, ctx, cl, "dmesg | grep -i -e nfs -e server | uniq | tail -4"))
	if f := os.Getenv("BATON_NFS_GAP_FILE"); f != "" {
		_ = os.WriteFile(f, []byte(fmt.Sprintf("%.2f\n", gap)), 0o644)
	}

	// Every file acknowledged before the crash is intact.
	var before []string
	for _, k := range acks {
		if k.t <= killAt {
			before = append(before, strconv.Itoa(k.n))
		}
	}
	if len(before) == 0 {
		t.Fatal("no file acknowledged before the crash")
	}
	if bad := damagedFiles(t, ctx, cl, before); bad != "" {
		t.Fatalf("files acknowledged before the crash are damaged or missing:\n%s", bad)
	}
	t.Logf("%d files acknowledged before the crash: all intact", len(before))
}

// damagedFiles checks the client loop's files numbered ns on cl: each must
// hold fileBytes zeros. It returns one line per file that does not.
func damagedFiles(t *testing.T, ctx context.Context, cl *vm.Machine, ns []string) string {
	t.Helper()
	return strings.TrimSpace(must(t, ctx, cl, fmt.Sprintf("for i in %s; do s=$(stat -c %%s /mnt/test$i 2>&1); "+
		"if [ \"$s\" != %d ] || ! cmp -s -n %d /mnt/test$i /dev/zero; then echo \"test$i: $s\"; fi; done",
		strings.Join(ns, " "), fileBytes, fileBytes)))
}
