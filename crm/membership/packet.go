package membership

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Heartbeat is one heartbeat packet's content.
type Heartbeat struct {
	Cluster     string // packets of another cluster on the same wire are ignored
	From        string // the sender's node name
	Incarnation uint64 // random per daemon start: tells a restart from a replay
	// Echo is the receiver's incarnation as the sender last heard it: the
	// answer to the receiver's per-boot challenge. A receiver counts the
	// sender alive only on packets echoing its current incarnation, so
	// nothing recorded before the receiver started can count.
	Echo uint64
	Seq  uint64 // increases with every packet of one incarnation
	// Time is the sender's clock (Unix ns). A new incarnation is accepted
	// only with a time later than any seen from that peer, so a recording of
	// a dead node's heartbeats cannot bring it back to life.
	Time int64
	Link uint8 // the sender's link index the packet went out on
	// Payload carries what the controller piggybacks (e.g. the DC it
	// believes in and its CIB version); opaque here.
	Payload []byte
}

const (
	magic      = "BTN2" // BTN1 had no Echo
	maxName    = 255
	maxPayload = 1024
)

// Marshal encodes and signs the heartbeat.
func (h *Heartbeat) Marshal(k Key) ([]byte, error) {
	if len(h.Cluster) > maxName || len(h.From) > maxName {
		return nil, errors.New("cluster or node name longer than 255 bytes")
	}
	if len(h.Payload) > maxPayload {
		return nil, fmt.Errorf("heartbeat payload of %d bytes exceeds %d", len(h.Payload), maxPayload)
	}
	b := make([]byte, 0, 4+2+len(h.Cluster)+len(h.From)+8+8+8+8+1+2+len(h.Payload)+32)
	b = append(b, magic...)
	b = append(b, byte(len(h.Cluster)))
	b = append(b, h.Cluster...)
	b = append(b, byte(len(h.From)))
	b = append(b, h.From...)
	b = binary.BigEndian.AppendUint64(b, h.Incarnation)
	b = binary.BigEndian.AppendUint64(b, h.Echo)
	b = binary.BigEndian.AppendUint64(b, h.Seq)
	b = binary.BigEndian.AppendUint64(b, uint64(h.Time))
	b = append(b, h.Link)
	b = binary.BigEndian.AppendUint16(b, uint16(len(h.Payload)))
	b = append(b, h.Payload...)
	return append(b, k.sign(b)...), nil
}

// Unmarshal verifies and decodes a packet. Any malformed or unsigned input
// is an error, never a panic: the port is open to the network.
func Unmarshal(k Key, pkt []byte) (*Heartbeat, error) {
	msg, err := k.verify(pkt)
	if err != nil {
		return nil, err
	}
	r := reader{b: msg}
	if string(r.bytes(4)) != magic {
		return nil, errors.New("not a Baton heartbeat")
	}
	h := &Heartbeat{}
	h.Cluster = string(r.bytes(int(r.byte())))
	h.From = string(r.bytes(int(r.byte())))
	h.Incarnation = r.uint64()
	h.Echo = r.uint64()
	h.Seq = r.uint64()
	h.Time = int64(r.uint64())
	h.Link = r.byte()
	h.Payload = append([]byte(nil), r.bytes(int(r.uint16()))...)
	if r.err != nil || len(r.b) != 0 {
		return nil, errors.New("malformed heartbeat")
	}
	return h, nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n > len(r.b) {
		r.err = errors.New("short packet")
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) byte() uint8 {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) uint16() uint16 {
	if b := r.bytes(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (r *reader) uint64() uint64 {
	if b := r.bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}
