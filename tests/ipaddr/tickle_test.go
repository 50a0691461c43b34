package ipaddr_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bnetns "github.com/baton-ha/baton/tests/harness/netns"
)

// TestTickle: a client holds an idle TCP connection to the address served
// on a; a is cut off silently and the address started on b. With tickle_dir
// the client's connection is reset at once; without it the connection hangs
// on, because an idle client never sends anything the new owner could
// answer with a RST.
func TestTickle(t *testing.T) {
	cases := []struct {
		name       string
		vip, mask  string
		withTickle bool
		// monitor runs a monitor on a before the takeover; without it
		// only the watcher start leaves running keeps the record.
		monitor bool
	}{
		{"ipv4-with-tickle_dir", "10.213.50.100", "24", true, true},
		{"ipv4-without-tickle_dir", "10.213.50.100", "24", false, true},
		{"ipv6-with-tickle_dir", "fd00:213:50::100", "64", true, true},
		{"ipv4-recent-client-no-monitor", "10.213.50.100", "24", true, false},
	}
	for _, tc := range cases {
		withTickle, vip := tc.withTickle, tc.vip
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t)
			const port = "2049"
			shared := t.TempDir() // stands for the replicated file system
			p := map[string]string{"ip": vip, "cidr_netmask": tc.mask, "arp_count": "3", "arp_interval": "200", "nodad": "true"}
			if withTickle {
				p["tickle_dir"] = shared
			}
			l.must(l.a, "start", p, 0)

			// The service on a, and the client's connection to it.
			var ln net.Listener
			if err := bnetns.Do(l.a.Name, func() (err error) {
				ln, err = net.Listen("tcp", net.JoinHostPort(vip, port))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			accepted := make(chan net.Conn, 1)
			go func() {
				c, err := ln.Accept()
				if err == nil {
					accepted <- c
				}
			}()
			var client net.Conn
			if err := bnetns.Do(l.c.Name, func() (err error) {
				client, err = net.DialTimeout("tcp", net.JoinHostPort(vip, port), 5*time.Second)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			server := <-accepted
			t.Cleanup(func() { client.Close(); server.Close(); ln.Close() })
			if _, err := client.Write([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			if _, err := server.Read(make([]byte, 5)); err != nil {
				t.Fatal(err)
			}

			recordPath := filepath.Join(shared, "baton-tickle-"+vip)
			if tc.monitor {
				// The recurring monitor on a records the connection.
				l.must(l.a, "monitor", p, 0, "OCF_RESKEY_CRM_meta_interval=10000")
				record, _ := os.ReadFile(recordPath)
				if withTickle && !strings.Contains(string(record), client.LocalAddr().String()) {
					t.Fatalf("the tickle record does not list the client %s:\n%s", client.LocalAddr(), record)
				}
			} else {
				// No monitor: the watcher start left running records the
				// client within a second of its connecting.
				connected := time.Now()
				var record []byte
				for time.Since(connected) < time.Second && !strings.Contains(string(record), client.LocalAddr().String()) {
					time.Sleep(20 * time.Millisecond)
					record, _ = os.ReadFile(recordPath)
				}
				if !strings.Contains(string(record), client.LocalAddr().String()) {
					t.Fatalf("1 s after the client connected, with no monitor, the tickle record does not list it:\n%s", record)
				}
				t.Logf("the watcher recorded the client %v after it connected", time.Since(connected).Round(time.Millisecond))
			}

			type ending struct {
				err error
				at  time.Time
			}
			reset := make(chan ending, 1)
			go func() {
				_, err := client.Read(make([]byte, 1))
				reset <- ending{err, time.Now()}
			}()
			l.net.Unplug(l.a)
			start := time.Now()
			l.must(l.b, "start", p, 0)

			if withTickle {
				select {
				case e := <-reset:
					took := e.at.Sub(start)
					if !errors.Is(e.err, syscall.ECONNRESET) {
						t.Fatalf("the client's connection ended with %v, want a reset", e.err)
					}
					t.Logf("%s: the client's connection was reset %v after start on b began", tc.name, took.Round(time.Millisecond))
					if took > 2*time.Second {
						t.Errorf("reset after %v, want within 2 s", took)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("the client's connection was not reset within 5 s of the takeover")
				}
				return
			}
			const watch = 4 * time.Second
			select {
			case e := <-reset:
				t.Fatalf("without tickle_dir the idle connection ended anyway after %v (%v): the test proves nothing", e.at.Sub(start), e.err)
			case <-time.After(watch):
				t.Logf("without tickle_dir: the client's idle connection was still up %v after the takeover", watch)
			}
			// It ends only when the client next sends: then b answers RST.
			sent := time.Now()
			if _, err := client.Write([]byte("x")); err != nil {
				t.Fatal(err)
			}
			select {
			case e := <-reset:
				if !errors.Is(e.err, syscall.ECONNRESET) {
					t.Fatalf("ended with %v, want a reset", e.err)
				}
				t.Logf("without tickle_dir: reset %v after the client next sent (%v after the takeover)",
					e.at.Sub(sent).Round(time.Millisecond), e.at.Sub(start).Round(time.Millisecond))
			case <-time.After(5 * time.Second):
				t.Fatal("the connection was not reset even after the client sent")
			}
		})
	}
}
