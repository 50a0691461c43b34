// Package simulate renders what crm_simulate prints for a scheduler run:
// the cluster status before and after, the Transition Summary, the actions
// executed, and allocation scores; and applies crm_simulate's what-if
// injections (nodes up/down/failed, operation results) to a CIB.
package simulate
