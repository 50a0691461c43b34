package faults

import (
	"fmt"
	"io"
	"math/rand"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/baton-ha/baton/tests/harness/nfswriter"
)

// Bounds of one iteration.
const (
	// outcomeLimit bounds the wait for a fault's outcome (a takeover, the
	// writes resuming).
	outcomeLimit = 60 * time.Second
	// settleLimit bounds the return to a settled cluster after healing.
	settleLimit = 120 * time.Second
)

// Iteration is what one fault did.
type Iteration struct {
	N          int
	Fault      string
	From, To   string   // where the stack ran before, and after the outcome ("" stopped)
	Samples    int      // invariant samples taken
	Violations []string // samples that broke an invariant
	Takeover   time.Duration
	Stall      time.Duration // longest gap between acknowledged writes
	Lost       bool          // an acknowledged write did not read back
	Problems   []string      // expectations not met: not settled, did not move...
	// Cleanups are the operator interventions the cluster needed to
	// settle (Pacemaker's crm_resource --cleanup of a blocked resource).
	Cleanups []string
}

// Failed reports whether the iteration broke anything.
func (it Iteration) Failed() bool {
	return len(it.Violations) > 0 || it.Lost || len(it.Problems) > 0
}

// Run runs n iterations on r, drawing faults from faults with seed (a
// shuffled round-robin, so every fault comes up once per round), and
// writes a line per iteration to log.
func Run(r *Rig, faults []Fault, n int, seed int64, log io.Writer) []Iteration {
	rng := rand.New(rand.NewSource(seed))
	var order []int
	var its []Iteration
	for i := 0; i < n; i++ {
		if len(order) == 0 {
			order = rng.Perm(len(faults))
		}
		f := faults[order[0]]
		order = order[1:]
		it := r.iterate(i, f)
		its = append(its, it)
		fmt.Fprintf(log, "iteration %3d %-28s %s -> %-6s takeover %5.2fs stall %5.2fs samples %4d violations %d lost %v %s\n",
			i, f.Name, it.From, orNone(it.To), it.Takeover.Seconds(), it.Stall.Seconds(), it.Samples, len(it.Violations), it.Lost,
			strings.Join(append(append(append([]string(nil), it.Problems...), it.Cleanups...), summarize(it.Violations)...), "; "))
		if len(it.Problems) > 0 && strings.Contains(strings.Join(it.Problems, " "), "not settled") {
			break // the rest would start from a broken cluster
		}
	}
	return its
}

// summarize shortens a long list of violation samples (a split lasts
// hundreds of them) to the first few and the last, with the count.
func summarize(v []string) []string {
	const head = 3
	if len(v) <= head+1 {
		return v
	}
	out := append([]string(nil), v[:head]...)
	return append(out, fmt.Sprintf("... %d samples in all ... %s", len(v), v[len(v)-1]))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func (r *Rig) iterate(i int, f Fault) Iteration {
	it := Iteration{N: i, Fault: f.Name}
	active, err := r.settled(settleLimit)
	// A cleanup needed before this fault belongs to the previous one's
	// aftermath; it is counted here, where it was needed.
	it.Cleanups = r.takeCleanups()
	if err != nil {
		it.Problems = append(it.Problems, "not settled before the fault: "+err.Error())
		return it
	}
	passive := r.other(active)
	it.From = active.Name
	w := nfswriter.Start(r.t, r.S.C.Client, r.S.VIP, r.S.Export, fmt.Sprintf("it%04d.dat", i))
	if !w.WaitWrites(time.Now(), 10, 30*time.Second) {
		it.Problems = append(it.Problems, "the client could not write before the fault")
	}
	// The client is new at each iteration, where a real one keeps its
	// mount: let it be connected for a second before the fault, so that
	// IPaddr's connection watcher (one look every 500 ms) has it in the
	// tickle record, as it has every client but those that connected in
	// the last half second (those wait for their own TCP retransmission:
	// BenchmarkFailoverStallRecentClient measures that case apart).
	w.WaitWrites(time.Now().Add(time.Second), 5, 30*time.Second)
	s := r.startSampler()
	t0 := time.Now()
	heal := f.Inject(r, active, passive)

	within := f.Within
	if within == 0 {
		within = outcomeLimit
	}
	switch f.Expect {
	case Moves:
		// The outcome: the stack runs on the other node and the client's
		// writes go through again; the time to that is the takeover.
		deadline := t0.Add(within)
		for time.Now().Before(deadline) {
			h := r.holders()
			if len(h.vip) == 1 && len(h.mount) == 1 && h.vip[0] == passive.Name && w.WaitWrites(t0, 5, 200*time.Millisecond) {
				it.To = h.vip[0]
				it.Takeover = time.Since(t0)
				break
			}
		}
		r.hold(t0, f.Lasts)
	case Either:
		// Whatever the cluster does takes effect while the fault lasts
		// (a frozen daemon's node is fenced after deadtime): the outcome is
		// where the stack runs once it has, if it runs.
		r.hold(t0, f.Lasts)
		deadline := time.Now().Add(within)
		for time.Now().Before(deadline) {
			h := r.holders()
			if len(h.vip) == 1 && len(h.mount) == 1 && w.WaitWrites(time.Now(), 5, 200*time.Millisecond) {
				it.To = h.vip[0]
				break
			}
		}
	case Stays:
		r.hold(t0, f.Lasts)
		if h := r.holders(); len(h.vip) == 1 {
			it.To = h.vip[0]
		}
	}
	if f.Expect == Moves && it.To != passive.Name {
		it.Problems = append(it.Problems, fmt.Sprintf("the stack should have moved to %s, it is on %q", passive.Name, it.To))
	}
	if f.Expect == Stays && it.To != active.Name {
		it.Problems = append(it.Problems, fmt.Sprintf("the stack should have stayed on %s, it is on %q", active.Name, it.To))
	}
	heal()
	if _, err := r.settled(settleLimit); err != nil {
		it.Problems = append(it.Problems, "not settled after healing: "+err.Error())
	}
	it.Samples, it.Violations = s.finish()
	it.Cleanups = append(it.Cleanups, r.takeCleanups()...)
	// Once settled, the client writes again before it reads everything back.
	w.WaitWrites(time.Now(), 5, 30*time.Second)
	// Until now: a client whose writes never came back has stalled all
	// this time, not for its last gap between two acknowledgements.
	it.Stall = nfswriter.StallUntil(w.Events(), t0, time.Now())
	v, err := w.Stop(60 * time.Second)
	switch {
	case err != nil:
		it.Problems = append(it.Problems, "client: "+err.Error())
	case !v.Intact:
		it.Lost = true
	}
	return it
}

// hold leaves a fault in place until lasts after t0, while the sampler
// watches: the fault's length, not an assertion.
func (r *Rig) hold(t0 time.Time, lasts time.Duration) {
	if wait := time.Until(t0.Add(lasts)); wait > 0 {
		time.Sleep(wait)
	}
}

// Table prints one row per fault: iterations, violations, lost writes,
// problems, cleanups (operator interventions), worst takeover and worst
// client stall.
func Table(w io.Writer, its []Iteration) {
	type row struct {
		n, violations, lost, problems, cleanups int
		takeover, stall                         time.Duration
	}
	rows := map[string]*row{}
	for _, it := range its {
		r := rows[it.Fault]
		if r == nil {
			r = &row{}
			rows[it.Fault] = r
		}
		r.n++
		r.violations += len(it.Violations)
		if it.Lost {
			r.lost++
		}
		r.problems += len(it.Problems)
		r.cleanups += len(it.Cleanups)
		if it.Takeover > r.takeover {
			r.takeover = it.Takeover
		}
		if it.Stall > r.stall {
			r.stall = it.Stall
		}
	}
	names := make([]string, 0, len(rows))
	for k := range rows {
		names = append(names, k)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "fault\titerations\tviolations\tlost writes\tproblems\tcleanups\tworst takeover (s)\tworst stall (s)\t")
	for _, k := range names {
		r := rows[k]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.2f\t%.2f\t\n", k, r.n, r.violations, r.lost, r.problems, r.cleanups, r.takeover.Seconds(), r.stall.Seconds())
	}
	tw.Flush()
}
