package demo

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/baton-ha/baton/demo/lab"
	"github.com/baton-ha/baton/demo/nfsclient"
)

// startWriter runs the NFS client (`baton demo nfs-client`) in the
// client's namespace; its events are copied to client.log.
func (r *run) startWriter() (*nfsclient.Stream, error) {
	cmd := lab.InNamespace(context.Background(), r.l.Prefix+"cl", r.o.Bin, "demo", "nfs-client",
		"--server", r.st.VIP, "--export", "/data/export", "--file", "demo.dat")
	log, err := os.Create(filepath.Join(r.l.Dir, "client.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stderr = log
	s, err := nfsclient.Start(cmd, log)
	if err != nil {
		log.Close()
		return nil, err
	}
	go func() { s.Wait(); log.Close() }()
	return s, nil
}

// failover has the client write through the VIP, kills the node that runs
// the stack, and follows the takeover until the client's writes resume.
func (r *run) failover(ctx context.Context) (*Result, error) {
	r.say("\nFailover:")
	r.start = time.Now()
	vip, _ := r.holders()
	if len(vip) != 1 {
		return nil, fmt.Errorf("VIP on %v before the failover", vip)
	}
	victim := r.node(vip[0])
	w, err := r.startWriter()
	if err != nil {
		return nil, err
	}
	defer w.Kill()
	if err := w.WaitReady(30 * time.Second); err != nil {
		return nil, fmt.Errorf("%w (see %s/client.log)", err, r.l.Dir)
	}
	if !w.WaitWrites(time.Now(), 20, 30*time.Second) {
		return nil, fmt.Errorf("the client could not write through the VIP (see %s/client.log)", r.l.Dir)
	}
	r.event("the client writes through the VIP: NFSv3, one 4 KiB FILE_SYNC write every 20 ms, one open file handle")
	// Real clients are connected long before a failure: let the VIP's
	// monitor record this connection for tickle ACKs first.
	client := strings.TrimSuffix(r.st.VIP, ".200") + ".100:"
	tickle := fmt.Sprintf("/proc/%d/root/data/.tickle/baton-tickle-%s", r.l.Holder(victim.NS), r.st.VIP)
	deadline := time.Now().Add(15 * time.Second)
	for {
		if b, _ := os.ReadFile(tickle); strings.Contains(string(b), client) {
			r.event("the VIP's monitor recorded the client's TCP connection on /data, for tickle ACKs after a takeover")
			break
		}
		if time.Now().After(deadline) {
			r.event("the VIP's monitor has not recorded the client's connection yet; going on")
			break
		}
		if err := pause(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}

	res := &Result{}
	stopWatch := WatchOwners(r.holders, r.start)
	killed := time.Now()
	if err := killNode(victim); err != nil {
		stopWatch()
		return nil, err
	}
	r.event("%s killed: its links cut, every process SIGKILLed (daemon, Ganesha, the mount's namespace)", victim.Name)
	seenMount, seenVIP := false, false
	deadline = time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		vip, mount := r.holders()
		if !seenMount && len(mount) == 1 {
			seenMount = true
			r.event("/data mounted on %s", mount[0])
		}
		if !seenVIP && len(vip) == 1 {
			seenVIP = true
			res.NewHolder = vip[0]
			r.event("VIP up on %s (gratuitous ARP sent, tickle ACKs reset the client's stale connection)", vip[0])
		}
		if w.WaitWrites(killed, 10, 50*time.Millisecond) {
			break
		}
	}
	res.Violations = stopWatch()
	res.Stall = nfsclient.Stall(w.Events(), killed)
	if !w.WaitWrites(killed, 10, 0) {
		return res, fmt.Errorf("the client's writes did not resume within 60 s (see %s)", r.l.Dir)
	}
	r.event("the client's writes resumed; the longest gap between acknowledged writes: %.2f s", res.Stall.Seconds())
	v, err := w.Stop(30 * time.Second)
	if err != nil {
		return res, err
	}
	res.Intact, res.Bytes = v.Intact, v.Bytes
	r.event("the client read its file back: %d acknowledged bytes, intact: %v", v.Bytes, v.Intact)
	if res.NewHolder != "" {
		out, _ := exec.CommandContext(ctx, r.o.Bin, "status", "--config", r.node(res.NewHolder).Config).CombinedOutput()
		r.say("\n$ baton status --config %s\n%s", r.node(res.NewHolder).Config, indent(string(out)))
	}
	return res, nil
}

func (r *run) node(name string) *node {
	for _, n := range r.st.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// killNode cuts a node's links and SIGKILLs everything in it, as a power
// cut would.
func killNode(n *node) error {
	if err := lab.SetLinks(n.NS, false); err != nil {
		return err
	}
	return lab.KillNamespace(n.NS, 10*time.Second)
}
