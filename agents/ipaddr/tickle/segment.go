package tickle

import (
	"encoding/binary"
	"net/netip"
)

// The tickle is a bare 20-byte TCP header with the ACK flag and sequence and
// acknowledgement numbers 0. It is built here rather than with a packet
// library because it is one fixed header and a checksum, and the kernel
// builds the IP header around it (raw IPPROTO_TCP socket): pulling in a
// general packet-crafting dependency for this would cost more than it saves.
// The checksum is tested against known segments and, end to end, by the
// client stacks in tests/ipaddr that must accept the segment to answer it.

const (
	tcpHeaderLen = 20
	flagACK      = 0x10
	tickleWindow = 512
)

// Segment returns the TCP header of a tickle ACK from src to dst with the
// checksum filled in for that address pair.
func Segment(src, dst netip.AddrPort, seq, ack uint32) []byte {
	b := make([]byte, tcpHeaderLen)
	binary.BigEndian.PutUint16(b[0:], src.Port())
	binary.BigEndian.PutUint16(b[2:], dst.Port())
	binary.BigEndian.PutUint32(b[4:], seq)
	binary.BigEndian.PutUint32(b[8:], ack)
	b[12] = (tcpHeaderLen / 4) << 4
	b[13] = flagACK
	binary.BigEndian.PutUint16(b[14:], tickleWindow)
	binary.BigEndian.PutUint16(b[16:], checksum(src.Addr(), dst.Addr(), b))
	return b
}

// checksum is the Internet checksum (RFC 1071) of the TCP pseudo-header
// (RFC 793 for IPv4, RFC 8200 section 8.1 for IPv6) followed by seg, whose
// checksum field must be zero.
func checksum(src, dst netip.Addr, seg []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	src, dst = src.Unmap(), dst.Unmap()
	s, d := src.AsSlice(), dst.AsSlice()
	add(s)
	add(d)
	const protoTCP = 6
	if src.Is4() {
		sum += protoTCP + uint32(len(seg))
	} else {
		sum += uint32(len(seg)>>16) + uint32(len(seg)&0xffff) + protoTCP
	}
	add(seg)
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
