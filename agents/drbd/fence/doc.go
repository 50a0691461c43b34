// Package fence holds DRBD resource-level fencing on the cluster's side: the
// location constraint that forbids promoting the DRBD resource anywhere but
// on the node that still has good data, placed by DRBD's fence-peer handler
// when a Primary loses its peer and removed by the after-resync-target
// handler once the peer has caught up.
//
// The constraint has the shape Pacemaker's crm-fence-peer uses, so that both
// tools recognise each other's constraints: a rsc_location on the promotable
// clone with a rule of score -INFINITY for the promoted role on every node
// whose #uname differs from the keeper's.
//
// The package depends only on the CIB's XML: the stores that reach a
// running cluster get their channel from the caller (Baton's daemon through
// an Opener that cmd/baton supplies, Pacemaker's through cibadmin), so that
// the agent Pacemaker users install carries none of Baton's daemon.
package fence
