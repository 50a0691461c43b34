package superblock

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The testdata/*.head files are the first 4 KiB of images made by
// mkfs.TYPE -L lab-TYPE -U <uuid> (xfsprogs: -m uuid=), the values below.
func TestGolden(t *testing.T) {
	tests := []struct {
		file string
		want Info
	}{
		{"ext2.head", Info{Type: "ext2", Label: "lab-ext2", UUID: "0a1b2c3d-0000-4000-8000-000000000002"}},
		{"ext3.head", Info{Type: "ext3", Label: "lab-ext3", UUID: "0a1b2c3d-0000-4000-8000-000000000003"}},
		{"ext4.head", Info{Type: "ext4", Label: "lab-ext4", UUID: "0a1b2c3d-0000-4000-8000-000000000004"}},
		{"xfs.head", Info{Type: "xfs", Label: "lab-xfs", UUID: "0a1b2c3d-0000-4000-8000-0000000000aa"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := Probe(f)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Probe = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func extWithState(t *testing.T, file string, state uint16, incompatSet uint32) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	sb := b[extSBOffset:]
	binary.LittleEndian.PutUint16(sb[extOffState:], state)
	v := binary.LittleEndian.Uint32(sb[extOffIncompat:])
	binary.LittleEndian.PutUint32(sb[extOffIncompat:], v|incompatSet)
	return b
}

func TestNeedsCheck(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		state    uint16
		incompat uint32
		want     bool
	}{
		{"clean ext4", "ext4.head", extStateValid, 0, false},
		{"errors recorded", "ext4.head", extStateValid | extStateError, 0, true},
		{"unclean ext2 (no journal)", "ext2.head", 0, 0, true},
		{"unclean ext4, journal to replay", "ext4.head", 0, extIncompatRecover, false},
		{"unclean ext4, no replay pending", "ext4.head", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(extWithState(t, tt.file, tt.state, tt.incompat))
			if err != nil {
				t.Fatal(err)
			}
			if got.NeedsCheck != tt.want {
				t.Errorf("NeedsCheck = %v (%s), want %v", got.NeedsCheck, got.Why, tt.want)
			}
			if got.NeedsCheck && got.Why == "" {
				t.Error("NeedsCheck without a reason")
			}
		})
	}
}

func TestUnknown(t *testing.T) {
	for _, b := range [][]byte{nil, make([]byte, 4096), bytes.Repeat([]byte{0xff}, 100)} {
		if _, err := Parse(b); !errors.Is(err, ErrUnknown) {
			t.Errorf("Parse(%d bytes) error = %v, want ErrUnknown", len(b), err)
		}
	}
	// An external ext journal device is no filesystem.
	b := extWithState(t, "ext4.head", extStateValid, extIncompatJDev)
	if _, err := Parse(b); !errors.Is(err, ErrUnknown) {
		t.Errorf("journal device: error = %v, want ErrUnknown", err)
	}
}

func TestFamily(t *testing.T) {
	if Family("ext3") != Family("ext4") || Family("xfs") == Family("ext4") {
		t.Error("families: ext3 and ext4 must match, xfs and ext4 must not")
	}
}

func FuzzParse(f *testing.F) {
	for _, n := range []string{"ext2.head", "ext4.head", "xfs.head"} {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("XFSB"))
	f.Fuzz(func(t *testing.T, b []byte) {
		i, err := Parse(b)
		if err == nil && i.Type == "" {
			t.Error("no error and no type")
		}
	})
}
