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
// `make test` runs a short campaign (TestFaultCampaign, about 20
// iterations); `make faults N=300 SEED=7` runs a long one and prints a
// table per fault.
package faults
