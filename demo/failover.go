package demo

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/baton-ha/baton/demo/lab"
	"github.com/baton-ha/baton/demo/nfsclient"
)

// writer is the NFS client process (`baton demo nfs-client` in the
// client's namespace) and the events it printed.
type writer struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	events []nfsclient.Event
	done   chan struct{}
}

func (r *run) startWriter() (*writer, error) {
	clientNS := r.l.Prefix + "cl"
	w := &writer{done: make(chan struct{})}
	w.cmd = lab.InNamespace(context.Background(), clientNS, r.o.Bin, "demo", "nfs-client", "--server", r.st.VIP, "--export", "/data/export", "--file", "demo.dat")
	out, err := w.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(r.l.Dir, "client.log"))
	if err != nil {
		return nil, err
	}
	w.cmd.Stderr = log
	if err := w.cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	go func() {
		defer close(w.done)
		defer log.Close()
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			fmt.Fprintln(log, sc.Text())
			var e nfsclient.Event
			if json.Unmarshal(sc.Bytes(), &e) == nil {
				w.mu.Lock()
				w.events = append(w.events, e)
				w.mu.Unlock()
			}
		}
		_ = w.cmd.Wait()
	}()
	return w, nil
}

func (w *writer) Events() []nfsclient.Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]nfsclient.Event(nil), w.events...)
}

// waitWrites waits until n writes succeeded after the given time.
func (w *writer) waitWrites(after time.Time, n int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		c := 0
		for _, e := range w.Events() {
			if e.Kind == "write" && e.OK && e.Time().After(after) {
				c++
			}
		}
		if c >= n {
			return true
		}
		select {
		case <-w.done:
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return false
}

// stop ends the writer; it reads the file back and reports.
func (w *writer) stop(limit time.Duration) (nfsclient.Event, error) {
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(limit):
		_ = w.cmd.Process.Kill()
		<-w.done
		return nfsclient.Event{}, fmt.Errorf("the NFS client did not verify within %v", limit)
	}
	for _, e := range w.Events() {
		if e.Kind == "verify" {
			return e, nil
		}
	}
	return nfsclient.Event{}, fmt.Errorf("the NFS client ended without verifying (see client.log)")
}

// failover has the client write through the VIP, kills the node that runs
// the stack, and follows the takeover until the client's writes resume.
func (r *run) failover(ctx context.Context) (*Result, error) {
	r.say("Failover:")
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
	defer func() { _ = w.cmd.Process.Kill() }()
	if !w.waitWrites(time.Now(), 20, 30*time.Second) {
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
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			vip, mount := r.holders()
			if len(vip) > 1 || len(mount) > 1 {
				mu.Lock()
				res.Violations = append(res.Violations, fmt.Sprintf("%.2fs: VIP on %v, /data mounted on %v", time.Since(r.start).Seconds(), vip, mount))
				mu.Unlock()
			}
		}
	}()
	killed := time.Now()
	if err := killNode(victim); err != nil {
		close(stop)
		wg.Wait()
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
		if w.waitWrites(killed, 10, 50*time.Millisecond) {
			break
		}
	}
	close(stop)
	wg.Wait()
	res.Stall = nfsclient.Stall(w.Events(), killed)
	if !w.waitWrites(killed, 10, 0) {
		return res, fmt.Errorf("the client's writes did not resume within 60 s (see %s)", r.l.Dir)
	}
	r.event("the client's writes resumed; the longest gap between acknowledged writes: %.2f s", res.Stall.Seconds())
	v, err := w.stop(30 * time.Second)
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
