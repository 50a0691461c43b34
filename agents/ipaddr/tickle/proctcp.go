package tickle

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The TCP tables are parsed here rather than with prometheus/procfs: that
// library compiles some twenty regular expressions at start-up, which every
// agent invocation of the baton binary would pay (0.3 ms, a tenth of a
// monitor), for two columns of one file.

// tcpEstablished is TCP_ESTABLISHED in the st column.
const tcpEstablished = 1

// Established returns the established TCP connections whose local address
// is addr, read from net/tcp and net/tcp6 under procDir (in production
// /proc/thread-self, which shows the network namespace of the calling
// thread). IPv4 connections accepted by dual-stack sockets appear in tcp6
// with mapped addresses; they are reported as IPv4.
func Established(procDir string, addr netip.Addr) ([]Conn, error) {
	addr = addr.Unmap().WithZone("")
	var out []Conn
	seen := map[Conn]bool{}
	for _, name := range []string{"tcp", "tcp6"} {
		f, err := os.Open(filepath.Join(procDir, "net", name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // tcp6 is absent when IPv6 is disabled
		}
		if err != nil {
			return nil, fmt.Errorf("read TCP connection table: %w", err)
		}
		cs, err := ParseTable(f, addr)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name(), err)
		}
		for _, c := range cs {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	Sort(out)
	return out, nil
}

// ParseTable reads a /proc/net/tcp or tcp6 table and returns its
// established connections whose local address is addr.
func ParseTable(r io.Reader, addr netip.Addr) ([]Conn, error) {
	var out []Conn
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	first := true
	for s.Scan() {
		if first { // the header
			first = false
			continue
		}
		f := strings.Fields(s.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) < 4 {
			return nil, fmt.Errorf("short line %q", s.Text())
		}
		st, err := strconv.ParseUint(f[3], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("state in %q: %w", s.Text(), err)
		}
		if st != tcpEstablished {
			continue
		}
		local, err := parseHexAddrPort(f[1])
		if err != nil {
			return nil, err
		}
		if local.Addr() != addr {
			continue
		}
		remote, err := parseHexAddrPort(f[2])
		if err != nil {
			return nil, err
		}
		out = append(out, Conn{Local: local, Remote: remote})
	}
	return out, s.Err()
}

// parseHexAddrPort reads the kernel's "ADDR:PORT" form: the address as
// 32-bit words printed in host byte order, the port in hex.
func parseHexAddrPort(s string) (netip.AddrPort, error) {
	h, p, ok := strings.Cut(s, ":")
	if !ok || (len(h) != 8 && len(h) != 32) {
		return netip.AddrPort{}, fmt.Errorf("address %q is not in /proc/net/tcp form", s)
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("port in %q: %w", s, err)
	}
	b := make([]byte, len(h)/2)
	for i := 0; i < len(h); i += 8 {
		w, err := strconv.ParseUint(h[i:i+8], 16, 32)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("address in %q: %w", s, err)
		}
		binary.NativeEndian.PutUint32(b[i/2:], uint32(w))
	}
	a, _ := netip.AddrFromSlice(b)
	return netip.AddrPortFrom(a.Unmap(), uint16(port)), nil
}
