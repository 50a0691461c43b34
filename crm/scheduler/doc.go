// Package scheduler decides, from a parsed CIB, where every resource should
// run and in which role, and which actions get the cluster there. It follows
// Pacemaker's scheduler rules for primitives, groups, clones and promotable
// clones so that its Transition Summary matches crm_simulate's.
package scheduler
