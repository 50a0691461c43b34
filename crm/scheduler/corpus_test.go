package scheduler

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/baton-ha/baton/crm/cib"
)

// corpusDir finds Pacemaker's scheduler corpus: $BATON_SCHEDULER_CORPUS, or
// shared/scheduler-corpus in a directory above this package.
func corpusDir(t testing.TB) string {
	if d := os.Getenv("BATON_SCHEDULER_CORPUS"); d != "" {
		return d
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		cand := filepath.Join(dir, "shared", "scheduler-corpus")
		if st, err := os.Stat(filepath.Join(cand, "tests.txt")); err == nil && !st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("scheduler corpus not found: set BATON_SCHEDULER_CORPUS or place it in ../shared/scheduler-corpus")
		}
		dir = parent
	}
}

// expectedSummary extracts the Transition Summary entries of a
// crm_simulate output.
func expectedSummary(text string) []string {
	var out []string
	in := false
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Transition Summary:"):
			in = true
			continue
		case strings.HasPrefix(line, "Executing Cluster Transition:"), strings.HasPrefix(line, "Revised Cluster Status:"):
			in = false
		}
		if in && strings.HasPrefix(strings.TrimSpace(line), "* ") {
			out = append(out, NormalizeLine(line))
		}
	}
	return out
}

type corpusOutcome struct {
	name      string
	ok        bool
	got, want []string
	err       error
}

func runCorpus(t *testing.T) []corpusOutcome {
	dir := corpusDir(t)
	names, err := os.ReadFile(filepath.Join(dir, "tests.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []corpusOutcome
	for _, name := range strings.Fields(string(names)) {
		o := corpusOutcome{name: name}
		want, err := os.ReadFile(filepath.Join(dir, "summary", name+".summary"))
		if err != nil {
			t.Fatal(err)
		}
		o.want = expectedSummary(string(want))
		doc, err := cib.ParseFile(filepath.Join(dir, "xml", name+".xml"))
		if err == nil {
			var res *Result
			res, err = Schedule(doc)
			if err == nil {
				for _, l := range FormatSummary(res.Summary) {
					o.got = append(o.got, NormalizeLine(l))
				}
			}
		}
		o.err = err
		o.ok = err == nil && strings.Join(o.got, "\n") == strings.Join(o.want, "\n")
		outcomes = append(outcomes, o)
	}
	return outcomes
}

func readRatchet(t *testing.T) int {
	data, err := os.ReadFile(filepath.Join("testdata", "corpus-ratchet.txt"))
	if err != nil {
		t.Fatalf("read ratchet: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n, err := strconv.Atoi(line)
		if err != nil {
			t.Fatalf("ratchet file: %q is not a number", line)
		}
		return n
	}
	t.Fatal("ratchet file holds no number")
	return 0
}

// TestCorpus runs the scheduler on Pacemaker's regression corpus and
// compares Transition Summaries (reasons ignored). It fails when the pass
// count drops below the committed ratchet.
func TestCorpus(t *testing.T) {
	outcomes := runCorpus(t)
	pass := 0
	var failed []string
	for _, o := range outcomes {
		if o.ok {
			pass++
			continue
		}
		failed = append(failed, o.name)
		if testing.Verbose() || os.Getenv("BATON_CORPUS_DIFF") != "" {
			t.Logf("%s: err=%v\n  want:\n    %s\n  got:\n    %s", o.name, o.err, strings.Join(o.want, "\n    "), strings.Join(o.got, "\n    "))
		}
	}
	ratchet := readRatchet(t)
	t.Logf("scheduler corpus: %d/%d pass (ratchet %d)", pass, len(outcomes), ratchet)
	fmt.Printf("scheduler corpus: %d/%d pass (ratchet %d)\nfailing: %s\n", pass, len(outcomes), ratchet, strings.Join(failed, " "))
	if pass < ratchet {
		t.Fatalf("corpus pass count %d dropped below the ratchet %d (testdata/corpus-ratchet.txt)", pass, ratchet)
	}
}
