package demo

import (
	"fmt"
	"path/filepath"
	"strings"
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
`, ns.String(), NFSGroup(disk, vip, ""))
}

// NFSGroup is the NFS stack as the Pacemaker group "nfs": Filesystem (disk
// on /data) -> nfsserver (Ganesha, state on /data/nfs) -> exportfs
// (/data/export, fsid 1) -> IPaddr (vip on eth1, tickle ACKs from
// /data/.tickle). nfsdParams are extra nvpair elements for nfsserver. The
// demo, the failover tests and the benchmark run this group.
func NFSGroup(disk, vip, nfsdParams string) string {
	return fmt.Sprintf(`<group id="nfs">
  <primitive id="fs" class="ocf" provider="baton" type="Filesystem">
    <instance_attributes id="fs-ia">
      <nvpair id="fs-dev" name="device" value="%s"/>
      <nvpair id="fs-dir" name="directory" value="/data"/>
      <nvpair id="fs-type" name="fstype" value="ext4"/>
    </instance_attributes>
    <operations>
      <op id="fs-start" name="start" interval="0" timeout="60s"/>
      <op id="fs-stop" name="stop" interval="0" timeout="60s"/>
      <op id="fs-mon" name="monitor" interval="5s" timeout="20s"/>
    </operations>
  </primitive>
  <primitive id="nfsd" class="ocf" provider="baton" type="nfsserver">
    <instance_attributes id="nfsd-ia">
      <nvpair id="nfsd-server" name="server" value="ganesha"/>
      <nvpair id="nfsd-info" name="nfs_shared_infodir" value="/data/nfs"/>
      <nvpair id="nfsd-ip" name="nfs_ip" value="%s"/>
      %s
    </instance_attributes>
    <operations>
      <op id="nfsd-start" name="start" interval="0" timeout="60s"/>
      <op id="nfsd-stop" name="stop" interval="0" timeout="60s"/>
      <op id="nfsd-mon" name="monitor" interval="2s" timeout="20s"/>
    </operations>
  </primitive>
  <primitive id="exp" class="ocf" provider="baton" type="exportfs">
    <instance_attributes id="exp-ia">
      <nvpair id="exp-cs" name="clientspec" value="*"/>
      <nvpair id="exp-dir" name="directory" value="/data/export"/>
      <nvpair id="exp-fsid" name="fsid" value="1"/>
      <nvpair id="exp-opt" name="options" value="rw,no_root_squash,sync"/>
      <nvpair id="exp-srv" name="server" value="ganesha"/>
    </instance_attributes>
    <operations><op id="exp-mon" name="monitor" interval="5s" timeout="20s"/></operations>
  </primitive>
  <primitive id="vip" class="ocf" provider="baton" type="IPaddr">
    <instance_attributes id="vip-ia">
      <nvpair id="vip-ip" name="ip" value="%s"/>
      <nvpair id="vip-mask" name="cidr_netmask" value="24"/>
      <nvpair id="vip-nic" name="nic" value="eth1"/>
      <nvpair id="vip-tickle" name="tickle_dir" value="/data/.tickle"/>
    </instance_attributes>
    <operations><op id="vip-mon" name="monitor" interval="2s" timeout="20s"/></operations>
  </primitive>
</group>`, disk, vip, nfsdParams, vip)
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
