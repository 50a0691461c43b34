package holders

import (
	"reflect"
	"testing"
)

func TestPeerGroup(t *testing.T) {
	for in, want := range map[string]int{"": 0, "shared:4": 4, "master:2 shared:7": 7, "master:3": 0, "shared:x": 0} {
		if got := PeerGroup(in); got != want {
			t.Errorf("PeerGroup(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestCopies(t *testing.T) {
	p := newProc(t)
	// This process's namespace, and two others: a slave copy of group 4
	// (pid 20, and pid 21 in the same namespace), and a private one.
	p.link("self/ns/mnt", "mnt:[1]")
	p.link("10/ns/mnt", "mnt:[1]")
	p.file("10/mountinfo", "44 43 7:0 / /data rw,relatime shared:4 - ext4 /dev/loop0 rw\n")
	p.link("20/ns/mnt", "mnt:[2]")
	p.link("21/ns/mnt", "mnt:[2]")
	p.file("20/mountinfo", "90 89 254:0 / / rw - ext4 /dev/vda rw\n91 90 7:0 / /data rw,relatime master:4 - ext4 /dev/loop0 rw\n92 90 7:1 / /other rw master:5 - ext4 /dev/loop1 rw\n")
	p.link("30/ns/mnt", "mnt:[3]")
	p.file("30/mountinfo", "95 94 7:0 / /data rw - ext4 /dev/loop0 rw\n96 94 7:0 / /peer rw shared:4 - ext4 /dev/loop0 rw\n")
	got, err := p.table().Copies(4)
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{{MountID: 91, Major: 7, Minor: 0}, {MountID: 96, Major: 7, Minor: 0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Copies(4) = %v, want %v", got, want)
	}
	if got, _ := p.table().Copies(0); got != nil {
		t.Errorf("Copies of a private mount = %v, want none", got)
	}
}
