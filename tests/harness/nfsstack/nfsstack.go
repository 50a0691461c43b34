// Package nfsstack builds the classic HA NFS stack on a test cluster: a
// shared loop device with ext4 as /data, and the group Filesystem ->
// nfsserver (Ganesha) -> exportfs -> IPaddr, plus a client on the service
// network. The demo, the failover tests and the failover benchmark share it.
package nfsstack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/cibxml"
	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/harness/cluster"
	"github.com/baton-ha/baton/tests/harness/loopdev"
)

// Options shape the stack.
type Options struct {
	Witness bool
	// Fencing adds a fence_baton_netns stonith device and enables fencing.
	Fencing bool
	// Prefer places a location preference of this score for node1 (0: none).
	Prefer int
	// Stickiness is resource-stickiness in rsc_defaults (0: none).
	Stickiness int
	// MigrationThreshold in rsc_defaults (0: Pacemaker's default).
	MigrationThreshold int
	// GraceTime overrides nfsserver's grace_time ("" keeps its default).
	GraceTime string
	// PingClient makes the nodes ping the client host (attribute pingd) and
	// adds the rule that keeps the stack off a node that cannot reach it:
	// losing the service network then moves the stack.
	PingClient bool
	// CrmConfig and Constraints are added to the CIB's cluster options and
	// constraints; MoreResources, when set, adds resources once the
	// cluster's addresses are known (fence devices, a ping clone).
	CrmConfig, Constraints string
	MoreResources          func(*cluster.Cluster) string
	// NoResources starts the cluster with empty resources and constraints
	// sections: the test installs the stack's CIB itself (baton cib
	// replace).
	NoResources bool
	// ExtraAgents are installed besides the stack's (Agents).
	ExtraAgents []string
	// AgentTimeout, when set, is the timeout of exp's monitor and stop and
	// of fs's stop (else 20 s, 20 s and 60 s): the fault campaign's hung
	// and failing agents then settle in seconds, not minutes.
	AgentTimeout string
}

// Stack is the running stack's handles.
type Stack struct {
	C    *cluster.Cluster
	Disk *loopdev.Device
	VIP  string
	// ServiceNet is the service network, the export's clientspec (a
	// network, as in the seed's /data 192.168.0.0/24 export).
	ServiceNet string
	Export     string // the export's path on /data, also its NFSv3 mount path
	// RecentClient, when set, makes KillFailover kill node1 this long after
	// the client connected instead of waiting until the VIP's tickle
	// record lists it: the client a monitor interval would have missed.
	RecentClient time.Duration
}

// Agents are the agents the stack needs.
var Agents = []string{"Filesystem", "nfsserver", "exportfs", "IPaddr"}

// New builds the cluster (daemons not started) with the stack's CIB.
func New(t testing.TB, o Options) *Stack {
	t.Helper()
	harness.NeedCommand(t, "ganesha.nfsd", "rpcbind", "mkfs.ext4")
	disk := loopdev.New(t, 256)
	disk.Mkfs(t, "ext4", "-L", "batondata")
	layout(t, disk.Path)
	s := &Stack{Disk: disk, Export: "/data/export"}
	var defaults []string
	if o.Stickiness != 0 {
		defaults = append(defaults, fmt.Sprintf(`<nvpair id="rd-st" name="resource-stickiness" value="%d"/>`, o.Stickiness))
	}
	if o.MigrationThreshold != 0 {
		defaults = append(defaults, fmt.Sprintf(`<nvpair id="rd-mt" name="migration-threshold" value="%d"/>`, o.MigrationThreshold))
	}
	cons := o.Constraints
	if o.Prefer != 0 {
		cons += fmt.Sprintf(`<rsc_location id="nfs-prefers-node1" rsc="nfs" node="node1" score="%d"/>`, o.Prefer)
	}
	if o.PingClient {
		cons += `<rsc_location id="nfs-needs-clients" rsc="nfs"><rule id="nfs-needs-clients-r" score="-INFINITY" boolean-op="or">` +
			`<expression id="nfs-needs-clients-e1" attribute="pingd" operation="not_defined"/>` +
			`<expression id="nfs-needs-clients-e2" attribute="pingd" operation="lte" value="0" type="number"/></rule></rsc_location>`
	}
	// The VIP lives on the service network, whose subnet the cluster picks.
	if o.NoResources {
		cons = ""
	}
	c := cluster.New(t, cluster.Options{Agents: append(append([]string(nil), Agents...), o.ExtraAgents...), Witness: o.Witness, Fencing: o.Fencing,
		RscDefaults: strings.Join(defaults, "\n"), Constraints: cons, CrmConfig: o.CrmConfig, PingClient: o.PingClient,
		ResourcesFunc: func(c *cluster.Cluster) string {
			s.VIP = fmt.Sprintf("10.214.%d.200", c.Subnet)
			s.ServiceNet = fmt.Sprintf("10.214.%d.0/24", c.Subnet)
			if o.NoResources {
				return ""
			}
			more := ""
			if o.MoreResources != nil {
				more = o.MoreResources(c)
			}
			return s.resources(o) + more
		}})
	s.C = c
	return s
}

// layout creates the export and state directories on the new filesystem.
func layout(t testing.TB, dev string) {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, code := harness.Run(ctx, nil, "mount", dev, dir); code != 0 {
		t.Fatalf("mount %s: %s", dev, out)
	}
	for _, d := range []string{"export", "nfs", ".tickle"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.Chmod(filepath.Join(dir, "export"), 0o777)
	if out, code := harness.Run(ctx, nil, "umount", dir); code != 0 {
		t.Fatalf("umount: %s", out)
	}
}

func (s *Stack) resources(o Options) string {
	nfsd := cibxml.NFSServer("nfsd", "ganesha", "/data/nfs", append(cibxml.StartStop("60s"), cibxml.Monitor("2s", "20s"))...).
		With(cibxml.NV{Name: "nfs_ip", Value: s.VIP})
	if o.GraceTime != "" {
		nfsd = nfsd.With(cibxml.NV{Name: "grace_time", Value: o.GraceTime})
	}
	fsOps := append(cibxml.StartStop("60s"), cibxml.Monitor("5s", "20s"))
	expOps := []cibxml.Op{cibxml.Monitor("5s", "20s")}
	if t := o.AgentTimeout; t != "" {
		fsOps[1].Timeout = t
		expOps = []cibxml.Op{cibxml.Monitor("5s", t), {Name: "stop", Interval: "0", Timeout: t}}
	}
	return cibxml.Group("nfs",
		cibxml.Filesystem("fs", s.Disk.Path, "/data", "ext4", fsOps...),
		nfsd,
		cibxml.Exportfs("exp", s.Export, s.ServiceNet, "rw,no_root_squash,sync", "1", expOps...).
			With(cibxml.NV{Name: "server", Value: "ganesha"}),
		cibxml.IPaddr("vip", s.VIP, "24", "eth1", cibxml.Monitor("2s", "20s")).
			With(cibxml.NV{Name: "tickle_dir", Value: "/data/.tickle"}),
	)
}

// Holders samples which nodes hold the VIP (configured on an interface that
// is up) and which have the shared filesystem mounted. It reads
// /proc/PID/mountinfo and asks the kernel directly, spawning little, so it
// can sample often.
func (s *Stack) Holders() (vip, mount []string) {
	for _, n := range s.C.Nodes {
		if !n.Alive() {
			continue
		}
		if n.MountedFrom(s.Disk.Path) {
			mount = append(mount, n.Name)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		out, err := exec.CommandContext(ctx, "ip", "-n", n.NS, "-o", "addr", "show", "dev", "eth1", "up").Output()
		cancel()
		if err == nil && strings.Contains(string(out), " "+s.VIP+"/") {
			vip = append(vip, n.Name)
		}
	}
	return vip, mount
}
