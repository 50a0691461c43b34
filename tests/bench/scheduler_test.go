package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/scheduler"
)

// schedSize is one generated cluster: nodes, primitives (including the
// promotable clones' primitives), promotable clones and constraints.
type schedSize struct {
	nodes, prims, clones, constraints int
	// crmTimeout bounds crm_simulate, which is measured beside us.
	crmTimeout time.Duration
	// fencing: fencing enabled, one fence device per node, the last node
	// lost with resources running on it; setChains chains of five more
	// primitives are ordered and colocated by resource sets.
	fencing   bool
	setChains int
}

var schedSizes = []schedSize{
	{4, 100, 2, 50, 5 * time.Minute, false, 0},
	{8, 250, 5, 100, 10 * time.Minute, false, 0},
	{16, 1000, 10, 500, 3 * time.Minute, false, 0},
	{6, 100, 2, 50, 5 * time.Minute, true, 10},
}

// genCIB builds a CIB like the ones the issue measured: promotable clones
// with promotion scores, groups of five colocated with a promoted instance
// and started after its promotion, and location preferences for the rest
// of the constraint budget. All nodes are up; nothing runs yet.
func genCIB(sz schedSize) []byte {
	var b bytes.Buffer
	b.WriteString(`<cib validate-with="pacemaker-3.7" have-quorum="1" execution-date="1700000000" epoch="1" num_updates="0" admin_epoch="0">` + "\n<configuration><crm_config><cluster_property_set id=\"opts\">")
	fencing := strconv.FormatBool(sz.fencing)
	fmt.Fprintf(&b, `<nvpair id="o1" name="stonith-enabled" value="%s"/><nvpair id="o2" name="fencing-enabled" value="%s"/>`, fencing, fencing)
	b.WriteString("</cluster_property_set></crm_config>\n<nodes>\n")
	for n := 1; n <= sz.nodes; n++ {
		fmt.Fprintf(&b, `<node id="%d" uname="node%d"/>`+"\n", n, n)
	}
	b.WriteString("</nodes>\n<resources>\n")
	for c := 0; c < sz.clones; c++ {
		fmt.Fprintf(&b, `<clone id="ms%d"><meta_attributes id="ms%d-m"><nvpair id="ms%d-p" name="promotable" value="true"/><nvpair id="ms%d-c" name="clone-max" value="2"/></meta_attributes>`, c, c, c, c)
		fmt.Fprintf(&b, `<primitive id="drbd%d" class="ocf" provider="pacemaker" type="Stateful"/></clone>`+"\n", c)
	}
	rest := sz.prims - sz.clones
	groups := rest / 5
	cons := 0
	var constraints bytes.Buffer
	for g := 0; g < groups; g++ {
		fmt.Fprintf(&b, `<group id="g%d">`, g)
		for m := 0; m < 5; m++ {
			fmt.Fprintf(&b, `<primitive id="g%d-r%d" class="ocf" provider="pacemaker" type="Dummy"/>`, g, m)
		}
		b.WriteString("</group>\n")
		if cons+2 <= sz.constraints {
			ms := g % sz.clones
			fmt.Fprintf(&constraints, `<rsc_colocation id="col-g%d" rsc="g%d" with-rsc="ms%d" with-rsc-role="Promoted" score="INFINITY"/>`+"\n", g, g, ms)
			fmt.Fprintf(&constraints, `<rsc_order id="ord-g%d" first="ms%d" first-action="promote" then="g%d" then-action="start"/>`+"\n", g, ms, g)
			cons += 2
		}
	}
	for p := groups * 5; p < rest; p++ {
		fmt.Fprintf(&b, `<primitive id="p%d" class="ocf" provider="pacemaker" type="Dummy"/>`+"\n", p)
	}
	// Fence devices (each kept off the node it fences) and chains of
	// primitives ordered and colocated by resource sets.
	running := map[int][]string{} // node -> primitives running there
	if sz.fencing {
		for n := 1; n <= sz.nodes; n++ {
			fmt.Fprintf(&b, `<primitive id="fence%d" class="stonith" type="fence_dummy"/>`+"\n", n)
			fmt.Fprintf(&constraints, `<rsc_location id="fence%d-away" rsc="fence%d" node="node%d" score="-INFINITY"/>`+"\n", n, n, n)
		}
	}
	for ch := 0; ch < sz.setChains; ch++ {
		var refs strings.Builder
		for m := 0; m < 5; m++ {
			id := fmt.Sprintf("s%d-%d", ch, m)
			fmt.Fprintf(&b, `<primitive id="%s" class="ocf" provider="pacemaker" type="Dummy"/>`+"\n", id)
			fmt.Fprintf(&refs, `<resource_ref id="%s"/>`, id)
			node := 1 + ch%sz.nodes
			running[node] = append(running[node], id)
		}
		fmt.Fprintf(&constraints, `<rsc_order id="set-ord%d"><resource_set id="set-ord%d-a" sequential="true">%s</resource_set></rsc_order>`+"\n", ch, ch, refs.String())
		fmt.Fprintf(&constraints, `<rsc_colocation id="set-col%d" score="INFINITY"><resource_set id="set-col%d-a">%s</resource_set></rsc_colocation>`+"\n", ch, ch, refs.String())
	}
	for i := 0; cons < sz.constraints; i++ {
		fmt.Fprintf(&constraints, `<rsc_location id="loc%d" rsc="g%d" node="node%d" score="%d"/>`+"\n", i, i%max(groups, 1), 1+i%sz.nodes, 10+i%50)
		cons++
	}
	fmt.Fprintf(&b, "</resources>\n<constraints>\n%s</constraints>\n</configuration>\n<status>\n", constraints.String())
	for n := 1; n <= sz.nodes; n++ {
		state := `in_ccm="true" crmd="online" join="member" expected="member"`
		if sz.fencing && n == sz.nodes {
			state = `in_ccm="false" crmd="offline" join="down" expected="member"` // lost: must be fenced
		}
		fmt.Fprintf(&b, `<node_state id="%d" uname="node%d" %s><transient_attributes id="%d"><instance_attributes id="t%d">`, n, n, state, n, n)
		for c := 0; c < sz.clones; c++ {
			fmt.Fprintf(&b, `<nvpair id="t%d-%d" name="master-drbd%d" value="%d"/>`, n, c, c, 10+(n*7+c*3)%20)
		}
		b.WriteString("</instance_attributes></transient_attributes><lrm id=\"x\"><lrm_resources>")
		for i, id := range running[n] {
			fmt.Fprintf(&b, `<lrm_resource id="%s" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="%s_last_0" operation="start" call-id="%d" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:bench"/></lrm_resource>`, id, id, i+1)
		}
		b.WriteString("</lrm_resources></lrm></node_state>\n")
	}
	b.WriteString("</status>\n</cib>\n")
	return b.Bytes()
}

// TestSchedulerChild is the child process the benchmark measures: it
// schedules the CIB named by BATON_BENCH_CIB and prints the summary.
func TestSchedulerChild(t *testing.T) {
	path := os.Getenv("BATON_BENCH_CIB")
	if path == "" {
		t.Skip("only run as the scheduler benchmark's child process")
	}
	doc, err := cib.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := scheduler.Schedule(doc)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("Transition Summary:")
	for _, l := range scheduler.FormatSummary(res.Summary) {
		fmt.Println(l)
	}
}

type procResult struct {
	wall     time.Duration
	maxRSSKB int64
	out      []byte
	timedOut bool
}

func runMeasured(ctx context.Context, timeout time.Duration, env []string, argv ...string) (procResult, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	r := procResult{wall: time.Since(start), out: out.Bytes()}
	if ctx.Err() == context.DeadlineExceeded {
		r.timedOut = true
		return r, nil
	}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.maxRSSKB = ru.Maxrss
		}
	}
	if err != nil {
		return r, fmt.Errorf("%v: %v\n%s", argv, err, out.Bytes())
	}
	return r, nil
}

func summaryLines(out []byte) []string {
	var lines []string
	in := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "Transition Summary:"):
			in = true
			continue
		case strings.HasPrefix(l, "Executing Cluster Transition:"), strings.HasPrefix(l, "Revised Cluster Status:"), strings.HasPrefix(l, "--- PASS"), l == "PASS":
			in = false
		}
		if in && strings.HasPrefix(strings.TrimSpace(l), "* ") {
			lines = append(lines, scheduler.NormalizeLine(l, false))
		}
	}
	return lines
}

// BenchmarkScheduler runs Baton's scheduler and Debian's crm_simulate on the
// same generated CIBs, each as a whole process, and reports wall time and
// peak RSS of both. crm_simulate is bounded by a timeout (reported as
// crm_simulate-timedout=1 and a lower bound for its time).
func BenchmarkScheduler(b *testing.B) {
	crm, crmErr := exec.LookPath("crm_simulate")
	for _, sz := range schedSizes {
		name := fmt.Sprintf("nodes=%d/prims=%d/clones=%d/cons=%d", sz.nodes, sz.prims, sz.clones, sz.constraints)
		if sz.fencing {
			name += fmt.Sprintf("/fencing/sets=%d", 2*sz.setChains)
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			path := filepath.Join(dir, "cib.xml")
			if err := os.WriteFile(path, genCIB(sz), 0o644); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var ours procResult
			for i := 0; i < b.N; i++ {
				r, err := runMeasured(ctx, 5*time.Minute, []string{"BATON_BENCH_CIB=" + path}, os.Args[0], "-test.run=^TestSchedulerChild$", "-test.v")
				if err != nil {
					b.Fatal(err)
				}
				ours = r
			}
			b.ReportMetric(ours.wall.Seconds(), "baton-s")
			b.ReportMetric(float64(ours.maxRSSKB)/1024, "baton-MB")
			oursLines := summaryLines(ours.out)
			b.ReportMetric(float64(len(oursLines)), "baton-actions")
			if crmErr != nil {
				b.Logf("crm_simulate not installed (apt-get install pacemaker-cli-utils): comparison skipped")
				return
			}
			theirs, err := runMeasured(ctx, sz.crmTimeout, []string{"LC_ALL=C"}, crm, "-x", path, "-S")
			if err != nil {
				b.Fatal(err)
			}
			if theirs.timedOut {
				b.ReportMetric(sz.crmTimeout.Seconds(), "crm_simulate-s(lower-bound)")
				b.ReportMetric(1, "crm_simulate-timedout")
				b.Logf("%s: baton %.3fs %.0f MB; crm_simulate > %v (stopped)", name, ours.wall.Seconds(), float64(ours.maxRSSKB)/1024, sz.crmTimeout)
				return
			}
			b.ReportMetric(theirs.wall.Seconds(), "crm_simulate-s")
			b.ReportMetric(float64(theirs.maxRSSKB)/1024, "crm_simulate-MB")
			b.ReportMetric(theirs.wall.Seconds()/ours.wall.Seconds(), "speedup-x")
			theirLines := summaryLines(theirs.out)
			same := strings.Join(theirLines, "\n") == strings.Join(oursLines, "\n")
			if same {
				b.ReportMetric(1, "same-decisions")
			} else {
				b.ReportMetric(0, "same-decisions")
				diff := 0
				for i := 0; i < len(oursLines) || i < len(theirLines); i++ {
					var o, t string
					if i < len(oursLines) {
						o = oursLines[i]
					}
					if i < len(theirLines) {
						t = theirLines[i]
					}
					if o != t && diff < 10 {
						b.Logf("differs at %d:\n  baton:        %s\n  crm_simulate: %s", i, o, t)
						diff++
					}
				}
			}
			b.Logf("%s: baton %.3fs %.0f MB; crm_simulate %.2fs %.0f MB; same decisions: %v (%d lines)", name,
				ours.wall.Seconds(), float64(ours.maxRSSKB)/1024, theirs.wall.Seconds(), float64(theirs.maxRSSKB)/1024, same, len(theirLines))
		})
	}
}
