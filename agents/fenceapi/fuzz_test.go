package fenceapi

import (
	"bytes"
	"io"
	"sort"
	"strings"
	"testing"
)

// FuzzParse: no stdin or argument list panics the option reader; what it
// accepts holds only declared parameters, an action, plug wherever port is
// set, and, read from stdin, reads back the same when written as stdin
// lines again (what the fencer does with it). Main answers any request
// with exit 0, 1 or 2, 2 only for status, and acts only on the plug the
// request named.
func FuzzParse(f *testing.F) {
	f.Add("action=off\nplug=node1\nip=10.0.0.1\n", "")
	f.Add("# fencer\naction=reboot\nport=node1\nnodename=node1\nip=h:1\nextra=1\n", "")
	f.Add("action off\n", "")
	f.Add(" action = status \r\nplug==x\n", "")
	f.Add("", "-o status -n node1 -a 10.0.0.1")
	f.Add("", "--action=list-status --ip=h --ipport 7")
	f.Add("", "-o")
	f.Add("", "--port node2 --nodename node2 -o off -a h")
	f.Fuzz(func(t *testing.T, stdin, args string) {
		dev := &fakeDevice{on: map[string]bool{"a": true, "b": false}}
		a := testAgent(dev, nil)
		known := map[string]bool{}
		for _, p := range a.AllParams() {
			known[p.Name] = true
		}
		argv := strings.Fields(args)
		o, err := a.Parse(argv, strings.NewReader(stdin), io.Discard)
		if err == nil {
			for k := range o {
				if !known[k] {
					t.Fatalf("undeclared option %q in %v", k, o)
				}
			}
			if o["action"] == "" || (o["port"] != "" && o["plug"] == "") {
				t.Fatalf("options %v", o)
			}
			if len(argv) == 0 {
				var lines []string
				for k, v := range o {
					lines = append(lines, k+"="+v)
				}
				sort.Strings(lines)
				again, err := a.Parse(nil, strings.NewReader(strings.Join(lines, "\n")), io.Discard)
				if err != nil {
					t.Fatalf("%v written back does not read: %v", o, err)
				}
				for k, v := range o {
					if again[k] != v || len(again) != len(o) {
						t.Fatalf("%v read back as %v", o, again)
					}
				}
			}
		}
		var out, errb bytes.Buffer
		code := a.Main(argv, strings.NewReader(stdin), &out, &errb)
		switch {
		case code == ExitError && err == nil && errb.Len() == 0:
			t.Fatalf("exit 1 without a message: %v", o)
		case code == ExitOff && (err != nil || o["action"] != "status"):
			t.Fatalf("exit 2 for %v", o)
		case code != ExitOK && code != ExitError && code != ExitOff:
			t.Fatalf("exit %d", code)
		}
		for _, c := range dev.calls {
			op, plug, _ := strings.Cut(c, " ")
			if (op == "off" || op == "on") && (err != nil || plug != o["plug"]) {
				t.Fatalf("%q for options %v", c, o)
			}
		}
	})
}
