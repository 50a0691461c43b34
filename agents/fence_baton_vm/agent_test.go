package fencevm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-ha/baton/agents/fenceapi"
	"github.com/baton-ha/baton/crm/fencer"
)

// fakePower is a switch's guests as booleans, with a log of what was done.
type fakePower struct {
	mu  sync.Mutex
	on  map[string]bool
	ops []string
	// failOn makes PowerOn fail.
	failOn bool
}

func (p *fakePower) Plugs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for k := range p.on {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (p *fakePower) On(plug string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.on[plug], nil
}

func (p *fakePower) PowerOff(_ context.Context, plug string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ops = append(p.ops, "off "+plug)
	p.on[plug] = false
	return nil
}

func (p *fakePower) PowerOn(_ context.Context, plug string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ops = append(p.ops, "on "+plug)
	if p.failOn {
		return fmt.Errorf("the guest would not start")
	}
	p.on[plug] = true
	return nil
}

func (p *fakePower) done() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.ops
	p.ops = nil
	return out
}

var testKey = Key("fence-baton-vm-test-key-0123456789")

// startSwitch serves p on a loopback port with key and returns its address.
func startSwitch(t *testing.T, key Key, p Power) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Switch{Key: key, Power: p}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(l) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-errc; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return l.Addr().String()
}

func keyFile(t *testing.T, key Key) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(f, append(key, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// run runs the agent with stdin lines and returns its exit status and
// output.
func run(stdin string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(nil, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestAgentAgainstSwitch(t *testing.T) {
	p := &fakePower{on: map[string]bool{"nodea": true, "nodeb": true}}
	addr := startSwitch(t, testKey, p)
	host, port, _ := net.SplitHostPort(addr)
	common := fmt.Sprintf("ip=%s\nipport=%s\nkey_file=%s\nnodename=nodea\n", host, port, keyFile(t, testKey))
	for _, tc := range []struct {
		name   string
		stdin  string
		code   int
		out    string
		ops    []string
		wantOn map[string]bool
	}{
		{"monitor", "action=monitor\n", fenceapi.ExitOK, "", nil, nil},
		{"validate-all", "action=validate-all\n", fenceapi.ExitOK, "", nil, nil},
		{"list", "action=list\n", fenceapi.ExitOK, "nodea,nodea\nnodeb,nodeb\n", nil, nil},
		{"list-status", "action=list-status\n", fenceapi.ExitOK, "nodea,nodea,ON\nnodeb,nodeb,ON\n", nil, nil},
		{"status on", "action=status\nplug=nodea\n", fenceapi.ExitOK, "Status: ON\n", nil, nil},
		{"off", "action=off\nplug=nodea\n", fenceapi.ExitOK, "Success: Powered OFF\n", []string{"off nodea"}, map[string]bool{"nodea": false, "nodeb": true}},
		{"status off", "action=status\nplug=nodea\n", fenceapi.ExitOff, "Status: OFF\n", nil, nil},
		{"off again", "action=off\nplug=nodea\n", fenceapi.ExitOK, "Success: Powered OFF\n", []string{"off nodea"}, nil},
		{"on, older port name", "action=on\nport=nodea\n", fenceapi.ExitOK, "Success: Powered ON\n", []string{"on nodea"}, map[string]bool{"nodea": true, "nodeb": true}},
		{"reboot is the default", "plug=nodeb\n", fenceapi.ExitOK, "Success: Rebooted\n", []string{"off nodeb", "on nodeb"}, map[string]bool{"nodea": true, "nodeb": true}},
		{"unknown stdin names are ignored", "action=status\nplug=nodeb\npcmk_whatever=1\n", fenceapi.ExitOK, "Status: ON\n", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := run(common + tc.stdin)
			if code != tc.code || out != tc.out {
				t.Fatalf("exit %d, stdout %q (stderr %q); want %d, %q", code, out, errs, tc.code, tc.out)
			}
			if diff := cmp.Diff(tc.ops, p.done()); diff != "" {
				t.Errorf("switch operations (-want +got):\n%s", diff)
			}
			if tc.wantOn != nil {
				if diff := cmp.Diff(tc.wantOn, p.on); diff != "" {
					t.Errorf("power (-want +got):\n%s", diff)
				}
			}
		})
	}

	// The command line, as an administrator types it.
	var out, errb bytes.Buffer
	code := Main([]string{"-o", "status", "-n", "nodea", "-a", host, "--ipport=" + port, "-k", keyFile(t, testKey)}, nil, &out, &errb)
	if code != fenceapi.ExitOK || out.String() != "Status: ON\n" {
		t.Errorf("command line: exit %d %q %q", code, out.String(), errb.String())
	}
	// ip as host:port.
	code, outs, errs := run(fmt.Sprintf("action=status\nplug=nodeb\nip=%s\nkey_file=%s\n", addr, keyFile(t, testKey)))
	if code != fenceapi.ExitOK || outs != "Status: ON\n" {
		t.Errorf("ip=host:port: exit %d %q %q", code, outs, errs)
	}
}

func TestAgentRefusals(t *testing.T) {
	p := &fakePower{on: map[string]bool{"nodea": true}}
	addr := startSwitch(t, testKey, p)
	good := fmt.Sprintf("ip=%s\nkey_file=%s\n", addr, keyFile(t, testKey))
	wrongKey := fmt.Sprintf("ip=%s\nkey_file=%s\n", addr, keyFile(t, Key("another-key-of-enough-length-000")))
	shortKey := fmt.Sprintf("ip=%s\nkey_file=%s\n", addr, keyFile(t, Key("short")))
	loose := keyFile(t, testKey)
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	for _, tc := range []struct {
		name, stdin, want string
	}{
		{"bad key", wrongKey + "action=off\nplug=nodea\n", "bad signature"},
		{"bad key, monitor", wrongKey + "action=monitor\n", "bad signature"},
		{"unknown plug", good + "action=off\nplug=nodez\n", "no such plug"},
		{"unknown plug, status", good + "action=status\nplug=nodez\n", "no such plug"},
		{"no plug", good + "action=off\n", "needs plug"},
		{"no ip", "action=status\nplug=nodea\nkey_file=/nonexistent\n", "ip is required"},
		{"bad port", good + "action=status\nplug=nodea\nip=127.0.0.1\nipport=http\n", "not a TCP port"},
		{"no key file", fmt.Sprintf("ip=%s\nkey_file=/nonexistent/key\naction=status\nplug=nodea\n", addr), "key_file"},
		{"short key", shortKey + "action=status\nplug=nodea\n", "at least 16"},
		{"key readable by others", fmt.Sprintf("ip=%s\nkey_file=%s\naction=status\nplug=nodea\n", addr, loose), "mode 0644"},
		{"unknown action", good + "action=dance\n", "unknown action"},
		{"switch down", fmt.Sprintf("ip=%s\nkey_file=%s\naction=status\nplug=nodea\nlogin_timeout=1\n", closed, keyFile(t, testKey)), "connection refused"},
		{"bad line", "action off\n", "not name=value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := run(tc.stdin)
			if code != fenceapi.ExitError || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 with %q", code, out, errs, tc.want)
			}
		})
	}
	if ops := p.done(); len(ops) > 0 {
		t.Errorf("refused requests reached the power: %v", ops)
	}
	if !p.on["nodea"] {
		t.Error("nodea was powered off by a refused request")
	}
	if _, err := agent.Parse([]string{"--ssh"}, nil, nil); err == nil || !strings.Contains(err.Error(), "unknown option") {
		t.Errorf("unknown command-line option: %v", err)
	}
}

// TestRebootSucceedsOnceOff: as with fence-agents, a reboot whose power-on
// fails still fenced the node.
func TestRebootSucceedsOnceOff(t *testing.T) {
	p := &fakePower{on: map[string]bool{"nodea": true}, failOn: true}
	addr := startSwitch(t, testKey, p)
	code, out, errs := run(fmt.Sprintf("ip=%s\nkey_file=%s\naction=reboot\nplug=nodea\n", addr, keyFile(t, testKey)))
	if code != fenceapi.ExitOK || !strings.Contains(out, "Rebooted") || !strings.Contains(errs, "powering on failed") {
		t.Errorf("exit %d %q %q", code, out, errs)
	}
	code, _, errs = run(fmt.Sprintf("ip=%s\nkey_file=%s\naction=on\nplug=nodea\n", addr, keyFile(t, testKey)))
	if code != fenceapi.ExitError || !strings.Contains(errs, "would not start") {
		t.Errorf("on: exit %d %q", code, errs)
	}
}

// exchange opens a connection to the switch and returns its challenge.
func exchange(t *testing.T, addr string) (net.Conn, *bufio.Reader, []byte) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	line, err := readLine(r)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(line, greeting))
	if err != nil {
		t.Fatal(err)
	}
	return c, r, ch
}

// TestSwitchRefusesReplays: a request recorded on one connection does not
// act on another (its challenge is spent), and an answer signed for a
// request (the label) does not pass for an answer.
func TestSwitchRefusesReplays(t *testing.T) {
	p := &fakePower{on: map[string]bool{"nodea": true}}
	addr := startSwitch(t, testKey, p)
	c, r, ch := exchange(t, addr)
	req, err := seal(testKey, labelRequest, Request{Op: OpStatus, Plug: "nodea", Challenge: ch, Nonce: []byte("n1")})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "%s\n", req)
	line, err := readLine(r)
	if err != nil {
		t.Fatal(err)
	}
	var rep Reply
	if err := open(testKey, labelReply, line, &rep); err != nil || !rep.OK || !rep.On || string(rep.Nonce) != "n1" {
		t.Fatalf("answer %+v, %v", rep, err)
	}
	// The answer does not open as a request (and vice versa).
	if err := open(testKey, labelRequest, line, &Request{}); err == nil {
		t.Error("an answer passed for a request")
	}
	c.Close()

	// An off, recorded, played on a later connection.
	c, _, ch = exchange(t, addr)
	off, _ := seal(testKey, labelRequest, Request{Op: OpOff, Plug: "nodea", Challenge: ch, Nonce: []byte("n2")})
	c.Close()
	c, r, _ = exchange(t, addr)
	fmt.Fprintf(c, "%s\n", off)
	line, err = readLine(r)
	c.Close()
	if err != nil || !strings.HasPrefix(line, "ERR ") || !strings.Contains(line, "challenge") {
		t.Errorf("replayed off: %q, %v", line, err)
	}
	if ops := p.done(); len(ops) > 0 || !p.on["nodea"] {
		t.Errorf("a replayed request acted: %v", ops)
	}
}

// TestClientRefusesForgedAnswers: an answer signed with another key, or
// naming another request, does not count, whatever it says.
func TestClientRefusesForgedAnswers(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  Key
		same bool // answer with the request's nonce
		want string
	}{
		{"other key", Key("an-impostor-switch-key-000000000"), true, "not signed with this key"},
		{"old answer", testKey, false, "not for this request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			go func() {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				fmt.Fprintf(c, "%s%s\n", greeting, base64.StdEncoding.EncodeToString(make([]byte, 32)))
				line, err := readLine(bufio.NewReader(c))
				if err != nil {
					return
				}
				var req Request
				_ = open(testKey, labelRequest, line, &req)
				n := []byte("an older request")
				if tc.same {
					n = req.Nonce
				}
				out, _ := seal(tc.key, labelReply, Reply{Nonce: n, OK: true, On: false})
				fmt.Fprintf(c, "%s\n", out)
			}()
			cl := &Client{Addr: l.Addr().String(), Key: testKey}
			_, err = cl.Do(context.Background(), OpOff, "nodea", 5*time.Second)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("forged answer: %v, want %q", err, tc.want)
			}
		})
	}
}

// TestMetadata: the metadata parses, names its parameters once each, and
// the fencer finds plug in it; every option the command line takes is a
// declared parameter.
func TestMetadata(t *testing.T) {
	var out bytes.Buffer
	if code := Main([]string{"-o", "metadata"}, nil, &out, &out); code != fenceapi.ExitOK {
		t.Fatalf("metadata exit %d: %s", code, out.String())
	}
	var m struct {
		Name   string `xml:"name,attr"`
		Params []struct {
			Name   string `xml:"name,attr"`
			Getopt struct {
				Mixed string `xml:"mixed,attr"`
			} `xml:"getopt"`
		} `xml:"parameters>parameter"`
		Actions []struct {
			Name string `xml:"name,attr"`
		} `xml:"actions>action"`
	}
	if err := xml.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m.Name != Name || len(m.Params) != len(agent.AllParams()) || len(m.Actions) != len(fenceapi.Actions) {
		t.Fatalf("metadata: %+v", m)
	}
	flags := agent.Flags()
	for _, p := range m.Params {
		for _, f := range strings.Split(p.Getopt.Mixed, ", ") {
			f, _, _ = strings.Cut(f, "=")
			if want := p.Name; flags[f] != want && !(p.Name == "port" && flags[f] == "plug") {
				t.Errorf("option %s of %s parses as %q", f, p.Name, flags[f])
			}
		}
	}
	names, err := fencer.ParseMetadata(out.Bytes())
	if err != nil || !names["plug"] || !names["ip"] || !names["key_file"] {
		t.Errorf("the fencer reads %v, %v", names, err)
	}
}

// FuzzSwitch: whatever line reaches the switch, it never acts without a
// request signed with its key for the connection's challenge.
func FuzzSwitch(f *testing.F) {
	f.Add("hello")
	f.Add(base64.StdEncoding.EncodeToString(make([]byte, 40)))
	f.Fuzz(func(t *testing.T, line string) {
		p := &fakePower{on: map[string]bool{"nodea": true}}
		s := &Switch{Key: testKey, Power: p}
		a, b := net.Pipe()
		done := make(chan struct{})
		go func() { s.handle(a); close(done) }()
		r := bufio.NewReader(b)
		if _, err := readLine(r); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(b, "%s\n", strings.ReplaceAll(line, "\n", ""))
		_, _ = readLine(r)
		b.Close()
		<-done
		if ops := p.done(); len(ops) > 0 {
			t.Fatalf("line %q acted: %v", line, ops)
		}
	})
}
