package witness

import (
	"encoding/json"
	"net"
	"testing"
)

// FuzzHandle: the witness's packet decoder meets whatever reaches its UDP
// port. It never panics and never grants a vote to a packet that is not a
// request signed with a served cluster's key and carrying a challenge.
func FuzzHandle(f *testing.F) {
	from := &net.UDPAddr{IP: net.ParseIP("10.0.0.1"), Port: 5000}
	hello, _ := json.Marshal(Hello{Hello: true, Cluster: "c"})
	f.Add(hello)
	signed, _ := seal(key, Request{Cluster: "c", Node: "n", Challenge: make([]byte, 32)})
	f.Add(signed)
	f.Add([]byte(`{"cluster":"c"}` + "0123456789abcdef0123456789abcdef"))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		w := &Witness{Key: key}
		out := w.Handle(pkt, from)
		if out == nil {
			return
		}
		var rep Reply
		if open(key, out, &rep) == nil && rep.Granted {
			t.Fatalf("granted a vote to %q", pkt)
		}
	})
}
