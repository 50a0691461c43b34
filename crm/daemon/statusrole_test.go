package daemon

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
)

const statusClientEnv = "BATON_TEST_STATUS_CLIENT"

// TestMain lets the test binary act as a status client in a child process
// that runs under another user.
func TestMain(m *testing.M) {
	if path := os.Getenv(statusClientEnv); path != "" {
		var out map[string]any
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := ReadStatus(ctx, path, &out); err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(3)
		}
		os.Stdout.WriteString(out["node"].(string))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A user in the status group reads the status over the status socket
// without the cluster key; a user outside it gets nothing, even where the
// socket file's mode would let it connect.
func TestStatusGroupReadsStatus(t *testing.T) {
	harness.NeedRoot(t) // runs clients as other users
	const gid, nobody = 4711, 65534
	dir, err := os.MkdirTemp("", "baton-status-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The client is this test binary, copied where other users can run it.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "client")
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	src.Close()
	dst.Close()

	sock := filepath.Join(dir, "run", "status.sock")
	l, err := listenStatus(sock, gid)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(sock); err != nil || st.Mode().Perm() != 0o660 || st.Sys().(*syscall.Stat_t).Gid != gid {
		t.Fatalf("status socket: %v %v", st.Mode(), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go serveStatus(ctx, l, gid, func() any { return map[string]string{"node": "node1"} }, nil)

	client := func(groups []uint32) (string, error) {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), statusClientEnv+"="+sock)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: groups}}
		out, err := cmd.Output()
		return string(out), err
	}
	if out, err := client([]uint32{gid}); err != nil || out != "node1" {
		t.Fatalf("a member of the status group: %q %v", out, err)
	}
	if err := os.Chmod(sock, 0o666); err != nil { // only the credential check left
		t.Fatal(err)
	}
	out, err := client(nil)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || !strings.Contains(string(ee.Stderr), "no status") {
		t.Fatalf("a user outside the status group got %q (%v)", out, err)
	}
	// And the socket only ever writes: what a caller sends is not read.
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte(`{"method":"cib-replace"}`))
	b, _ := io.ReadAll(c)
	if !strings.Contains(string(b), `"node":"node1"`) {
		t.Fatalf("root got %q", b)
	}
}
