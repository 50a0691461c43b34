package scheduler

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
// crm_simulate output, whitespace collapsed.
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
			out = append(out, NormalizeLine(line, true))
		}
	}
	return out
}

// corpusSets are the test lists of the corpus; corpusModes the two ways
// of comparing summaries.
var (
	corpusSets  = []string{"core", "wide"}
	corpusModes = []string{"noreason", "strict"}
)

func setFile(set string) string {
	if set == "core" {
		return "tests.txt"
	}
	return "tests-" + set + ".txt"
}

type corpusOutcome struct {
	name      string
	got, want []string // strict lines
	err       error
}

func (o corpusOutcome) pass(mode string) bool {
	if o.err != nil {
		return false
	}
	strict := mode == "strict"
	norm := func(ls []string) string {
		out := make([]string, len(ls))
		for i, l := range ls {
			out[i] = NormalizeLine(l, strict)
		}
		return strings.Join(out, "\n")
	}
	return norm(o.got) == norm(o.want)
}

func runCorpusSet(t *testing.T, dir, set string) []corpusOutcome {
	names, err := os.ReadFile(filepath.Join(dir, setFile(set)))
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
					o.got = append(o.got, NormalizeLine(l, true))
				}
			}
		}
		o.err = err
		outcomes = append(outcomes, o)
	}
	return outcomes
}

func ratchetPath(set, mode string) string {
	return filepath.Join("testdata", "corpus-pass-"+set+"-"+mode+".txt")
}

// readPassList reads a ratchet file: one test name a line, # comments.
func readPassList(t *testing.T, path string) []string {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("read ratchet: %v", err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

func writePassList(t *testing.T, path, set, mode string, names []string) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Scheduler corpus (%s set, %s comparison): tests that pass.\n", set, mode)
	b.WriteString("# This list may only grow; regenerate with BATON_CORPUS_UPDATE=1 go test ./crm/scheduler -run TestCorpus\n")
	for _, n := range names {
		b.WriteString(n + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCorpus runs the scheduler on Pacemaker's regression corpus (the core
// and the wide set) and compares Transition Summaries in two modes:
// "noreason" ignores the "due to ..." suffixes and fencing reasons but
// keeps the blocked marker, "strict" compares whole lines. Every test named
// in testdata/corpus-pass-SET-MODE.txt must pass; the lists only grow
// (BATON_CORPUS_UPDATE=1 adds the tests that newly pass).
func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	for _, set := range corpusSets {
		outcomes := runCorpusSet(t, dir, set)
		for _, mode := range corpusModes {
			var passing, failing []string
			for _, o := range outcomes {
				if o.pass(mode) {
					passing = append(passing, o.name)
				} else {
					failing = append(failing, o.name)
				}
			}
			path := ratchetPath(set, mode)
			listed := readPassList(t, path)
			var lost []string
			for _, n := range listed {
				if !slices.Contains(passing, n) {
					lost = append(lost, n)
				}
			}
			fmt.Printf("scheduler corpus %s %s: %d/%d pass (ratchet %d)\n", set, mode, len(passing), len(outcomes), len(listed))
			if testing.Verbose() {
				fmt.Printf("  failing: %s\n", strings.Join(failing, " "))
			}
			if len(lost) > 0 {
				t.Errorf("%s %s: tests in %s no longer pass: %s", set, mode, path, strings.Join(lost, " "))
			}
			if os.Getenv("BATON_CORPUS_UPDATE") != "" && len(lost) == 0 && len(passing) > len(listed) {
				writePassList(t, path, set, mode, passing)
			}
		}
		if os.Getenv("BATON_CORPUS_DIFF") != "" {
			for _, o := range outcomes {
				if !o.pass("strict") {
					t.Logf("%s/%s: err=%v\n  want:\n    %s\n  got:\n    %s", set, o.name, o.err, strings.Join(o.want, "\n    "), strings.Join(o.got, "\n    "))
				}
			}
		}
	}
}
