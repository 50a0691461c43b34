package ocf

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var testDecls = []Param{
	{Name: "ip", Required: true, Shortdesc: "IP address", Longdesc: "The address to manage, <IPv4> or <IPv6> & more."},
	{Name: "count", Type: Integer, Default: "5", Check: IntRange(1, 100)},
	{Name: "bg", Type: Boolean, Default: "false"},
	{Name: "mode", Type: Select, Shortdesc: "Mode", Reloadable: true, UniqueGroup: "m", Choices: []string{"request", "reply", "both"}, Default: "request"},
	{Name: "wait", Type: Duration, Default: "2s"},
	{Name: "old_count", Type: Integer, Deprecated: true, ReplacedWith: "count"},
	{Name: "clusterip_hash", Unsupported: "CLUSTERIP is gone from modern kernels"},
	{Name: "lvs_support", Type: Boolean, Default: "false", Ignored: "no LVS here"},
	{Name: "connect_only", Type: Boolean, Default: "false", Unsupported: "stacked setups are not supported"},
	{Name: "state", DefaultFunc: func(e *Env) string { return "/run/x-" + e.Instance }, Default: "/run/x-INSTANCE"},
}

func TestResolveParams(t *testing.T) {
	tests := []struct {
		name    string
		given   map[string]string
		wantErr string // substring of the exit reason; "" means success
		check   func(t *testing.T, p Params)
	}{
		{name: "defaults", given: map[string]string{"ip": "10.0.0.1"}, check: func(t *testing.T, p Params) {
			if p.Int("count") != 5 || p.Bool("bg") || p.String("mode") != "request" || p.Duration("wait") != 2*time.Second {
				t.Errorf("defaults not applied: %v", p.Map())
			}
			if p.String("state") != "/run/x-r1" {
				t.Errorf("DefaultFunc: got %q", p.String("state"))
			}
			if p.IsSet("count") || !p.IsSet("ip") {
				t.Errorf("IsSet wrong")
			}
		}},
		{name: "missing required", given: map[string]string{}, wantErr: "required parameter ip is not set"},
		{name: "empty required", given: map[string]string{"ip": " "}, wantErr: "required parameter ip is empty"},
		{name: "bad integer", given: map[string]string{"ip": "x", "count": "five"}, wantErr: `parameter count: "five" is not an integer`},
		{name: "out of range", given: map[string]string{"ip": "x", "count": "1000"}, wantErr: "parameter count: \"1000\": must be between 1 and 100"},
		{name: "odd boolean is false", given: map[string]string{"ip": "x", "bg": "maybe"}, check: func(t *testing.T, p Params) {
			if p.Bool("bg") {
				t.Error("maybe should be false, as ocf_is_true reads it")
			}
		}},
		{name: "unsupported boolean false spellings", given: map[string]string{"ip": "x", "connect_only": "no"}},
		{name: "unsupported boolean empty", given: map[string]string{"ip": "x", "connect_only": ""}},
		{name: "unsupported boolean zero", given: map[string]string{"ip": "x", "connect_only": "0"}},
		{name: "unsupported boolean true", given: map[string]string{"ip": "x", "connect_only": "On"}, wantErr: "parameter connect_only is not supported"},
		{name: "pacemaker booleans", given: map[string]string{"ip": "x", "bg": "yes"}, check: func(t *testing.T, p Params) {
			if !p.Bool("bg") {
				t.Error("yes should be true")
			}
		}},
		{name: "bad select", given: map[string]string{"ip": "x", "mode": "loud"}, wantErr: `parameter mode: "loud" is not one of request, reply, both`},
		{name: "bad duration", given: map[string]string{"ip": "x", "wait": "soon"}, wantErr: "parameter wait"},
		{name: "duration units", given: map[string]string{"ip": "x", "wait": "1500ms"}, check: func(t *testing.T, p Params) {
			if p.Duration("wait") != 1500*time.Millisecond {
				t.Errorf("got %v", p.Duration("wait"))
			}
		}},
		{name: "deprecated carried over", given: map[string]string{"ip": "x", "old_count": "7"}, check: func(t *testing.T, p Params) {
			if p.Int("count") != 7 {
				t.Errorf("count = %d, want 7 from old_count", p.Int("count"))
			}
		}},
		{name: "new name wins over deprecated", given: map[string]string{"ip": "x", "old_count": "7", "count": "9"}, check: func(t *testing.T, p Params) {
			if p.Int("count") != 9 {
				t.Errorf("count = %d, want 9", p.Int("count"))
			}
		}},
		{name: "unsupported", given: map[string]string{"ip": "x", "clusterip_hash": "sourceip"}, wantErr: "parameter clusterip_hash is not supported: CLUSTERIP"},
		{name: "unknown ignored", given: map[string]string{"ip": "x", "bogus": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _, err := ResolveParams(testDecls, tt.given, &Env{Instance: "r1"})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if tt.check != nil {
					tt.check(t, p)
				}
				return
			}
			code, reason := CodeOf(err)
			if code != ErrConfigured {
				t.Errorf("code = %v, want OCF_ERR_CONFIGURED", code)
			}
			if !strings.Contains(reason, tt.wantErr) {
				t.Errorf("reason %q does not contain %q", reason, tt.wantErr)
			}
		})
	}
}

func TestResolveParamsNotes(t *testing.T) {
	_, notes, err := ResolveParams(testDecls, map[string]string{"ip": "x", "bogus": "1", "lvs_support": "true", "old_count": "3"}, &Env{})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(notes, "\n")
	for _, want := range []string{"ignoring undeclared parameter bogus", "parameter lvs_support has no effect: no LVS here", "old_count is deprecated: use count"} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes %q lack %q", joined, want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"10": 10 * time.Second, "10s": 10 * time.Second, "500ms": 500 * time.Millisecond,
		"2min": 2 * time.Minute, "1h": time.Hour, " 3 s ": 3 * time.Second,
	} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "s", "10 parsecs", "-5s", "PT5M"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) succeeded", bad)
		}
	}
}

func TestCodeOf(t *testing.T) {
	tests := []struct {
		err        error
		code       ExitCode
		reasonPart string
	}{
		{nil, Success, ""},
		{NotRunning, NotRunning, ""},
		{RunningPromoted, RunningPromoted, ""},
		{Errorf(ErrArgs, "nic %s not found", "eth9"), ErrArgs, "nic eth9 not found"},
		{errors.New("boom"), ErrGeneric, "boom"},
		{Errorf(ErrInstalled, "wrapped: %w", errors.New("inner")), ErrInstalled, "wrapped: inner"},
	}
	for _, tt := range tests {
		code, reason := CodeOf(tt.err)
		if code != tt.code || !strings.Contains(reason, tt.reasonPart) {
			t.Errorf("CodeOf(%v) = %v %q; want %v %q", tt.err, code, reason, tt.code, tt.reasonPart)
		}
	}
}

func TestExitCodeValues(t *testing.T) {
	// The numbers are the API: Pacemaker interprets them.
	want := map[ExitCode]int{Success: 0, ErrGeneric: 1, ErrArgs: 2, ErrUnimplemented: 3, ErrPerm: 4,
		ErrInstalled: 5, ErrConfigured: 6, NotRunning: 7, RunningPromoted: 8, FailedPromoted: 9,
		Degraded: 190, DegradedPromoted: 191}
	for c, n := range want {
		if int(c) != n {
			t.Errorf("%v = %d, want %d", c, int(c), n)
		}
		if strings.HasPrefix(c.String(), "OCF_EXIT_") {
			t.Errorf("code %d has no name", n)
		}
	}
}

// Instance parameters are read as resource-agents' ocf_is_true reads them;
// CIB booleans as Pacemaker's crm_str_to_boolean, which refuses a typo.
func TestBooleanContracts(t *testing.T) {
	for _, c := range []struct {
		in         string
		isTrue     bool
		cib, cibOK bool
	}{
		{"yes", true, true, true}, {"YES", true, true, true}, {"True", true, true, true}, {"1", true, true, true},
		{"on", true, true, true}, {"ON", true, true, true},
		{"y", false, true, true}, {"no", false, false, true}, {"false", false, false, true}, {"0", false, false, true},
		{"off", false, false, true}, {"n", false, false, true}, {"", false, false, false}, {"maybe", false, false, false},
		{" yes", false, true, true}, {"2", false, false, false},
	} {
		if got := IsTrue(c.in); got != c.isTrue {
			t.Errorf("IsTrue(%q) = %v, want %v", c.in, got, c.isTrue)
		}
		got, err := ParseBool(c.in)
		if (err == nil) != c.cibOK || (err == nil && got != c.cib) {
			t.Errorf("ParseBool(%q) = %v, %v; want %v (valid %v)", c.in, got, err, c.cib, c.cibOK)
		}
	}
}

func FuzzIsTrue(f *testing.F) {
	for _, s := range []string{"yes", "no", "", "On", "TRUE", "1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBool(s)
		// Every value ocf_is_true reads as true is true to Pacemaker too.
		if IsTrue(s) && (err != nil || !b) {
			t.Errorf("%q: IsTrue but ParseBool = %v, %v", s, b, err)
		}
	})
}
