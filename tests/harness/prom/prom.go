// Package prom reads and checks Prometheus scrapes in tests: the text
// format parsed with Prometheus's own parser, and `promtool check metrics`
// (Debian's prometheus package) run over it.
package prom

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/baton-ha/baton/tests/harness"
)

// Parse reads a scrape in the text format, by metric family name.
func Parse(t testing.TB, text string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parse the scrape: %v\n%s", err, text)
	}
	return fams
}

// Values returns the values of the series of family name whose labels
// include want.
func Values(fams map[string]*dto.MetricFamily, name string, want map[string]string) []float64 {
	var out []float64
	for _, m := range fams[name].GetMetric() {
		ok := true
		for k, v := range want {
			has := false
			for _, l := range m.Label {
				if l.GetName() == k && l.GetValue() == v {
					has = true
				}
			}
			ok = ok && has
		}
		if !ok {
			continue
		}
		switch {
		case m.Gauge != nil:
			out = append(out, m.Gauge.GetValue())
		case m.Counter != nil:
			out = append(out, m.Counter.GetValue())
		case m.Untyped != nil:
			out = append(out, m.Untyped.GetValue())
		}
	}
	return out
}

// Value is Values for exactly one series; it fails t otherwise.
func Value(t testing.TB, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	v := Values(fams, name, want)
	if len(v) != 1 {
		t.Fatalf("%s%v: %d series, want 1", name, want, len(v))
	}
	return v[0]
}

// compatNames are findings of promtool's linter that come from keeping
// ha_cluster_exporter's metric names, which dashboards query: its fail
// counts end in _count, which the linter reads as a histogram's.
var compatNames = map[string]bool{
	`ha_cluster_pacemaker_fail_count non-histogram and non-summary metrics should not have "_count" suffix`: true,
}

// Check runs `promtool check metrics` over a scrape and fails t on a
// parse error or any lint finding other than the compatibility names.
func Check(t testing.TB, text string) {
	t.Helper()
	harness.NeedCommand(t, "promtool")
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.CombinedOutput()
	if err == nil {
		return
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 { // 3: lint findings only
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !compatNames[strings.TrimSpace(line)] {
			t.Errorf("promtool check metrics: %s", line)
		}
	}
}
