// Package capture records real UDP packets inside a test's network
// namespace with tcpdump and sends recorded payloads again from any address
// of another namespace: replay attacks as an attacker on the wire would
// mount them.
package capture

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/baton-ha/baton/tests/harness"
)

// Record captures count UDP packets matching filter (tcpdump syntax) on
// iface inside network namespace ns, waiting at most limit, and returns
// their payloads.
func Record(t testing.TB, ns, iface, filter string, count int, limit time.Duration) [][]byte {
	t.Helper()
	harness.NeedCommand(t, "tcpdump")
	file := filepath.Join(t.TempDir(), "capture.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "tcpdump", "-i", iface, "-U", "-n", "-w", file,
		"-c", strconv.Itoa(count), filter)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tcpdump in %s (%s): %v\n%s", ns, filter, err, out)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pkts, err := udpPayloads(b)
	if err != nil {
		t.Fatalf("capture %s: %v", file, err)
	}
	if len(pkts) != count {
		t.Fatalf("captured %d packets, want %d", len(pkts), count)
	}
	return pkts
}

// udpPayloads reads a pcap file of Ethernet frames carrying IPv4/UDP.
func udpPayloads(b []byte) ([][]byte, error) {
	if len(b) < 24 {
		return nil, errors.New("short pcap file")
	}
	var order binary.ByteOrder
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		order = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		order = binary.BigEndian
	default:
		return nil, errors.New("not a pcap file")
	}
	if lt := order.Uint32(b[20:]); lt != 1 {
		return nil, fmt.Errorf("link type %d; want Ethernet (1)", lt)
	}
	var out [][]byte
	for b = b[24:]; len(b) >= 16; {
		n := int(order.Uint32(b[8:]))
		if len(b) < 16+n {
			return nil, errors.New("truncated record")
		}
		frame := b[16 : 16+n]
		b = b[16+n:]
		if len(frame) < 14+20 || binary.BigEndian.Uint16(frame[12:]) != 0x0800 {
			continue
		}
		ip := frame[14:]
		ihl := int(ip[0]&0x0f) * 4
		if ip[9] != 17 || len(ip) < ihl+8 {
			continue
		}
		udp := ip[ihl:]
		ulen := int(binary.BigEndian.Uint16(udp[4:]))
		if ulen < 8 || ulen > len(udp) {
			continue
		}
		out = append(out, append([]byte(nil), udp[8:ulen]...))
	}
	return out, nil
}

// Replay sends pkts, one every interval and round and round, from src (an
// address of network namespace ns) to dst, until the returned stop is
// called.
func Replay(t testing.TB, ns string, src, dst *net.UDPAddr, pkts [][]byte, interval time.Duration) (stop func()) {
	t.Helper()
	ready := make(chan error, 1)
	done := make(chan struct{})
	quit := make(chan struct{})
	go func() {
		defer close(done)
		// The socket must be made inside ns: this thread enters it and is
		// never unlocked, so the runtime discards it afterwards.
		runtime.LockOSThread()
		f, err := os.Open(filepath.Join("/run/netns", ns))
		if err != nil {
			ready <- err
			return
		}
		err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
		f.Close()
		if err != nil {
			ready <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		conn, err := net.ListenUDP("udp", src)
		if err != nil {
			ready <- err
			return
		}
		defer conn.Close()
		ready <- nil
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for i := 0; ; i++ {
			_, _ = conn.WriteToUDP(pkts[i%len(pkts)], dst)
			select {
			case <-quit:
				return
			case <-tick.C:
			}
		}
	}()
	if err := <-ready; err != nil {
		t.Fatalf("replay from %s in %s: %v", src, ns, err)
	}
	var once bool
	stop = func() {
		if !once {
			once = true
			close(quit)
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}
