package fencenetns

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-ha/baton/agents/fenceapi"
	"github.com/baton-ha/baton/crm/fencer"
)

// TestParseStdinAndCommandLine: the agent's parameters through fenceapi's
// parser (whose own tests cover the rest): devices_dir on stdin and as
// --devices-dir, plug from port, and no options of other agents.
func TestParseStdinAndCommandLine(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		stdin string
		want  fenceapi.Options
	}{
		{nil, "action=off\nplug=node1\nnodename=node1\ndevices_dir=/d\n",
			fenceapi.Options{"action": "off", "plug": "node1", "nodename": "node1", "devices_dir": "/d"}},
		{nil, "port=node2\ndevices_dir=/d\n", fenceapi.Options{"action": "reboot", "plug": "node2", "port": "node2", "devices_dir": "/d"}},
		{[]string{"-o", "status", "-n", "node1", "--devices-dir=/d"}, "", fenceapi.Options{"action": "status", "plug": "node1", "devices_dir": "/d"}},
	} {
		got, err := agent.Parse(tc.args, strings.NewReader(tc.stdin), io.Discard)
		if diff := cmp.Diff(tc.want, got); err != nil || diff != "" {
			t.Errorf("%q %q: %v (-want +got):\n%s", tc.args, tc.stdin, err, diff)
		}
	}
	if _, err := agent.Parse([]string{"--ip", "1.2.3.4"}, nil, nil); err == nil || !strings.Contains(err.Error(), "unknown option") {
		t.Errorf("--ip: %v", err)
	}
}

// TestMetadataDeclaresPlug: the fencer finds plug and devices_dir in the
// metadata (fenceapi's tests check its form).
func TestMetadataDeclaresPlug(t *testing.T) {
	var out bytes.Buffer
	if code := Main([]string{"-o", "metadata"}, nil, &out, &out); code != fenceapi.ExitOK {
		t.Fatalf("metadata exit %d", code)
	}
	names, err := fencer.ParseMetadata(out.Bytes())
	if err != nil || !names["plug"] || !names["devices_dir"] || !strings.Contains(out.String(), `<resource-agent name="`+Name+`"`) {
		t.Errorf("the fencer reads %v, %v from\n%s", names, err, out.String())
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
		{"action=off\nplug=node1\n", fenceapi.ExitError, "devices_dir is required"},
		{"action=off\ndevices_dir=" + dir + "\n", fenceapi.ExitError, "needs plug"},
		{"action=off\nplug=node9\ndevices_dir=" + dir + "\n", fenceapi.ExitError, `no machine "node9"`},
		{"action=status\nplug=node1\ndevices_dir=" + dir + "\n", fenceapi.ExitError, "needs netns and mntns"},
		{"action=off\nplug=../x\ndevices_dir=" + dir + "\n", fenceapi.ExitError, "not a machine name"},
		{"action=dance\ndevices_dir=" + dir + "\n", fenceapi.ExitError, "unknown action"},
		{"action=list\ndevices_dir=" + dir + "\n", fenceapi.ExitOK, "node1,node1"},
		{"action=monitor\ndevices_dir=" + dir + "/nope\n", fenceapi.ExitError, "devices_dir"},
	} {
		var out bytes.Buffer
		code := Main(nil, strings.NewReader(tc.stdin), &out, &out)
		if code != tc.code || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%q: exit %d %q, want %d containing %q", tc.stdin, code, out.String(), tc.code, tc.want)
		}
	}
}
