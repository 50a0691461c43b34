package tickle

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// The record is a text file in tickle_dir, which lives on shared storage so
// that the next owner of the address can read what the previous one wrote.
// One connection per line, "LOCAL REMOTE" as address:port pairs; lines
// starting with # are comments.

// RecordPath is the file holding the connections to addr.
func RecordPath(dir string, addr netip.Addr) string {
	return filepath.Join(dir, "baton-tickle-"+addr.Unmap().WithZone("").String())
}

// Format renders connections as a record.
func Format(addr netip.Addr, cs []Conn) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# TCP connections to %s, written by ocf:baton:IPaddr for tickle ACKs\n", addr.Unmap())
	for _, c := range cs {
		b.WriteString(c.String())
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Parse reads a record. A malformed line is an error naming it: a record
// that cannot be trusted is better reported than half used.
func Parse(r io.Reader) ([]Conn, error) {
	var out []Conn
	s := bufio.NewScanner(r)
	n := 0
	for s.Scan() {
		n++
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("line %d: want \"LOCAL REMOTE\", got %q", n, line)
		}
		l, err := netip.ParseAddrPort(f[0])
		if err != nil {
			return nil, fmt.Errorf("line %d: local address: %w", n, err)
		}
		rm, err := netip.ParseAddrPort(f[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: remote address: %w", n, err)
		}
		l = netip.AddrPortFrom(l.Addr().Unmap(), l.Port())
		rm = netip.AddrPortFrom(rm.Addr().Unmap(), rm.Port())
		if l.Addr().Is4() != rm.Addr().Is4() {
			return nil, fmt.Errorf("line %d: local and remote addresses are of different families", n)
		}
		out = append(out, Conn{Local: l, Remote: rm})
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Save writes the record for addr atomically (a temporary file renamed into
// place), and skips the write when the content is unchanged so that a
// monitor every few seconds does not keep rewriting shared storage.
func Save(dir string, addr netip.Addr, cs []Conn) error {
	path := RecordPath(dir, addr)
	data := Format(addr, cs)
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	tmp, err := os.CreateTemp(dir, ".baton-tickle-*")
	if err != nil {
		return fmt.Errorf("write tickle record in %s: %w", dir, err)
	}
	// The record exists for the node that takes over after this one
	// crashes: it must be on disk, not in this node's page cache, before it
	// replaces the old one. Without the syncs a crash soon after a write
	// leaves the next owner an empty file and no tickle ACKs to send.
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write tickle record %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("sync tickle directory %s: %w", dir, err)
		}
	}
	return nil
}

// Load reads the record for addr; a missing record is an empty list.
func Load(dir string, addr netip.Addr) ([]Conn, error) {
	f, err := os.Open(RecordPath(dir, addr))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read tickle record: %w", err)
	}
	defer f.Close()
	cs, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("tickle record %s: %w", f.Name(), err)
	}
	return cs, nil
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
