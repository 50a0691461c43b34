// Package bench holds Baton's benchmarks: whole-process measurements of the
// agents, the scheduler and failover, each beside the reference
// implementation (resource-agents, crm_simulate, Pacemaker) in the same run.
// `make bench` runs them; figures go to docs/benchmarks.md.
//
// The helpers here measure a command as Pacemaker's execd would run it: a
// fresh process per call, its wall and CPU time, and how many processes it
// spawns (counted with strace, since rusage cannot count descendants).
package bench
