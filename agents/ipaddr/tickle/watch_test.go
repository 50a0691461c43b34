package tickle

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// Watch saves at once, then only when the list changes, and reports a
// persistent failure once.
func TestWatchSavesChanges(t *testing.T) {
	a := Conn{netip.MustParseAddrPort("192.0.2.1:2049"), netip.MustParseAddrPort("192.0.2.50:700")}
	b := Conn{netip.MustParseAddrPort("192.0.2.1:2049"), netip.MustParseAddrPort("192.0.2.51:701")}
	lists := [][]Conn{{a}, {a}, nil, nil, {a, b}}
	var mu sync.Mutex
	var saves [][]Conn
	var reports []error
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	i := 0
	list := func() ([]Conn, error) {
		mu.Lock()
		defer mu.Unlock()
		if i >= len(lists) {
			if i == len(lists)+3 {
				cancel()
			}
			i++
			return nil, errors.New("sock_diag gone")
		}
		l := lists[i]
		i++
		return l, nil
	}
	save := func(cs []Conn) error {
		mu.Lock()
		defer mu.Unlock()
		saves = append(saves, cs)
		return nil
	}
	done := make(chan struct{})
	go func() {
		Watch(ctx, time.Millisecond, list, save, func(err error) { reports = append(reports, err) })
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after its context ended")
	}
	want := [][]Conn{{a}, nil, {a, b}}
	if len(saves) != len(want) {
		t.Fatalf("saved %d times (%v), want %d (%v)", len(saves), saves, len(want), want)
	}
	if len(reports) != 1 {
		t.Errorf("a persistent failure reported %d times, want once: %v", len(reports), reports)
	}
}

// SockDiag sees a connection to a local address the moment it is
// established, as the kernel's table has it.
func TestSockDiagSeesConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			defer c.Close()
			_, _ = c.Read(make([]byte, 1))
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := OpenSockDiag()
	if err != nil {
		t.Skipf("no sock_diag here: %v", err)
	}
	defer d.Close()
	cs, err := d.Established(netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	want := Conn{netip.MustParseAddrPort(ln.Addr().String()), netip.MustParseAddrPort(c.LocalAddr().String())}
	found := false
	for _, x := range cs {
		found = found || x == want
	}
	if !found {
		t.Errorf("sock_diag lists %v, not %v", cs, want)
	}
	// The same as proc's table says.
	pc, err := Established("/proc/thread-self", netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	if Sort(pc); !strings.Contains(string(Format(want.Local.Addr(), pc)), want.String()) {
		t.Errorf("proc lists %v", pc)
	}
}
