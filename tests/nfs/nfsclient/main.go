// Command nfsclient is the long-lived NFSv3 client of Baton's NFS tests: it
// mounts an export once with a pure-Go NFSv3 client, opens one file, and
// keeps writing to that same file handle, one chunk at a time with
// FILE_SYNC, across a failover. Every attempt is printed as a JSON line, so
// that the test sees exactly when writes stalled and resumed. On SIGTERM it
// reads the file back through the same handle and reports whether every
// acknowledged byte is there.
//
// It runs inside the client's network namespace (ip netns exec), so that
// every socket it makes, including reconnections, belongs to that
// namespace.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
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

func main() {
	server := flag.String("server", "", "server address")
	export := flag.String("export", "", "export path")
	file := flag.String("file", "stream.dat", "file name in the export")
	chunk := flag.Int("chunk", 4096, "bytes per write")
	interval := flag.Duration("interval", 20*time.Millisecond, "pause between writes")
	flag.Parse()

	enc := json.NewEncoder(os.Stdout)
	emit := func(e Event) {
		e.T = time.Now().UnixNano()
		_ = enc.Encode(e)
	}
	fail := func(what string, err error) {
		emit(Event{Kind: what, Err: err.Error()})
		os.Exit(1)
	}

	m, err := nfs.DialMount(*server, time.Second)
	if err != nil {
		fail("mount", err)
	}
	auth := rpc.NewAuthUnix("nfsclient", 0, 0)
	target, err := m.Mount(*export, auth.Auth())
	if err != nil {
		fail("mount", err)
	}
	_ = target.Remove(*file)
	f, err := target.OpenFile(*file, 0o644)
	if err != nil {
		fail("open", err)
	}
	emit(Event{Kind: "ready", OK: true})

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	var off int64
	buf := make([]byte, *chunk)
loop:
	for {
		select {
		case <-stop:
			break loop
		default:
		}
		fill(buf, off)
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			fail("seek", err)
		}
		n, err := f.Write(buf)
		if err != nil || n != len(buf) {
			if err == nil {
				err = fmt.Errorf("short write %d of %d", n, len(buf))
			}
			emit(Event{Kind: "write", Off: off, Err: err.Error()})
			// Same handle, same offset: a retry, as the kernel client does.
			time.Sleep(*interval)
			continue
		}
		emit(Event{Kind: "write", OK: true, Off: off})
		off += int64(n)
		time.Sleep(*interval)
	}

	// Everything acknowledged (FILE_SYNC) must read back.
	got := make([]byte, 0, off)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		fail("verify", err)
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
			fail("verify", err)
		}
	}
	want := make([]byte, off)
	for o := int64(0); o < off; o += int64(*chunk) {
		fill(want[o:min(o+int64(*chunk), off)], o)
	}
	intact := int64(len(got)) >= off && bytes.Equal(got[:off], want)
	emit(Event{Kind: "verify", OK: intact, Intact: intact, Bytes: off})
	_ = m.Unmount()
}

// fill writes a pattern that depends on the offset, so that a chunk written
// at the wrong place or lost shows up on read-back.
func fill(b []byte, off int64) {
	for i := range b {
		p := off + int64(i)
		b[i] = byte(p*7 + p>>12)
	}
}
