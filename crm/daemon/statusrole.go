package daemon

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/baton-ha/baton/crm/ratelog"
)

// The read-only status role, after Pacemaker's haclient group: operators
// and monitoring in one configured group read the node's status without
// the cluster key (which allows everything, docs/security.md). The socket
// answers every accepted connection with the status as JSON and closes it;
// it reads nothing, so there is nothing else to ask. Who is asking is taken
// from the kernel (SO_PEERCRED), not from anything the client says.

// GroupID resolves a group name or numeric gid.
func GroupID(group string) (int, error) {
	if gid, err := strconv.Atoi(group); err == nil && gid >= 0 {
		return gid, nil
	}
	g, err := user.LookupGroup(group)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(g.Gid)
}

// listenStatus makes the status socket: root:gid, mode 0660, in a
// directory others can traverse.
func listenStatus(path string, gid int) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	_ = os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chown(path, 0, gid); err != nil {
		l.Close()
		return nil, err
	}
	if err := os.Chmod(path, 0o660); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// serveStatus answers connections on l from root or members of gid with
// status(), until ctx ends.
func serveStatus(ctx context.Context, l net.Listener, gid int, status func() any, log *slog.Logger) error {
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	refused := &ratelog.Limiter{Logger: log}
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("status socket: %w", err)
		}
		go func() {
			defer conn.Close()
			uc, ok := conn.(*net.UnixConn)
			if !ok {
				return
			}
			cred, err := peerCred(uc)
			if err != nil {
				refused.Record("status socket: cannot read the caller's credentials", "err", err)
				return
			}
			if !allowed(cred, gid) {
				refused.Record("status socket: refused a caller outside the status group", "uid", cred.Uid, "pid", cred.Pid, "gid", gid)
				return
			}
			_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			_ = json.NewEncoder(conn).Encode(status())
		}()
	}
}

func peerCred(c *net.UnixConn) (*unix.Ucred, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return nil, err
	}
	return cred, cerr
}

// allowed: root, or a process whose primary or supplementary groups
// include gid (the supplementary ones from /proc, as the kernel holds
// them for that process).
func allowed(cred *unix.Ucred, gid int) bool {
	if cred.Uid == 0 || int(cred.Gid) == gid {
		return true
	}
	groups, err := procGroups(int(cred.Pid))
	if err != nil {
		return false
	}
	for _, g := range groups {
		if g == gid {
			return true
		}
	}
	return false
}

func procGroups(pid int) ([]int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Groups:"); ok {
			var out []int
			for _, g := range strings.Fields(rest) {
				if n, err := strconv.Atoi(g); err == nil {
					out = append(out, n)
				}
			}
			return out, nil
		}
	}
	return nil, errors.New("no Groups line")
}

// ReadStatus reads the status from a status socket into out.
func ReadStatus(ctx context.Context, path string, out any) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if err := json.NewDecoder(conn).Decode(out); err != nil {
		return fmt.Errorf("status socket %s: no status (is this user in the status group?): %w", path, err)
	}
	return nil
}
