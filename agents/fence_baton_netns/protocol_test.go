package fencenetns

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseStdinAndCommandLine(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		want  options
		err   string
	}{
		{"stdin as pacemaker sends it", nil, "action=off\nplug=node1\nnodename=node1\ndevices_dir=/d\n",
			options{"action": "off", "plug": "node1", "nodename": "node1", "devices_dir": "/d"}, ""},
		{"older port name", nil, "port=node2\ndevices_dir=/d\n", options{"action": "reboot", "plug": "node2", "port": "node2", "devices_dir": "/d"}, ""},
		{"short options", []string{"-o", "status", "-n", "node1", "--devices-dir=/d"}, "", options{"action": "status", "plug": "node1", "devices_dir": "/d"}, ""},
		{"bad line", nil, "action off\n", nil, "not name=value"},
		{"unknown option", []string{"--ip", "1.2.3.4"}, "", nil, "unknown option"},
		{"missing value", []string{"-o"}, "", nil, "needs a value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse(tc.args, strings.NewReader(tc.stdin))
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
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMetadataDeclaresPlug(t *testing.T) {
	var out bytes.Buffer
	if code := Main([]string{"-o", "metadata"}, nil, &out, &out); code != exitOK {
		t.Fatalf("metadata exit %d", code)
	}
	var m struct {
		Name   string `xml:"name,attr"`
		Params []struct {
			Name string `xml:"name,attr"`
		} `xml:"parameters>parameter"`
		Actions []struct {
			Name string `xml:"name,attr"`
		} `xml:"actions>action"`
	}
	if err := xml.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, p := range m.Params {
		names[p.Name] = true
	}
	if m.Name != Name || !names["plug"] || !names["devices_dir"] || len(m.Actions) < 8 {
		t.Errorf("metadata: %+v", m)
	}
}

func TestErrorsAreClear(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "node1.json"), []byte(`{"netns": ""}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		stdin string
		code  int
		want  string
	}{
		{"action=off\nplug=node1\n", exitError, "devices_dir is required"},
		{"action=off\ndevices_dir=" + dir + "\n", exitError, "needs plug"},
		{"action=off\nplug=node9\ndevices_dir=" + dir + "\n", exitError, `no machine "node9"`},
		{"action=status\nplug=node1\ndevices_dir=" + dir + "\n", exitError, "needs netns and mntns"},
		{"action=off\nplug=../x\ndevices_dir=" + dir + "\n", exitError, "not a machine name"},
		{"action=dance\ndevices_dir=" + dir + "\n", exitError, "unknown action"},
		{"action=list\ndevices_dir=" + dir + "\n", exitOK, "node1,node1"},
		{"action=monitor\ndevices_dir=" + dir + "/nope\n", exitError, "devices_dir"},
	} {
		var out bytes.Buffer
		code := Main(nil, strings.NewReader(tc.stdin), &out, &out)
		if code != tc.code || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%q: exit %d %q, want %d containing %q", tc.stdin, code, out.String(), tc.code, tc.want)
		}
	}
}

// FuzzParse: no stdin or argument list panics the option reader.
func FuzzParse(f *testing.F) {
	f.Add("action=off\nplug=node1\n", "")
	f.Add("", "-o status -n node1")
	f.Fuzz(func(t *testing.T, stdin, args string) {
		_, _ = parse(strings.Fields(args), strings.NewReader(stdin))
	})
}
