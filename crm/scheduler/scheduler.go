package scheduler

import (
	"github.com/baton-ha/baton/crm/cib"
)

// Result is the outcome of one scheduler run.
type Result struct {
	Cluster *Cluster
	Summary []SummaryLine
	// Fences are the nodes to fence, before anything else of the graph
	// that depends on them (see Graph and Action.Fence).
	Fences []Fence
	Graph  *Graph
}

// Schedule runs the scheduler on a parsed CIB.
func Schedule(doc *cib.CIB) (*Result, error) {
	c, err := NewCluster(doc)
	if err != nil {
		return nil, err
	}
	c.scheduleFencing()
	c.applyShutdownLocks()
	c.applyLocations()
	c.applyNodeHealth()
	c.applyFailCounts()
	c.buildColocations()
	c.assignAll()
	for _, o := range c.Orphans {
		o.Assigned = nil
		o.NextRole = RoleStopped
	}
	edges := c.buildOrders()
	c.initPlans()
	c.decideMigrations(edges)
	c.propagate(edges)
	res := &Result{Cluster: c, Summary: c.Summary(), Fences: c.Fences}
	res.Graph = c.buildGraph(edges)
	return res, nil
}
