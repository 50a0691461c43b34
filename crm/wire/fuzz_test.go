package wire

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzReadFrame: the call-frame reader meets whatever a stranger sends;
// it never panics, and never accepts a frame not signed with the key.
func FuzzReadFrame(f *testing.F) {
	prefix := bytes.Repeat([]byte{7}, nonceLen)
	var good bytes.Buffer
	if err := writeFrame(&good, key, prefix, []byte(`{"method":"status"}`)); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	huge := make([]byte, headerLen)
	binary.BigEndian.PutUint32(huge, 0xffffffff)
	f.Add(huge)
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		msg, err := readFrame(bytes.NewReader(b), key, prefix, nil)
		if err != nil {
			return
		}
		// Only a frame as writeFrame makes it is accepted.
		var again bytes.Buffer
		if werr := writeFrame(&again, key, prefix, msg); werr != nil || !bytes.HasPrefix(b, again.Bytes()) {
			t.Fatalf("accepted a frame that is not the signed encoding of its message %q", msg)
		}
	})
}
