package nfsserver

import "github.com/baton-ha/baton/agents/nfsbackend/hostsys"

// Cmd, System and HostSystem are the host-changing dependencies; see
// package hostsys.
type (
	Cmd        = hostsys.Cmd
	System     = hostsys.System
	HostSystem = hostsys.HostSystem
)
