package fenceapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeDevice is a power switch's plugs as booleans, with a log of the
// calls that reached it.
type fakeDevice struct {
	on    map[string]bool
	calls []string
	// broken plugs fail Status; failOn makes PowerOn fail; down fails
	// everything.
	broken map[string]bool
	failOn bool
	down   bool
}

var errDown = errors.New("the switch does not answer")

func (d *fakeDevice) List(context.Context) ([]string, error) {
	d.calls = append(d.calls, "list")
	if d.down {
		return nil, errDown
	}
	var out []string
	for p := range d.on {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

func (d *fakeDevice) Status(_ context.Context, plug string) (bool, error) {
	d.calls = append(d.calls, "status "+plug)
	if d.down || d.broken[plug] {
		return false, errDown
	}
	on, ok := d.on[plug]
	if !ok {
		return false, fmt.Errorf("no such plug %q", plug)
	}
	return on, nil
}

func (d *fakeDevice) set(plug string, on bool) error {
	if d.down {
		return errDown
	}
	if _, ok := d.on[plug]; !ok {
		return fmt.Errorf("no such plug %q", plug)
	}
	d.on[plug] = on
	return nil
}

func (d *fakeDevice) PowerOff(_ context.Context, plug string) error {
	d.calls = append(d.calls, "off "+plug)
	return d.set(plug, false)
}

func (d *fakeDevice) PowerOn(_ context.Context, plug string) error {
	d.calls = append(d.calls, "on "+plug)
	if d.failOn {
		return errors.New("it would not start")
	}
	return d.set(plug, true)
}

// testAgent is an agent of a network switch, declared like the real ones;
// opened, it uses dev and records the options it was given.
func testAgent(dev *fakeDevice, opened *Options) *Agent {
	return &Agent{
		Name:      "fence_test",
		ShortDesc: "Test agent",
		LongDesc:  `A "switch" of plugs & <sockets>.`,
		PlugDesc:  "The outlet's name",
		Params: []Param{
			{Name: "ip", Short: "-a", Long: "--ip", Arg: "ip", Type: "string", Required: true, Desc: "The switch's address"},
			{Name: "ipport", Short: "-u", Long: "--ipport", Arg: "port", Type: "integer", Default: "5407", Desc: "Its port"},
			{Name: "key_file", Short: "-k", Long: "--key-file", Arg: "filename", Type: "string", Desc: "Its key"},
		},
		Open: func(o Options) (Device, error) {
			if opened != nil {
				*opened = o
			}
			if o["ipport"] == "0" {
				return nil, errors.New("ipport 0 is not a TCP port")
			}
			return dev, nil
		},
	}
}

func TestParse(t *testing.T) {
	a := testAgent(nil, nil)
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		want  Options
		warn  string // on stderr
		err   string
	}{
		{name: "stdin as the fencer sends it", stdin: "action=off\nport=nodea\nnodename=nodea\nip=10.0.0.1\n",
			want: Options{"action": "off", "plug": "nodea", "port": "nodea", "nodename": "nodea", "ip": "10.0.0.1", "ipport": "5407"}},
		{name: "stdin plug", stdin: "action=status\nplug=nodea\n",
			want: Options{"action": "status", "plug": "nodea", "ipport": "5407"}},
		{name: "plug wins over port", stdin: "port=old\nplug=new\n",
			want: Options{"action": "reboot", "plug": "new", "port": "old", "ipport": "5407"}},
		{name: "blanks, comments and spaces", stdin: "\n# a comment\n  action = list \r\n\nip= 10.0.0.1\n",
			want: Options{"action": "list", "ip": "10.0.0.1", "ipport": "5407"}},
		{name: "value with =", stdin: "key_file=/k=v\n", want: Options{"action": "reboot", "key_file": "/k=v", "ipport": "5407"}},
		{name: "empty values take defaults", stdin: "action=\nipport=\n", want: Options{"action": "reboot", "ipport": "5407"}},
		{name: "empty stdin: defaults", stdin: "", want: Options{"action": "reboot", "ipport": "5407"}},
		{name: "unknown stdin name is reported and ignored", stdin: "action=list\npcmk_host_list=a b\nsecret=x\n",
			want: Options{"action": "list", "ipport": "5407"},
			warn: "fence_test: ignoring unknown option \"pcmk_host_list\"\nfence_test: ignoring unknown option \"secret\"\n"},
		{name: "short options", args: []string{"-o", "status", "-n", "nodea", "-a", "10.0.0.1", "-u", "99"},
			want: Options{"action": "status", "plug": "nodea", "ip": "10.0.0.1", "ipport": "99"}},
		{name: "long options with =", args: []string{"--action=on", "--plug=nodeb", "--ip=h:1", "--key-file=/k"},
			want: Options{"action": "on", "plug": "nodeb", "ip": "h:1", "key_file": "/k", "ipport": "5407"}},
		{name: "short option with =", args: []string{"-o=list"}, want: Options{"action": "list", "ipport": "5407"}},
		{name: "--port stands for --plug", args: []string{"--port", "nodec"}, want: Options{"action": "reboot", "plug": "nodec", "ipport": "5407"}},
		{name: "--nodename", args: []string{"--nodename", "x", "-n", "y"}, want: Options{"action": "reboot", "plug": "y", "nodename": "x", "ipport": "5407"}},
		{name: "last option wins", args: []string{"-o", "on", "-o", "off"}, want: Options{"action": "off", "ipport": "5407"}},
		{name: "command line ignores stdin", args: []string{"-o", "list"}, stdin: "action=off\nplug=nodea\n",
			want: Options{"action": "list", "ipport": "5407"}},
		{name: "value that looks like an option", args: []string{"-n", "-o"}, want: Options{"action": "reboot", "plug": "-o", "ipport": "5407"}},
		{name: "bad stdin line", stdin: "action off\n", err: `stdin line "action off" is not name=value`},
		{name: "unknown option", args: []string{"--ssh"}, err: `unknown option "--ssh" (see fence_test -o metadata)`},
		{name: "stdin name on the command line", args: []string{"action=off"}, err: "unknown option"},
		{name: "stdin spelling of a long option", args: []string{"--key_file", "/k"}, err: "unknown option"},
		{name: "combined short option", args: []string{"-ooff"}, err: "unknown option"},
		{name: "missing value", args: []string{"-a", "1.2.3.4", "-o"}, err: "option -o needs a value"},
		{name: "stdin line too long", stdin: "ip=" + strings.Repeat("x", 70000) + "\n", err: "read stdin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var warn bytes.Buffer
			got, err := a.Parse(tc.args, strings.NewReader(tc.stdin), &warn)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			if warn.String() != tc.warn {
				t.Errorf("stderr %q, want %q", warn.String(), tc.warn)
			}
		})
	}
	// No stdin and no stderr at all: the defaults.
	if got, err := a.Parse(nil, nil, nil); err != nil || got["action"] != "reboot" {
		t.Errorf("nil stdin: %v %v", got, err)
	}
}

func TestActions(t *testing.T) {
	const addr = "ip=10.0.0.1\n"
	for _, tc := range []struct {
		name  string
		dev   fakeDevice
		args  []string
		stdin string
		code  int
		out   string
		err   string // a part of stderr; "" for none at all
		calls []string
		on    map[string]bool // the plugs after; nil: unchanged
	}{
		{name: "status on", stdin: addr + "action=status\nplug=a\n", code: ExitOK, out: "Status: ON\n", calls: []string{"status a"}},
		{name: "status off", stdin: addr + "action=status\nport=b\n", code: ExitOff, out: "Status: OFF\n", calls: []string{"status b"}},
		{name: "status unknown plug", stdin: addr + "action=status\nplug=z\n", code: ExitError, err: "fence_test: no such plug \"z\"", calls: []string{"status z"}},
		{name: "off", stdin: addr + "action=off\nplug=a\n", code: ExitOK, out: "Success: Powered OFF\n",
			calls: []string{"off a"}, on: map[string]bool{"a": false, "b": false}},
		{name: "off an off plug", stdin: addr + "action=off\nplug=b\n", code: ExitOK, out: "Success: Powered OFF\n", calls: []string{"off b"}},
		{name: "on", args: []string{"-o", "on", "-n", "b", "-a", "h"}, code: ExitOK, out: "Success: Powered ON\n",
			calls: []string{"on b"}, on: map[string]bool{"a": true, "b": true}},
		{name: "reboot is the default", stdin: addr + "plug=a\n", code: ExitOK, out: "Success: Rebooted\n", calls: []string{"off a", "on a"}},
		{name: "reboot of an off plug", stdin: addr + "action=reboot\nplug=b\n", code: ExitOK, out: "Success: Rebooted\n",
			calls: []string{"off b", "on b"}, on: map[string]bool{"a": true, "b": true}},
		{name: "reboot: off fails", dev: fakeDevice{down: true}, stdin: addr + "action=reboot\nplug=a\n", code: ExitError,
			err: "fence_test: reboot a: the switch does not answer", calls: []string{"off a"}},
		{name: "reboot: on fails, still fenced", dev: fakeDevice{failOn: true}, stdin: addr + "action=reboot\nplug=a\n", code: ExitOK,
			out: "Success: Rebooted\n", err: "fence_test: reboot a: powered off, but powering on failed: it would not start",
			calls: []string{"off a", "on a"}, on: map[string]bool{"a": false, "b": false}},
		{name: "off fails", stdin: addr + "action=off\nplug=z\n", code: ExitError, err: `fence_test: off z: no such plug "z"`, calls: []string{"off z"}},
		{name: "on fails", dev: fakeDevice{failOn: true}, stdin: addr + "action=on\nplug=b\n", code: ExitError,
			err: "fence_test: on b: it would not start", calls: []string{"on b"}},
		{name: "list", stdin: addr + "action=list\n", code: ExitOK, out: "a,a\nb,b\n", calls: []string{"list"}},
		{name: "list-status", dev: fakeDevice{broken: map[string]bool{"b": true}}, stdin: addr + "action=list-status\n", code: ExitOK,
			out: "a,a,ON\nb,b,UNKNOWN\n", calls: []string{"list", "status a", "status b"}},
		{name: "list fails", dev: fakeDevice{down: true}, stdin: addr + "action=list\n", code: ExitError, err: "does not answer", calls: []string{"list"}},
		{name: "monitor", stdin: addr + "action=monitor\n", code: ExitOK, calls: []string{"list"}},
		{name: "monitor fails", dev: fakeDevice{down: true}, stdin: addr + "action=monitor\n", code: ExitError, err: "does not answer", calls: []string{"list"}},
		{name: "validate-all does not touch the device", stdin: addr + "action=validate-all\n", code: ExitOK},
		{name: "validate-all: Open fails", stdin: addr + "action=validate-all\nipport=0\n", code: ExitError, err: "fence_test: ipport 0 is not a TCP port"},
		{name: "Open fails first", stdin: addr + "action=off\nplug=a\nipport=0\n", code: ExitError, err: "ipport 0"},
		{name: "required parameter", stdin: "action=list\n", code: ExitError, err: "fence_test: ip is required: the switch's address"},
		{name: "plug needed", stdin: addr + "action=off\n", code: ExitError, err: "fence_test: action off needs plug: the outlet's name"},
		{name: "plug needed for status", stdin: addr + "action=status\n", code: ExitError, err: "needs plug"},
		{name: "plug needed for the default reboot", stdin: addr, code: ExitError, err: "action reboot needs plug"},
		{name: "unknown action", stdin: addr + "action=dance\nplug=a\n", code: ExitError,
			err: `fence_test: unknown action "dance" (on, off, reboot, status, list, list-status, monitor, metadata, validate-all)`},
		{name: "actions are case-sensitive", stdin: addr + "action=OFF\nplug=a\n", code: ExitError, err: "unknown action"},
		{name: "parse error", args: []string{"-o"}, code: ExitError, err: "fence_test: option -o needs a value"},
		{name: "metadata needs nothing else", args: []string{"-o", "metadata"}, code: ExitOK, out: "<?xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := tc.dev
			dev.on = map[string]bool{"a": true, "b": false}
			var out, errb bytes.Buffer
			code := testAgent(&dev, nil).Main(tc.args, strings.NewReader(tc.stdin), &out, &errb)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stdout %q, stderr %q)", code, tc.code, out.String(), errb.String())
			}
			if tc.name == "metadata needs nothing else" {
				if !strings.HasPrefix(out.String(), tc.out) {
					t.Errorf("stdout %q", out.String())
				}
			} else if out.String() != tc.out {
				t.Errorf("stdout %q, want %q", out.String(), tc.out)
			}
			if tc.err == "" && errb.Len() > 0 || !strings.Contains(errb.String(), tc.err) {
				t.Errorf("stderr %q, want it to hold %q", errb.String(), tc.err)
			}
			if diff := cmp.Diff(tc.calls, dev.calls); diff != "" {
				t.Errorf("device calls (-want +got):\n%s", diff)
			}
			want := tc.on
			if want == nil {
				want = map[string]bool{"a": true, "b": false}
			}
			if diff := cmp.Diff(want, dev.on); diff != "" {
				t.Errorf("plugs after (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOpenGetsTheOptions: Open sees the parsed options, plug from port and
// the defaults included.
func TestOpenGetsTheOptions(t *testing.T) {
	var got Options
	a := testAgent(&fakeDevice{on: map[string]bool{}}, &got)
	if code := a.Main(nil, strings.NewReader("action=validate-all\nip=h\nport=p\n"), io.Discard, io.Discard); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	want := Options{"action": "validate-all", "ip": "h", "port": "p", "plug": "p", "ipport": "5407"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// metadataDoc is what Pacemaker's fencer and Baton's read of the metadata.
type metadataDoc struct {
	Name      string `xml:"name,attr"`
	Shortdesc string `xml:"shortdesc,attr"`
	Longdesc  string `xml:"longdesc"`
	Params    []struct {
		Name       string `xml:"name,attr"`
		Required   string `xml:"required,attr"`
		Deprecated string `xml:"deprecated,attr"`
		Obsoletes  string `xml:"obsoletes,attr"`
		Getopt     struct {
			Mixed string `xml:"mixed,attr"`
		} `xml:"getopt"`
		Content struct {
			Type    string `xml:"type,attr"`
			Default string `xml:"default,attr"`
		} `xml:"content"`
		Shortdesc string `xml:"shortdesc"`
	} `xml:"parameters>parameter"`
	Actions []struct {
		Name      string `xml:"name,attr"`
		Automatic string `xml:"automatic,attr"`
	} `xml:"actions>action"`
}

// TestMetadata: the metadata parses as XML, declares every parameter once
// in order with its command-line options, defaults and descriptions
// (escaped), and every action; every option it shows parses to its
// parameter.
func TestMetadata(t *testing.T) {
	a := testAgent(nil, nil)
	var m metadataDoc
	if err := xml.Unmarshal([]byte(a.Metadata()), &m); err != nil {
		t.Fatalf("%v\n%s", err, a.Metadata())
	}
	if m.Name != "fence_test" || m.Shortdesc != "Test agent" || m.Longdesc != a.LongDesc {
		t.Errorf("header: %q %q %q", m.Name, m.Shortdesc, m.Longdesc)
	}
	type row struct{ Name, Required, Deprecated, Obsoletes, Getopt, Type, Default, Desc string }
	var got []row
	for _, p := range m.Params {
		got = append(got, row{p.Name, p.Required, p.Deprecated, p.Obsoletes, p.Getopt.Mixed, p.Content.Type, p.Content.Default, p.Shortdesc})
	}
	want := []row{
		{"action", "1", "", "", "-o, --action=[action]", "string", "reboot", "Fencing action"},
		{"plug", "1", "", "port", "-n, --plug=[name]", "string", "", "The outlet's name"},
		{"port", "0", "1", "", "-n, --plug=[name]", "string", "", "The outlet's name"},
		{"nodename", "0", "", "", "--nodename=[name]", "string", "", "The cluster node name (set by the fencer)"},
		{"ip", "1", "", "", "-a, --ip=[ip]", "string", "", "The switch's address"},
		{"ipport", "0", "", "", "-u, --ipport=[port]", "integer", "5407", "Its port"},
		{"key_file", "0", "", "", "-k, --key-file=[filename]", "string", "", "Its key"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parameters (-want +got):\n%s", diff)
	}
	var actions []string
	for _, act := range m.Actions {
		actions = append(actions, act.Name)
		if (act.Automatic == "0") != (act.Name == "on") {
			t.Errorf("action %s automatic=%q", act.Name, act.Automatic)
		}
	}
	if diff := cmp.Diff(Actions, actions); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	flags := a.Flags()
	for _, p := range m.Params {
		for _, f := range strings.Split(p.Getopt.Mixed, ", ") {
			f, _, _ = strings.Cut(f, "=")
			want := p.Name
			if p.Name == "port" {
				want = "plug"
			}
			if flags[f] != want {
				t.Errorf("option %s of %s parses as %q", f, p.Name, flags[f])
			}
		}
	}
}

// TestMetadataFormat: the layout of fence-agents' metadata, line by line
// (Baton's fence agents print it so since they were written).
func TestMetadataFormat(t *testing.T) {
	a := &Agent{Name: "fence_x", ShortDesc: "X's agent", LongDesc: "Long.", PlugDesc: "P"}
	want := `<?xml version="1.0" ?>
<resource-agent name="fence_x" shortdesc="X's agent">
<longdesc>Long.</longdesc>
<vendor-url>https://github.com/baton-ha/baton</vendor-url>
<parameters>
	<parameter name="action" unique="0" required="1">
		<getopt mixed="-o, --action=[action]" />
		<content type="string" default="reboot" />
		<shortdesc lang="en">Fencing action</shortdesc>
	</parameter>
	<parameter name="plug" unique="0" required="1" obsoletes="port">
		<getopt mixed="-n, --plug=[name]" />
		<content type="string" />
		<shortdesc lang="en">P</shortdesc>
	</parameter>
	<parameter name="port" unique="0" required="0" deprecated="1">
		<getopt mixed="-n, --plug=[name]" />
		<content type="string" />
		<shortdesc lang="en">P</shortdesc>
	</parameter>
	<parameter name="nodename" unique="0" required="0">
		<getopt mixed="--nodename=[name]" />
		<content type="string" />
		<shortdesc lang="en">The cluster node name (set by the fencer)</shortdesc>
	</parameter>
</parameters>
<actions>
	<action name="on" automatic="0" />
	<action name="off" />
	<action name="reboot" />
	<action name="status" />
	<action name="list" />
	<action name="list-status" />
	<action name="monitor" />
	<action name="metadata" />
	<action name="validate-all" />
</actions>
</resource-agent>
`
	if diff := cmp.Diff(want, a.Metadata()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
