package rpcping

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// serve answers each call on a loopback listener with reply(xid, call).
func serve(t *testing.T, reply func(xid uint32, call []byte) []byte) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				rec, err := readRecord(c)
				if err != nil {
					return
				}
				body := reply(binary.BigEndian.Uint32(rec), rec)
				if body == nil {
					time.Sleep(2 * time.Second)
					return
				}
				// Split the reply in two fragments to exercise reassembly.
				half := len(body) / 2
				var out []byte
				out = binary.BigEndian.AppendUint32(out, uint32(half))
				out = append(out, body[:half]...)
				out = binary.BigEndian.AppendUint32(out, lastFragment|uint32(len(body)-half))
				out = append(out, body[half:]...)
				_, _ = c.Write(out)
			}()
		}
	}()
	return l.Addr().String()
}

func accepted(xid, stat uint32, result ...uint32) []byte {
	b := []byte{}
	for _, v := range append([]uint32{xid, msgReply, replyAccepted, 0, 0, stat}, result...) {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

func TestNull(t *testing.T) {
	var gotProg, gotVers, gotProc uint32
	addr := serve(t, func(xid uint32, call []byte) []byte {
		gotProg = binary.BigEndian.Uint32(call[12:])
		gotVers = binary.BigEndian.Uint32(call[16:])
		gotProc = binary.BigEndian.Uint32(call[20:])
		return accepted(xid, acceptSuccess)
	})
	if err := Null(context.Background(), addr, ProgNFS, 4); err != nil {
		t.Fatal(err)
	}
	if gotProg != ProgNFS || gotVers != 4 || gotProc != 0 {
		t.Fatalf("call for prog %d vers %d proc %d", gotProg, gotVers, gotProc)
	}
}

func TestNullFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply func(xid uint32) []byte
		want  string
	}{
		{"prog unavailable", func(x uint32) []byte { return accepted(x, 1) }, "program unavailable"},
		{"version mismatch", func(x uint32) []byte { return accepted(x, 2, 3, 3) }, "version mismatch (server has 3 to 3)"},
		{"denied", func(x uint32) []byte {
			b := []byte{}
			for _, v := range []uint32{x, msgReply, 1, 1, 5} {
				b = binary.BigEndian.AppendUint32(b, v)
			}
			return b
		}, "authentication error"},
		{"wrong xid", func(x uint32) []byte { return accepted(x+1, 0) }, "not a reply to our call"},
		{"truncated", func(x uint32) []byte { return accepted(x, 0)[:10] }, "short rpc reply"},
		{"hung server", func(uint32) []byte { return nil }, "i/o timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := serve(t, func(xid uint32, _ []byte) []byte { return tc.reply(xid) })
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			err := Null(ctx, addr, ProgNFS, 3)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestNullRefused(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	if err := Null(context.Background(), addr, ProgNFS, 3); err == nil {
		t.Fatal("NULL to a closed port succeeded")
	}
}

func xdrString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	b = append(b, s...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func TestExports(t *testing.T) {
	addr := serve(t, func(xid uint32, _ []byte) []byte {
		b := accepted(xid, 0)
		b = binary.BigEndian.AppendUint32(b, 1)
		b = xdrString(b, "/data/export")
		b = binary.BigEndian.AppendUint32(b, 1)
		b = xdrString(b, "*")
		b = binary.BigEndian.AppendUint32(b, 0)
		b = binary.BigEndian.AppendUint32(b, 1)
		b = xdrString(b, "/srv")
		b = binary.BigEndian.AppendUint32(b, 0)
		return binary.BigEndian.AppendUint32(b, 0)
	})
	got, err := Exports(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Dir != "/data/export" || len(got[0].Groups) != 1 || got[0].Groups[0] != "*" || got[1].Dir != "/srv" {
		t.Fatalf("exports = %+v", got)
	}
}

func TestReadRecordLimit(t *testing.T) {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, lastFragment|uint32(maxReply+1))
	_, err := readRecord(strings.NewReader(string(b)))
	if err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("oversized record: %v", err)
	}
}

func FuzzDecodeReply(f *testing.F) {
	f.Add(accepted(7, 0))
	f.Add(accepted(7, 2, 3, 4))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeReply(b, 7)
	})
}

func FuzzDecodeExports(f *testing.F) {
	f.Add(xdrString(binary.BigEndian.AppendUint32(nil, 1), "/x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeExports(b)
	})
}

// TestCallFrom: the call leaves from the address asked for (any 127/8
// address is local on Linux).
func TestCallFrom(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	seen := make(chan string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		seen <- c.RemoteAddr().(*net.TCPAddr).IP.String()
		rec, err := readRecord(c)
		if err != nil {
			return
		}
		body := accepted(binary.BigEndian.Uint32(rec), 0, 0)
		_, _ = c.Write(append(binary.BigEndian.AppendUint32(nil, lastFragment|uint32(len(body))), body...))
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	list, err := ExportsFrom(ctx, &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, l.Addr().String())
	if err != nil || len(list) != 0 {
		t.Fatalf("ExportsFrom = %v, %v", list, err)
	}
	if got := <-seen; got != "127.0.0.2" {
		t.Fatalf("call came from %s, want 127.0.0.2", got)
	}
}
