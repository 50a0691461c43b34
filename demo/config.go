package demo

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/baton-ha/baton/crm/cibxml"
)

// node is one demo node's addresses and files.
type node struct {
	Name   string
	ID     int
	NS     string
	HB     string // heartbeat address
	SVC    string // service address
	Mgmt   string // address on the witness network
	Dir    string
	Config string // its baton.toml
}

// cibXML is the demo's Pacemaker CIB: the NFS stack as one group preferring
// node1, with stickiness so that it stays where it failed over to.
func cibXML(nodes []*node, disk, vip string) string {
	var ns strings.Builder
	for _, n := range nodes {
		fmt.Fprintf(&ns, `<node id="%d" uname="%s"/>`, n.ID, n.Name)
	}
	return fmt.Sprintf(`<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="opt-stonith" name="stonith-enabled" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes>%s</nodes>
    <resources>
%s    </resources>
    <constraints>
      <rsc_location id="nfs-prefers-node1" rsc="nfs" node="node1" score="100"/>
    </constraints>
    <rsc_defaults><meta_attributes id="rsc-options">
      <nvpair id="rsc-stickiness" name="resource-stickiness" value="200"/>
    </meta_attributes></rsc_defaults>
  </configuration>
  <status/>
</cib>
`, ns.String(), NFSGroup(disk, vip))
}

// NFSGroup is the NFS stack as the Pacemaker group "nfs": Filesystem (disk
// on /data) -> nfsserver (Ganesha, state on /data/nfs) -> exportfs
// (/data/export to every client, fsid 1) -> IPaddr (vip on eth1, tickle
// ACKs from /data/.tickle).
func NFSGroup(disk, vip string) string {
	return cibxml.Group("nfs",
		cibxml.Filesystem("fs", disk, "/data", "ext4", append(cibxml.StartStop("60s"), cibxml.Monitor("5s", "20s"))...),
		cibxml.NFSServer("nfsd", "ganesha", "/data/nfs", append(cibxml.StartStop("60s"), cibxml.Monitor("2s", "20s"))...).
			With(cibxml.NV{Name: "nfs_ip", Value: vip}),
		cibxml.Exportfs("exp", "/data/export", "*", "rw,no_root_squash,sync", "1", cibxml.Monitor("5s", "20s")).
			With(cibxml.NV{Name: "server", Value: "ganesha"}),
		cibxml.IPaddr("vip", vip, "24", "eth1", cibxml.Monitor("2s", "20s")).
			With(cibxml.NV{Name: "tickle_dir", Value: "/data/.tickle"}),
	)
}

// nodeConfig is one node's baton.toml: two links, the peer, the witness.
func nodeConfig(n *node, nodes []*node, ocfRoot, witness string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "cluster = \"demo\"\nnode = %q\nnode_id = %d\ncib = %q\nauth_key = %q\nstate_dir = %q\nocf_root = %q\n\n",
		n.Name, n.ID, filepath.Join(n.Dir, "cib.xml"), filepath.Join(n.Dir, "authkey"), filepath.Join(n.Dir, "state"), ocfRoot)
	fmt.Fprintf(&b, "[heartbeat]\nkeepalive = \"500ms\"\nwarntime = \"1s\"\ndeadtime = \"2s\"\n\n")
	fmt.Fprintf(&b, "[[link]]\nname = \"hb\"\naddress = %q\n\n[[link]]\nname = \"svc\"\naddress = %q\n\n", n.HB, n.SVC)
	for _, p := range nodes {
		if p != n {
			fmt.Fprintf(&b, "[[peer]]\nname = %q\nnode_id = %d\naddresses = [%q, %q]\n\n", p.Name, p.ID, p.HB, p.SVC)
		}
	}
	fmt.Fprintf(&b, "[quorum]\npolicy = \"witness\"\nwitness = %q\n", witness)
	return b.String()
}
