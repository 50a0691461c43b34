package ganesha

import (
	"os"
	"strings"
	"testing"
)

func TestParseReload(t *testing.T) {
	b, err := os.ReadFile("testdata/reload.log")
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	const exp = "/run/baton/ganesha/exports.d/exp.conf"
	const other = "/run/baton/ganesha/exports.d/other.conf"
	r := ParseReload(log, exp)
	if !r.Done || len(r.Errors) != 2 || len(r.Warnings) != 0 || !strings.Contains(r.Errors[0], "double quoted string") {
		t.Errorf("exp.conf: %+v", r)
	}
	if r := ParseReload(log, other); !r.Done || len(r.Errors) != 0 || len(r.Warnings) != 1 {
		t.Errorf("other.conf: %+v", r)
	}
	// A completion logged before the SIGHUP line is an earlier re-read.
	first := strings.SplitN(log, "\n", 3)
	if r := ParseReload(first[0]+"\n"+first[1], exp); r.Done {
		t.Errorf("a re-read without its SIGHUP line counted: %+v", r)
	}
	// Begun but not complete: not done yet.
	lines := strings.Split(log, "\n")
	if r := ParseReload(strings.Join(lines[2:4], "\n"), exp); r.Done {
		t.Errorf("an unfinished re-read counted: %+v", r)
	}
}
