package ipaddr_test

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFailover moves the address from a to b and checks what the client
// sees: its neighbour entry switching to b's MAC in time, and exactly the
// announcements asked for, of the kind and at the spacing asked for.
func TestFailover(t *testing.T) {
	cases := []struct {
		name     string
		ip, mask string
		params   map[string]string
		count    int
		interval time.Duration
		kinds    []string      // per round
		limit    time.Duration // until the client's entry shows b
	}{
		{"ipv4-request-bg", "10.213.50.100", "24", map[string]string{"arp_mode": "request"}, 4, 250 * time.Millisecond, []string{"request"}, time.Second},
		{"ipv4-reply-fg", "10.213.50.100", "24", map[string]string{"arp_mode": "reply", "arp_bg": "false"}, 3, 400 * time.Millisecond, []string{"reply"}, time.Second},
		{"ipv4-both", "10.213.50.100", "", map[string]string{"arp_mode": "both"}, 3, 300 * time.Millisecond, []string{"request", "reply"}, time.Second},
		{"ipv4-send_arp_opts-A", "10.213.50.100", "24", map[string]string{"send_arp_opts": "-A"}, 2, 200 * time.Millisecond, []string{"reply"}, time.Second},
		{"ipv6-nodad", "fd00:213:50::100", "64", map[string]string{"nodad": "true"}, 3, 300 * time.Millisecond, []string{"na"}, time.Second},
		// With duplicate address detection the first advertisement waits
		// for DAD (1-2 s in the kernel), as it must.
		{"ipv6-dad-bg", "fd00:213:50::100", "", map[string]string{"arp_bg": "true"}, 3, 200 * time.Millisecond, []string{"na"}, 4 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t)
			vip := netip.MustParseAddr(tc.ip)
			p := map[string]string{"ip": tc.ip, "arp_count": strconv.Itoa(tc.count),
				"arp_interval": strconv.Itoa(int(tc.interval / time.Millisecond))}
			if tc.mask != "" {
				p["cidr_netmask"] = tc.mask
			}
			for k, v := range tc.params {
				p[k] = v
			}
			l.must(l.a, "start", p, 0)
			l.must(l.a, "monitor", p, 0)
			// Linux only updates neighbour entries from unsolicited
			// announcements, it does not create them: the client must
			// have talked to the address first.
			l.c.MustExec(t, "ping", "-c", "1", "-W", "2", tc.ip)
			macA, macB := l.mac(l.a), l.mac(l.b)
			if got := l.neighbour(l.c, tc.ip); got != macA {
				t.Fatalf("before the takeover the client's entry for %s is %q, want a's %s", tc.ip, got, macA)
			}
			l.must(l.a, "stop", p, 0)
			l.must(l.a, "monitor", p, 7)

			window := time.Duration(tc.count)*tc.interval + tc.limit + time.Second
			frames := capture(t, l.c.Name, vip, window)
			// Start runs beside the poll: without arp_bg it returns only
			// after the last announcement, long after the first one.
			start := time.Now()
			done := make(chan time.Duration, 1)
			go func() {
				code, out := l.run(l.b, "start", p)
				if code != 0 {
					t.Errorf("start on b: exit %d\n%s", code, out)
				}
				done <- time.Since(start)
			}()
			took := l.waitNeighbour(l.c, tc.ip, macB, start, tc.limit)
			startTook := <-done
			t.Logf("%s: client's neighbour entry showed b's MAC %v after start began (start returned after %v)", tc.name, took.Round(time.Millisecond), startTook.Round(time.Millisecond))

			var fromB []seen
			for _, f := range <-frames {
				switch {
				case f.sender == macB:
					fromB = append(fromB, f)
				case strings.HasPrefix(f.kind, "capture error"):
					t.Error(f.kind)
				default:
					t.Errorf("announcement of %s for %s after a stopped", f.kind, f.sender)
				}
			}
			per := len(tc.kinds)
			if len(fromB) != tc.count*per {
				t.Fatalf("captured %d announcements, want %d rounds of %v: %+v", len(fromB), tc.count, tc.kinds, fromB)
			}
			var gaps []string
			for i, f := range fromB {
				if want := tc.kinds[i%per]; f.kind != want {
					t.Errorf("announcement %d is a %s, want %s", i, f.kind, want)
				}
				if f.kind == "na" && !f.override {
					t.Errorf("neighbour advertisement %d lacks the override flag", i)
				}
				if i >= per && i%per == 0 {
					gap := f.at.Sub(fromB[i-per].at)
					gaps = append(gaps, gap.Round(time.Millisecond).String())
					// The capture's own timestamps jitter under load: each
					// gap is only bounded loosely, the mean tightly below.
					if gap < tc.interval/2 || gap > 2*tc.interval {
						t.Errorf("rounds %d and %d are %v apart, want %v", i/per-1, i/per, gap, tc.interval)
					}
				}
			}
			// A sender that ignores arp_interval (as IPaddr2's send_arp
			// does) misses the mean by far more than scheduling jitter.
			if tc.count > 1 {
				mean := fromB[len(fromB)-per].at.Sub(fromB[0].at) / time.Duration(tc.count-1)
				if mean < tc.interval-30*time.Millisecond || mean > tc.interval+100*time.Millisecond {
					t.Errorf("rounds are %v apart on average, want %v", mean, tc.interval)
				}
			}
			t.Logf("%s: %d rounds of %v, gaps %v", tc.name, tc.count, tc.kinds, gaps)
			l.must(l.b, "stop", p, 0)
			l.must(l.b, "stop", p, 0)
		})
	}
}
