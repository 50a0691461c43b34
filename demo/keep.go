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
	dirFlag := ""
	if dir != DefaultDir {
		dirFlag = " --dir " + dir
	}
	fmt.Fprintf(out, `
The cluster is still up. Explore it:
  # the cluster as node1 sees it (node2's configuration: %s)
  baton status --config %s
  # move the NFS stack to node1, then watch baton status again
  baton resource --move -r nfs -N node1 --config %s
  # kill a node outright: links cut, every process SIGKILLed
  baton demo --kill node2%s
  # what the daemons did
  tail -f %s %s
  # remove everything
  baton demo --down%s
`, c2, c1, c1, dirFlag, filepath.Join(dir, "node1", "daemon.log"), filepath.Join(dir, "node2", "daemon.log"), dirFlag)
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
