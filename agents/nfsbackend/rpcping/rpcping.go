// Package rpcping makes ONC RPC calls (RFC 5531) over TCP that tell whether
// an NFS server really answers: the NULL procedure of a program, and the
// MOUNT protocol's EXPORT list. A listening socket is not enough: a hung
// server accepts connections but answers nothing.
package rpcping

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"time"
)

// Well-known program numbers.
const (
	ProgNFS   = 100003
	ProgMount = 100005
)

const (
	msgCall        = 0
	msgReply       = 1
	replyAccepted  = 0
	acceptSuccess  = 0
	lastFragment   = 0x80000000
	maxReply       = 1 << 20
	mountProcExprt = 5
)

// Error is a reply that is not a success, with RFC 5531's reason.
type Error struct {
	Prog, Vers uint32
	Reason     string
}

func (e *Error) Error() string {
	return fmt.Sprintf("rpc program %d version %d: %s", e.Prog, e.Vers, e.Reason)
}

// Null calls procedure 0 of prog/vers at addr (host:port) and returns nil
// when the server accepts it.
func Null(ctx context.Context, addr string, prog, vers uint32) error {
	_, err := Call(ctx, addr, prog, vers, 0, nil)
	return err
}

// Call performs one call with AUTH_NULL credentials on a fresh connection
// and returns the procedure's result bytes.
func Call(ctx context.Context, addr string, prog, vers, proc uint32, args []byte) ([]byte, error) {
	return CallFrom(ctx, nil, addr, prog, vers, proc, args)
}

// CallFrom is Call from the local address from (nil: the kernel's choice).
// Servers that answer each caller after its own rights (Ganesha's MOUNT
// EXPORT lists only what the caller may mount) are asked from an address
// that has them.
func CallFrom(ctx context.Context, from net.Addr, addr string, prog, vers, proc uint32, args []byte) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
	}
	d := net.Dialer{LocalAddr: from}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	xid := rand.Uint32()
	if _, err := conn.Write(EncodeCall(xid, prog, vers, proc, args)); err != nil {
		return nil, fmt.Errorf("send rpc call to %s: %w", addr, err)
	}
	rec, err := readRecord(conn)
	if err != nil {
		return nil, fmt.Errorf("read rpc reply from %s: %w", addr, err)
	}
	res, err := DecodeReply(rec, xid)
	if err != nil {
		var re *Error
		if errors.As(err, &re) {
			re.Prog, re.Vers = prog, vers
		}
		return nil, err
	}
	return res, nil
}

// EncodeCall returns one record-marked call message with AUTH_NULL
// credentials and verifier.
func EncodeCall(xid, prog, vers, proc uint32, args []byte) []byte {
	var b bytes.Buffer
	w := func(v uint32) { _ = binary.Write(&b, binary.BigEndian, v) }
	w(0) // record mark, filled in below
	w(xid)
	w(msgCall)
	w(2) // RPC version
	w(prog)
	w(vers)
	w(proc)
	w(0) // cred flavor AUTH_NULL
	w(0) // cred length
	w(0) // verf flavor AUTH_NULL
	w(0) // verf length
	b.Write(args)
	out := b.Bytes()
	binary.BigEndian.PutUint32(out, lastFragment|uint32(len(out)-4))
	return out
}

// readRecord reads one RPC record (all its fragments).
func readRecord(r io.Reader) ([]byte, error) {
	var out []byte
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil, err
		}
		mark := binary.BigEndian.Uint32(hdr[:])
		n := mark &^ lastFragment
		if len(out)+int(n) > maxReply {
			return nil, fmt.Errorf("reply larger than %d bytes", maxReply)
		}
		frag := make([]byte, n)
		if _, err := io.ReadFull(r, frag); err != nil {
			return nil, err
		}
		out = append(out, frag...)
		if mark&lastFragment != 0 {
			return out, nil
		}
	}
}

// DecodeReply checks a reply message (without record mark) for xid and
// returns the result bytes after the accepted-reply header.
func DecodeReply(b []byte, xid uint32) ([]byte, error) {
	d := decoder{b: b}
	gotXid, typ, stat := d.u32(), d.u32(), d.u32()
	if d.err != nil {
		return nil, fmt.Errorf("short rpc reply (%d bytes)", len(b))
	}
	if gotXid != xid || typ != msgReply {
		return nil, fmt.Errorf("not a reply to our call (xid %#x, type %d)", gotXid, typ)
	}
	if stat != replyAccepted {
		reason := "call denied"
		if d.u32() == 1 {
			reason = "call denied: authentication error"
		}
		return nil, &Error{Reason: reason}
	}
	d.u32()    // verifier flavor
	d.opaque() // verifier body
	acc := d.u32()
	if d.err != nil {
		return nil, fmt.Errorf("short rpc reply (%d bytes)", len(b))
	}
	switch acc {
	case acceptSuccess:
		return d.b[d.off:], nil
	case 1:
		return nil, &Error{Reason: "program unavailable"}
	case 2:
		lo, hi := d.u32(), d.u32()
		return nil, &Error{Reason: fmt.Sprintf("version mismatch (server has %d to %d)", lo, hi)}
	case 3:
		return nil, &Error{Reason: "procedure unavailable"}
	case 4:
		return nil, &Error{Reason: "garbage arguments"}
	default:
		return nil, &Error{Reason: fmt.Sprintf("system error (accept status %d)", acc)}
	}
}

// MountExport is one entry of a MOUNT v3 EXPORT reply.
type MountExport struct {
	Dir    string
	Groups []string
}

// Exports asks the MOUNT v3 service at addr for its export list.
func Exports(ctx context.Context, addr string) ([]MountExport, error) {
	return ExportsFrom(ctx, nil, addr)
}

// ExportsFrom is Exports asked from the local address from.
func ExportsFrom(ctx context.Context, from net.Addr, addr string) ([]MountExport, error) {
	res, err := CallFrom(ctx, from, addr, ProgMount, 3, mountProcExprt, nil)
	if err != nil {
		return nil, err
	}
	return DecodeExports(res)
}

// DecodeExports parses the exports result: a linked list of directories,
// each with a linked list of group names.
func DecodeExports(b []byte) ([]MountExport, error) {
	d := decoder{b: b}
	var out []MountExport
	for d.u32() == 1 && d.err == nil {
		e := MountExport{Dir: d.str()}
		for d.u32() == 1 && d.err == nil {
			e.Groups = append(e.Groups, d.str())
		}
		if d.err != nil {
			break
		}
		out = append(out, e)
		if len(out) > 100000 {
			return nil, errors.New("export list too long")
		}
	}
	if d.err != nil {
		return nil, fmt.Errorf("malformed export list: %w", d.err)
	}
	return out, nil
}

type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) u32() uint32 {
	if d.err != nil {
		return 0
	}
	if d.off+4 > len(d.b) {
		d.err = io.ErrUnexpectedEOF
		return 0
	}
	v := binary.BigEndian.Uint32(d.b[d.off:])
	d.off += 4
	return v
}

func (d *decoder) opaque() []byte {
	n := d.u32()
	if d.err != nil {
		return nil
	}
	padded := (int(n) + 3) &^ 3
	if n > uint32(len(d.b)) || d.off+padded > len(d.b) {
		d.err = io.ErrUnexpectedEOF
		return nil
	}
	v := d.b[d.off : d.off+int(n)]
	d.off += padded
	return v
}

func (d *decoder) str() string { return string(d.opaque()) }
