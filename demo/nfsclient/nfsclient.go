// Package nfsclient is a long-lived NFSv3 writer, the client of Baton's
// demo and NFS tests: it mounts an export once with a pure-Go NFSv3 client,
// opens one file, and keeps writing to that same file handle, one chunk at
// a time with FILE_SYNC, across a failover. Every attempt is an Event
// (printed as a JSON line), so the caller sees exactly when writes stalled
// and resumed; at the end it reads the file back through the same handle
// and reports whether every acknowledged byte is there.
//
// It must run inside the client's network namespace (ip netns exec), so
// that every socket it makes, reconnections included, belongs there: a
// separate process, not a goroutine.
package nfsclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"time"

	"github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
)

// Event is one line of output.
type Event struct {
	T      int64  `json:"t"` // unix nanoseconds
	Kind   string `json:"kind"`
	OK     bool   `json:"ok"`
	Off    int64  `json:"off,omitempty"`
	Err    string `json:"err,omitempty"`
	Bytes  int64  `json:"bytes,omitempty"`
	Intact bool   `json:"intact,omitempty"`
}

// Time of the event.
func (e Event) Time() time.Time { return time.Unix(0, e.T) }

// Config says what to write where.
type Config struct {
	Server   string
	Export   string
	File     string
	Chunk    int           // bytes per write; default 4096
	Interval time.Duration // pause between writes; default 20ms
}

// mount dials the server's portmapper and mounts the export. The client
// library binds each connection to a random local port of its own choosing
// and gives up when that port is taken; another port is tried, a few times.
func mount(c Config) (*nfs.Mount, *nfs.Target, error) {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		var m *nfs.Mount
		if m, err = nfs.DialMount(c.Server, time.Second); err != nil {
			if errors.Is(err, syscall.EADDRINUSE) {
				continue
			}
			return nil, nil, err
		}
		auth := rpc.NewAuthUnix("nfsclient", 0, 0)
		var target *nfs.Target
		if target, err = m.Mount(c.Export, auth.Auth()); err != nil {
			m.Client.Close() // nothing mounted: no UMNT to send
			if errors.Is(err, syscall.EADDRINUSE) {
				continue
			}
			return nil, nil, err
		}
		return m, target, nil
	}
	return nil, nil, err
}

// Run writes until ctx ends, then verifies. Events go to out as JSON lines.
func Run(ctx context.Context, c Config, out io.Writer) error {
	if c.Chunk <= 0 {
		c.Chunk = 4096
	}
	if c.Interval <= 0 {
		c.Interval = 20 * time.Millisecond
	}
	enc := json.NewEncoder(out)
	emit := func(e Event) {
		e.T = time.Now().UnixNano()
		_ = enc.Encode(e)
	}
	fail := func(what string, err error) error {
		emit(Event{Kind: what, Err: err.Error()})
		return fmt.Errorf("%s: %w", what, err)
	}
	m, target, err := mount(c)
	if err != nil {
		return fail("mount", err)
	}
	defer func() { _ = m.Unmount() }()
	_ = target.Remove(c.File)
	f, err := target.OpenFile(c.File, 0o644)
	if err != nil {
		return fail("open", err)
	}
	emit(Event{Kind: "ready", OK: true})

	var off int64
	buf := make([]byte, c.Chunk)
	for ctx.Err() == nil {
		fill(buf, off)
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return fail("seek", err)
		}
		n, err := f.Write(buf)
		if err != nil || n != len(buf) {
			if err == nil {
				err = fmt.Errorf("short write %d of %d", n, len(buf))
			}
			emit(Event{Kind: "write", Off: off, Err: err.Error()})
			// Same handle, same offset: a retry, as the kernel client does.
			sleep(ctx, c.Interval)
			continue
		}
		emit(Event{Kind: "write", OK: true, Off: off})
		off += int64(n)
		sleep(ctx, c.Interval)
	}

	// Everything acknowledged (FILE_SYNC) must read back.
	emit(Event{Kind: "verify-start", OK: true, Bytes: off})
	got := make([]byte, 0, off)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail("verify", err)
	}
	rb := make([]byte, 32*1024)
	for int64(len(got)) < off {
		n, err := f.Read(rb)
		got = append(got, rb[:n]...)
		if err == io.EOF || (err == nil && n == 0) {
			break
		}
		if err != nil {
			if strings.Contains(err.Error(), "EOF") {
				break
			}
			return fail("verify", err)
		}
	}
	want := make([]byte, off)
	for o := int64(0); o < off; o += int64(c.Chunk) {
		fill(want[o:min(o+int64(c.Chunk), off)], o)
	}
	intact := int64(len(got)) >= off && bytes.Equal(got[:off], want)
	emit(Event{Kind: "verify", OK: intact, Intact: intact, Bytes: off})
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// fill writes a pattern that depends on the offset, so that a chunk written
// at the wrong place or lost shows up on read-back.
func fill(b []byte, off int64) {
	for i := range b {
		p := off + int64(i)
		b[i] = byte(p*7 + p>>12)
	}
}

// Stall is the longest gap between two consecutive successful writes, the
// later of which came after t: the client-visible outage of a failover
// that began at t.
func Stall(events []Event, t time.Time) time.Duration {
	return StallUntil(events, t, time.Time{})
}

// StallUntil is Stall for a client watched until end: a client whose
// writes stopped and never came back (a hung call) stalls from its last
// acknowledgement to end, which Stall alone, counting only gaps between
// acknowledgements, would not see. A zero end counts no trailing gap.
func StallUntil(events []Event, t, end time.Time) time.Duration {
	var prev time.Time
	longest := time.Duration(0)
	for _, e := range events {
		if e.Kind != "write" || !e.OK {
			continue
		}
		if !prev.IsZero() && e.Time().After(t) {
			if gap := e.Time().Sub(prev); gap > longest {
				longest = gap
			}
		}
		prev = e.Time()
	}
	if !end.IsZero() && end.After(t) {
		from := prev
		if from.IsZero() || from.Before(t) {
			from = t
		}
		if gap := end.Sub(from); gap > longest {
			longest = gap
		}
	}
	return longest
}
