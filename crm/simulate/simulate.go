package simulate

import (
	"fmt"
	"io"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/scheduler"
)

// Options select what Run prints, like crm_simulate's flags.
type Options struct {
	Run        bool // -R: show the Transition Summary
	Simulate   bool // -S: also execute the transition and show the result
	ShowScores bool // -s: show allocation and promotion scores
	Quiet      bool // -Q: leave out the current status
}

// Run schedules doc and writes crm_simulate's sections to w.
func Run(w io.Writer, doc *cib.CIB, opts Options) (*scheduler.Result, error) {
	res, err := scheduler.Schedule(doc)
	if err != nil {
		return nil, err
	}
	c := res.Cluster
	if !opts.Quiet {
		fmt.Fprintln(w, "Current cluster status:")
		printStatus(w, c, currentState(c))
		fmt.Fprintln(w)
	}
	if opts.ShowScores {
		fmt.Fprintln(w, "Allocation scores:")
		for _, s := range c.Scores {
			fmt.Fprintln(w, s.String())
		}
		fmt.Fprintln(w)
	}
	if opts.Run || opts.Simulate || opts.ShowScores {
		fmt.Fprintln(w, "Transition Summary:")
		for _, l := range scheduler.FormatSummary(res.Summary) {
			fmt.Fprintln(w, l)
		}
	}
	if opts.Simulate {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Executing Cluster Transition:")
		ordered, cyclic := res.Graph.Order()
		for _, a := range ordered {
			if !a.Runnable {
				continue
			}
			if a.Fence != nil {
				fmt.Fprintf(w, "  * Fencing %s (%s)\n", a.Fence.Node, a.Fence.Action)
				continue
			}
			task := a.Task
			if a.Task == "monitor" {
				task = fmt.Sprintf("monitor=%d", a.Interval.Milliseconds())
			}
			fmt.Fprintf(w, "  * Resource action: %-15s %s on %s\n", a.Resource, task, a.Node)
		}
		for _, a := range cyclic {
			fmt.Fprintf(w, "  * Blocked by an ordering loop: %s\n", a)
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Revised Cluster Status:")
		printStatus(w, c, revisedState(c, res.Graph))
	}
	return res, nil
}
