// Package faults is Baton's fault campaign, in the spirit of Pacemaker's CTS
// (StopTest, StartTest, ComponentFail, SplitBrainTest, Reattach,
// ResourceRecover...): it starts the two-node NFS cluster in namespaces
// (tests/harness/nfsstack), then for N iterations picks a fault with a
// seeded random source (the same seed replays the same campaign), injects
// it, lets the cluster settle, checks the invariants and heals.
//
// The invariants are sampled every 100 ms, from the nodes and from the wire
// (sampler.go): at most one node holds the VIP (interface addresses, and
// ARP replies for it seen from the client's side of the service bridge), at
// most one has /data mounted, at most one runs the NFS server; every write
// the client saw acknowledged reads back after the iteration; the cluster
// is settled again within a bound.
//
// Two faults hit a resource agent rather than a node (faults.go):
// agent-hang freezes (SIGSTOP) the exportfs agent's monitor and then its
// stop as the executor runs them on the active node, so both time out;
// stop-failure keeps /data busy (a loop device backed by a file on it) and
// moves the stack with the manager's CLI, so the Filesystem stop fails.
// Either failed stop calls for fencing (a stop's on-fail is fence when
// fencing is enabled): the peer fences the node, then the stack moves.
// Both are NeedsFencing; under Pacemaker without fencing the resource is
// left blocked, which the runner clears as an operator would.
//
// `make test` runs a short campaign (TestFaultCampaign, about 20
// iterations); `make faults N=300 SEED=7` runs a long one and prints a
// table per fault.
//
// `make faults MANAGER=pacemaker` runs the same campaign under Corosync 3
// and Pacemaker 2.1 with the same agents and CIB, the reference row:
// without fencing by default (stonith-enabled=false, what a two-node
// Pacemaker without a fence device does), with FENCING=1 through the same
// fence agent Baton uses (fence_baton_netns, run by pacemaker-fenced).
// There the invariants' violations are findings reported in the table, not
// test failures; a stack Pacemaker leaves blocked is cleared as an operator
// would (crm_resource --cleanup) and counted in the table's cleanups.
package faults
