package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const good = `
cluster = "nfs"
node = "node1"
node_id = 1
cib = "/etc/baton/cib.xml"
auth_key = "/etc/baton/authkey"

[heartbeat]
keepalive = "250ms"

[[link]]
name = "hb"
address = "10.0.1.1"

[[link]]
name = "svc"
address = "10.0.0.1"

[[peer]]
name = "node2"
node_id = 2
addresses = ["10.0.1.2", "10.0.0.2"]

[ping]
hosts = ["10.0.0.254"]
multiplier = 100

[quorum]
policy = "witness"
witness = "10.0.0.3:5406"
`

func write(t *testing.T, s string) string {
	p := filepath.Join(t.TempDir(), "baton.toml")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadGood(t *testing.T) {
	c, err := Load(write(t, good))
	if err != nil {
		t.Fatal(err)
	}
	if c.Heartbeat.Keepalive.Duration != 250*time.Millisecond || c.Heartbeat.Warntime.Duration != time.Second ||
		c.Heartbeat.Deadtime.Duration != 2*time.Second || c.Heartbeat.Port != 5405 {
		t.Errorf("heartbeat defaults: %+v", c.Heartbeat)
	}
	if !*c.WaitForAll || c.Ping.Attribute != "pingd" || c.Ping.Multiplier != 100 || c.Quorum.Policy != "witness" || c.StateDir != "/var/lib/baton" {
		t.Errorf("config: %+v", c)
	}
	if c.Metrics.Listen != "" {
		t.Errorf("metrics on by default: %q", c.Metrics.Listen)
	}
}

// TestMetricsListen: metrics stay off unless asked for, and an address
// without a host is the loopback.
func TestMetricsListen(t *testing.T) {
	for in, want := range map[string]string{":9664": "127.0.0.1:9664", "10.0.0.1:9100": "10.0.0.1:9100", "[::1]:9664": "[::1]:9664"} {
		c, err := Load(write(t, good+"\n[metrics]\nlisten = \""+in+"\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		if c.Metrics.Listen != want {
			t.Errorf("listen %q became %q, want %q", in, c.Metrics.Listen, want)
		}
	}
}

func TestLoadBad(t *testing.T) {
	tests := []struct{ name, edit, want string }{
		{"unknown key", good + "\nbogus = 1\n", "unknown keys: quorum.bogus"},
		{"one link", strings.Replace(good, "[[link]]\nname = \"svc\"\naddress = \"10.0.0.1\"\n", "", 1), "at least two are required"},
		{"bad timing", strings.Replace(good, `keepalive = "250ms"`, `keepalive = "3s"`, 1), "keepalive < warntime < deadtime"},
		{"bad duration", strings.Replace(good, `keepalive = "250ms"`, `keepalive = "soon"`, 1), "is not a duration"},
		{"bad address", strings.Replace(good, `address = "10.0.1.1"`, `address = "ten"`, 1), "link[0].address"},
		{"dup id", strings.Replace(good, "node_id = 2", "node_id = 1", 1), "peer[0].node_id: 1 is also node1's"},
		{"addr count", strings.Replace(good, `addresses = ["10.0.1.2", "10.0.0.2"]`, `addresses = ["10.0.1.2"]`, 1), "1 given for 2 links"},
		{"policy", strings.Replace(good, `policy = "witness"`, `policy = "majority"`, 1), "not one of fence, witness, ignore, stop"},
		{"witness addr", strings.Replace(good, `witness = "10.0.0.3:5406"`, `witness = "10.0.0.3"`, 1), "quorum.witness"},
		{"old fence hook", good + "\n[fencing]\ncommand = [\"fence_ipmilan\", \"--plug={node}\"]\n", "fencing.command and fencing.timeout are no longer used"},
		{"watchdog timeout in ms", good + "\n[watchdog]\ndevice = \"/dev/watchdog\"\ntimeout = \"1500ms\"\n", "watchdog.timeout: 1.5s"},
		{"watchdog relative", good + "\n[watchdog]\ndevice = \"watchdog\"\n", "watchdog.device"},
		{"watchdog timeout alone", good + "\n[watchdog]\ntimeout = \"5s\"\n", "watchdog.device is not"},
		{"no node", strings.Replace(good, `node = "node1"`, ``, 1), "node: this node's name is required"},
		{"syntax", good + "\n[[[", "config"},
		{"negative ping interval", strings.Replace(good, "multiplier = 100", "multiplier = 100\ninterval = \"-1s\"", 1), "ping.interval: -1s is outside"},
		{"keepalive 1ns", strings.Replace(good, `keepalive = "250ms"`, `keepalive = "1ns"`, 1), "heartbeat.keepalive: 1ns is outside"},
		{"deadtime 2000000h", strings.Replace(good, `keepalive = "250ms"`, "keepalive = \"250ms\"\ndeadtime = \"2000000h\"", 1), "heartbeat.deadtime: 2000000h0m0s is outside"},
		{"negative quorum timeout", good + "timeout = \"-5s\"\n", "quorum.timeout: -5s is outside"},
		{"long node name", strings.Replace(good, `node = "node1"`, `node = "`+strings.Repeat("n", 256)+`"`, 1), "node: 256 bytes long"},
		{"long cluster name", strings.Replace(good, `cluster = "nfs"`, `cluster = "`+strings.Repeat("c", 300)+`"`, 1), "cluster: 300 bytes long"},
		{"long peer name", strings.Replace(good, `name = "node2"`, `name = "`+strings.Repeat("p", 256)+`"`, 1), "peer[0].name: 256 bytes long"},
		{"link 0.0.0.0", strings.Replace(good, `address = "10.0.1.1"`, `address = "0.0.0.0"`, 1), "link[0].address: 0.0.0.0 is the unspecified address"},
		{"link loopback", strings.Replace(good, `address = "10.0.1.1"`, `address = "127.0.0.1"`, 1), "link[0].address: 127.0.0.1 is a loopback address"},
		{"link multicast", strings.Replace(good, `address = "10.0.0.1"`, `address = "239.1.1.1"`, 1), "link[1].address: 239.1.1.1 is a multicast"},
		{"peer is local", strings.Replace(good, `addresses = ["10.0.1.2", "10.0.0.2"]`, `addresses = ["10.0.1.2", "10.0.0.1"]`, 1), "peer[0].addresses[1]: 10.0.0.1 is this node's own link address"},
		{"peer multicast", strings.Replace(good, `addresses = ["10.0.1.2", "10.0.0.2"]`, `addresses = ["224.0.0.1", "10.0.0.2"]`, 1), "peer[0].addresses[0]: 224.0.0.1 is a multicast"},
		{"relative state_dir", strings.Replace(good, `node_id = 1`, "node_id = 1\nstate_dir = \"var/lib/baton\"", 1), `state_dir: "var/lib/baton" is not an absolute path`},
		{"metrics address", good + "\n[metrics]\nlisten = \"9664\"\n", "metrics.listen: \"9664\" is not host:port"},
		{"metrics port", good + "\n[metrics]\nlisten = \"127.0.0.1:http\"\n", "metrics.listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write(t, tt.edit)
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
			// Every line names the file.
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.Contains(line, path) {
					t.Errorf("line %q does not name %s", line, path)
				}
			}
		})
	}
}
