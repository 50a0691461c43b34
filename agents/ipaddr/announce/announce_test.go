package announce

import (
	"bytes"
	"net"
	"net/netip"
	"testing"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
	"github.com/mdlayher/ndp"
)

var hw = net.HardwareAddr{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01}

func TestGratuitousFrames(t *testing.T) {
	addr := netip.MustParseAddr("192.0.2.10")
	cases := []struct {
		mode Mode
		ops  []arp.Operation
	}{
		{Request, []arp.Operation{arp.OperationRequest}},
		{"", []arp.Operation{arp.OperationRequest}},
		{Reply, []arp.Operation{arp.OperationReply}},
		{Both, []arp.Operation{arp.OperationRequest, arp.OperationReply}},
	}
	for _, tc := range cases {
		frames, err := GratuitousFrames(hw, addr, tc.mode)
		if err != nil {
			t.Fatal(err)
		}
		if len(frames) != len(tc.ops) {
			t.Fatalf("%q: %d frames, want %d", tc.mode, len(frames), len(tc.ops))
		}
		for i, b := range frames {
			var f ethernet.Frame
			if err := f.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(f.Destination, ethernet.Broadcast) || !bytes.Equal(f.Source, hw) || f.EtherType != ethernet.EtherTypeARP {
				t.Errorf("%q frame %d: Ethernet header %v -> %v type %v", tc.mode, i, f.Source, f.Destination, f.EtherType)
			}
			var p arp.Packet
			if err := p.UnmarshalBinary(f.Payload); err != nil {
				t.Fatal(err)
			}
			if p.Operation != tc.ops[i] || p.SenderIP != addr || p.TargetIP != addr || !bytes.Equal(p.SenderHardwareAddr, hw) {
				t.Errorf("%q frame %d: %+v", tc.mode, i, p)
			}
			// Linux takes a reply as gratuitous only with target = sender
			// hardware address; a request carries zeros there.
			wantTHA := net.HardwareAddr{0, 0, 0, 0, 0, 0}
			if p.Operation == arp.OperationReply {
				wantTHA = hw
			}
			if !bytes.Equal(p.TargetHardwareAddr, wantTHA) {
				t.Errorf("%q frame %d: target hardware address %v, want %v", tc.mode, i, p.TargetHardwareAddr, wantTHA)
			}
		}
	}
	if _, err := GratuitousFrames(hw, addr, "gossip"); err == nil {
		t.Error("an unknown mode was accepted")
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": Request, "request": Request, "Reply": Reply, " both ": Both} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseMode("all"); err == nil {
		t.Error(`ParseMode("all") succeeded`)
	}
}

func TestAdvertisement(t *testing.T) {
	addr := netip.MustParseAddr("2001:db8::10")
	b, err := ndp.MarshalMessage(Advertisement(hw, addr))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ndp.ParseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	na, ok := m.(*ndp.NeighborAdvertisement)
	if !ok {
		t.Fatalf("parsed %T", m)
	}
	if !na.Override || na.Solicited || na.Router || na.TargetAddress != addr {
		t.Errorf("flags or target wrong: %+v", na)
	}
	if len(na.Options) != 1 {
		t.Fatalf("options %v", na.Options)
	}
	lla, ok := na.Options[0].(*ndp.LinkLayerAddress)
	if !ok || lla.Direction != ndp.Target || !bytes.Equal(lla.Addr, hw) {
		t.Errorf("option %+v, want the target link-layer address %v", na.Options[0], hw)
	}
}

func TestOpenRejectsNonEthernet(t *testing.T) {
	ifi := &net.Interface{Name: "ib0", HardwareAddr: make(net.HardwareAddr, 20)}
	if _, err := Open(ifi, netip.MustParseAddr("192.0.2.10"), Request); err == nil {
		t.Error("an InfiniBand-sized hardware address was accepted")
	}
}

func TestClaimant(t *testing.T) {
	addr := netip.MustParseAddr("192.0.2.10")
	other := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x99}
	theirs, _ := GratuitousFrames(other, addr, Reply)
	ours, _ := GratuitousFrames(hw, addr, Reply)
	if got := claimant(theirs[0], hw, addr); !bytes.Equal(got, other) {
		t.Errorf("another host's announcement: claimant %v, want %v", got, other)
	}
	if got := claimant(ours[0], hw, addr); got != nil {
		t.Errorf("our own announcement counted as a conflict: %v", got)
	}
	if got := claimant(theirs[0], hw, netip.MustParseAddr("192.0.2.11")); got != nil {
		t.Errorf("an announcement of another address counted: %v", got)
	}
	if got := claimant([]byte{1, 2, 3}, hw, addr); got != nil {
		t.Errorf("garbage counted: %v", got)
	}
}
