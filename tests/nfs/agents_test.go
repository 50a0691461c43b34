package nfs_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/nfs/nfsenv"
)

// ocfTester runs Debian's ocf-tester inside a node's namespaces.
func ocfTester(t *testing.T, r *nfsenv.Rig, n *nfsenv.Node, agent string, params map[string]string) {
	t.Helper()
	args := []string{"-t", strconv.Itoa(n.Holder), "-n", "-m", "--", "ocf-tester", "-n", agent + "-t"}
	for k, v := range params {
		args = append(args, "-o", k+"="+v)
	}
	args = append(args, filepath.Join(r.Agents, agent))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "nsenter", args...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "passed all tests") {
		t.Fatalf("ocf-tester %s: %v\n%s", agent, err, out)
	}
}

func reason(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "ocf-exit-reason:"); ok {
			return v
		}
	}
	return ""
}

// TestAgents runs ocf-tester on both agents with Ganesha, adds and removes
// an export while Ganesha serves, and checks validate-all's refusals.
func TestAgents(t *testing.T) {
	r := nfsenv.New(t)
	a := r.Nodes[0]
	server := r.ServerParams(nil)

	// validate-all before anything is mounted.
	for _, tc := range []struct {
		agent  string
		params map[string]string
		want   string
	}{
		{"nfsserver", r.ServerParams(map[string]string{"server": "knfsd"}), "not one of auto, kernel, ganesha"},
		{"exportfs", map[string]string{"clientspec": "*", "directory": r.Export(), "options": "rw"}, "fsid"},
		{"exportfs", r.ExportParams(), "does not exist"},
		{"exportfs", map[string]string{"clientspec": "*;rm", "directory": r.Export(), "fsid": "1"}, "wildcard"},
	} {
		res := r.Agent(a, tc.agent, "v", "validate-all", tc.params)
		if res.Code != 6 || !strings.Contains(reason(res.Output), tc.want) {
			t.Errorf("%s validate-all %v: exit %d, reason %q; want 6 and %q\n%s", tc.agent, tc.params, res.Code, reason(res.Output), tc.want, res.Output)
		}
	}

	r.Mount(a)
	ocfTester(t, r, a, "nfsserver", server)
	if left := r.Procs(a); len(left) != 0 {
		t.Fatalf("processes left after ocf-tester's last stop: %v", left)
	}

	r.MustAgent(a, "nfsserver", "nfs", "start", server, 0)
	r.MustNode(a, "ip", "addr", "add", nfsenv.VIP+"/24", "dev", "eth0")
	exp := r.ExportParams()
	exp["server"] = "ganesha"
	ocfTester(t, r, a, "exportfs", exp)

	// An export added at run time is served at once (Ganesha re-reads
	// its exports on SIGHUP), and gone once stopped.
	r.MustAgent(a, "exportfs", "exp", "start", exp, 0)
	if out, code := r.ClientRun(20*time.Second, "nfs-ls", "nfs://"+nfsenv.VIP+r.Export()+"?version=4"); code != 0 {
		t.Fatalf("export not served after exportfs start: %s", out)
	}
	if out, code := r.ClientRun(20*time.Second, "nfs-ls", "nfs://"+nfsenv.VIP+r.Export()); code != 0 {
		t.Fatalf("export not served over NFSv3 after exportfs start: %s", out)
	}
	r.MustAgent(a, "exportfs", "exp", "stop", exp, 0)
	if out, code := r.ClientRun(20*time.Second, "nfs-ls", "nfs://"+nfsenv.VIP+r.Export()); code == 0 {
		t.Fatalf("export still served after exportfs stop: %s", out)
	}
	r.MustAgent(a, "exportfs", "exp", "monitor", exp, 7)

	// A Ganesha that stops answering is a failure, not "running".
	pid := strings.TrimSpace(r.MustNode(a, "cat", "/run/baton/ganesha/ganesha.pid"))
	r.MustNode(a, "kill", "-STOP", pid)
	res := r.Agent(a, "nfsserver", "nfs", "monitor", server)
	r.MustNode(a, "kill", "-CONT", pid)
	if res.Code != 1 || !strings.Contains(reason(res.Output), "NULL") {
		t.Errorf("monitor of a stopped ganesha.nfsd: exit %d, %q", res.Code, reason(res.Output))
	}
	r.MustAgent(a, "nfsserver", "nfs", "stop", server, 0)
	r.MustAgent(a, "nfsserver", "nfs", "monitor", server, 7)
	if left := r.Procs(a); len(left) != 0 {
		t.Fatalf("processes left after stop: %v", left)
	}
	r.MustNode(a, "ip", "addr", "del", nfsenv.VIP+"/24", "dev", "eth0")
	r.Umount(a)
}
