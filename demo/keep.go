package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/baton-ha/baton/demo/lab"
)

// keep brings the killed node back, so that the cluster left running has
// two nodes, and prints how to explore it.
func (r *run) keep(ctx context.Context) error {
	for _, n := range r.st.Nodes {
		if r.l.Holder(n.NS) != 0 {
			continue
		}
		if err := lab.SetLinks(n.NS, true); err != nil {
			return err
		}
		if err := r.startNode(n); err != nil {
			return err
		}
		if err := r.waitJoined(ctx, 60*time.Second); err != nil {
			return err
		}
		r.say("\n%s restarted and rejoined; the stack stays where it is (resource-stickiness 200 outweighs node1's preference of 100).", n.Name)
	}
	explore(r.o.Out, r.l.Dir, r.st)
	return nil
}

// explore prints the commands to look around a kept cluster.
func explore(out io.Writer, dir string, st state) {
	c1, c2 := st.Nodes[0].Config, st.Nodes[1].Config
	fmt.Fprintf(out, `
The cluster is still up. Explore it:
  baton status --config %s                              # node1's view (node2: %s)
  baton resource --move -r nfs -N node1 --config %s     # move the NFS stack
  baton demo --kill node2 --dir %s                      # kill a node outright
  tail -f %s/node1/daemon.log
  baton demo --down --dir %s                            # remove everything
`, c1, c2, c1, dir, dir, dir)
}

func loadState(dir string) (*lab.Lab, state, error) {
	var st state
	l, err := lab.Open(dir)
	if err != nil {
		return nil, st, fmt.Errorf("no demo in %s: %w", dir, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "demo.json"))
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	return l, st, err
}

// Down removes a kept demo: every process in its namespaces, the
// namespaces, the loop device, the directory.
func Down(dir string) error {
	if dir == "" {
		dir = DefaultDir
	}
	l, err := lab.Open(dir)
	if err != nil {
		return fmt.Errorf("no demo in %s: %w", dir, err)
	}
	return l.Close()
}

// Kill kills one node of a kept demo, as a power cut would.
func Kill(dir, name string) error {
	if dir == "" {
		dir = DefaultDir
	}
	_, st, err := loadState(dir)
	if err != nil {
		return err
	}
	for _, n := range st.Nodes {
		if n.Name == name {
			return killNode(n)
		}
	}
	return fmt.Errorf("no node %q in the demo in %s", name, dir)
}
