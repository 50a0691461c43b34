package fencenetns

// metadata is the agent's description in the fence-agents format, which
// Pacemaker and Baton's fencer read for its parameters (plug, not port).
const metadata = `<?xml version="1.0" ?>
<resource-agent name="fence_baton_netns" shortdesc="Fence agent for Baton's namespace test machines">
<longdesc>Powers a namespace "machine" of Baton's test world off and on: off takes its links down, drops its runtime addresses and kills every process in its network and mount namespaces; on brings its links back with their base addresses. Each machine is described by a JSON file named after its plug in devices_dir.</longdesc>
<vendor-url>https://github.com/baton-ha/baton</vendor-url>
<parameters>
	<parameter name="action" unique="0" required="1">
		<getopt mixed="-o, --action=[action]" />
		<content type="string" default="reboot"  />
		<shortdesc lang="en">Fencing action</shortdesc>
	</parameter>
	<parameter name="plug" unique="0" required="1" obsoletes="port">
		<getopt mixed="-n, --plug=[name]" />
		<content type="string"  />
		<shortdesc lang="en">The machine's name (its file in devices_dir)</shortdesc>
	</parameter>
	<parameter name="port" unique="0" required="0" deprecated="1">
		<getopt mixed="-n, --plug=[name]" />
		<content type="string"  />
		<shortdesc lang="en">The machine's name (its file in devices_dir)</shortdesc>
	</parameter>
	<parameter name="nodename" unique="0" required="0">
		<getopt mixed="--nodename=[name]" />
		<content type="string"  />
		<shortdesc lang="en">The cluster node name (set by the fencer)</shortdesc>
	</parameter>
	<parameter name="devices_dir" unique="0" required="1">
		<getopt mixed="--devices-dir=[dir]" />
		<content type="string"  />
		<shortdesc lang="en">Directory of the machine descriptions</shortdesc>
	</parameter>
</parameters>
<actions>
	<action name="on" automatic="0"/>
	<action name="off" />
	<action name="reboot" />
	<action name="status" />
	<action name="list" />
	<action name="list-status" />
	<action name="monitor" />
	<action name="metadata" />
	<action name="validate-all" />
</actions>
</resource-agent>
`
