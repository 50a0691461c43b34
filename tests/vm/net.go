package vm

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Net is a network namespace of the test's own holding the bridges the VMs'
// taps plug into. Every qemu runs inside it, so that no guest traffic reaches
// the host's own network.
type Net struct {
	NS      string
	Bridges []string

	mu   sync.Mutex
	taps int
}

// NewNet creates namespace ns with the named bridges (e.g. "br0" for the
// service network, "br1" for the replication and heartbeat link).
func NewNet(ctx context.Context, ns string, bridges ...string) (*Net, error) {
	n := &Net{NS: ns, Bridges: bridges}
	if err := ipCmd(ctx, "netns", "add", ns); err != nil {
		return nil, err
	}
	steps := [][]string{{"-n", ns, "link", "set", "lo", "up"}}
	for i, br := range bridges {
		// A fixed address: a bridge without one takes the lowest address
		// of its ports, so taking a guest's tap off (a pulled cable)
		// changed the MAC of the host addresses on the bridge (the ping
		// node, the witness, the power switch), and the other guests
		// could not reach them until their ARP entries went stale: the
		// peer's pingd dropped to 0 for about 10 s after each cut and
		// each plug-back of the service cable (TestPacemakerSeedFaults).
		steps = append(steps,
			[]string{"-n", ns, "link", "add", br, "type", "bridge", "forward_delay", "0"},
			[]string{"-n", ns, "link", "set", br, "address", fmt.Sprintf("02:ba:70:00:00:%02x", i+1)},
			[]string{"-n", ns, "link", "set", br, "up"})
	}
	for _, s := range steps {
		if err := ipCmd(ctx, s...); err != nil {
			n.Close()
			return nil, err
		}
	}
	return n, nil
}

// AddTap creates a tap device on bridge br and returns its name.
func (n *Net) AddTap(ctx context.Context, br string) (string, error) {
	n.mu.Lock()
	n.taps++
	tap := fmt.Sprintf("tap%d", n.taps)
	n.mu.Unlock()
	for _, s := range [][]string{
		{"-n", n.NS, "tuntap", "add", tap, "mode", "tap"},
		{"-n", n.NS, "link", "set", tap, "master", br},
		{"-n", n.NS, "link", "set", tap, "up"},
	} {
		if err := ipCmd(ctx, s...); err != nil {
			return "", err
		}
	}
	return tap, nil
}

// Cut takes a tap off its bridge, as if the cable were pulled: the guest
// keeps its link up and sees nothing. Join plugs it back.
func (n *Net) Cut(ctx context.Context, tap string) error {
	return ipCmd(ctx, "-n", n.NS, "link", "set", tap, "nomaster")
}

// Join puts tap back on bridge br.
func (n *Net) Join(ctx context.Context, tap, br string) error {
	return ipCmd(ctx, "-n", n.NS, "link", "set", tap, "master", br)
}

// Close deletes the namespace and with it the bridges and taps.
func (n *Net) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = ipCmd(ctx, "netns", "del", n.NS)
}

func ipCmd(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
