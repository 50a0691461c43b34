package ipaddr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/baton-ha/baton/agents/ipaddr/tickle"
	"github.com/baton-ha/baton/ocf"
)

// With arp_bg the announcements (and tickle ACKs) outlive the agent call, and
// with tickle_dir the watcher of the address's connections runs until stop:
// the agent starts its own binary again as "baton ipaddr-announce ADDR",
// detached in a new session with no inherited pipes (Pacemaker's executor
// waits for the agent's output to close), and hands it the plan in the
// environment. The child's pid goes to a pidfile under HA_RSCTMP, which stop
// (and the next start) use to kill it.

// BackgroundCommand is the hidden baton subcommand that runs Background.
const BackgroundCommand = "ipaddr-announce"

// planVar carries the JSON plan to the background process.
const planVar = "BATON_IPADDR_PLAN"

func pidFile(env *ocf.Env, s *spec) string {
	return filepath.Join(env.RscTmp, "IPaddr-announce-"+s.addr.String()+".pid")
}

// spawn starts the background announcer for p.
func spawn(exe string, env *ocf.Env, p plan) error {
	if err := os.MkdirAll(filepath.Dir(p.PidFile), 0o755); err != nil {
		return fmt.Errorf("create %s for the announcer's pidfile: %w", filepath.Dir(p.PidFile), err)
	}
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, BackgroundCommand, p.Addr.String())
	cmd.Args[0] = "baton" // the name that selects the CLI, not an agent
	cmd.Env = append(os.Environ(), planVar+"="+string(data))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = "/" // it must not keep the agent's directory (maybe a mount) busy
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the background announcer %s: %w", exe, err)
	}
	pid := cmd.Process.Pid
	_ = cmd.Process.Release()
	if err := os.WriteFile(p.PidFile, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		_ = syscall.Kill(pid, syscall.SIGTERM)
		return fmt.Errorf("write the announcer's pidfile: %w", err)
	}
	return nil
}

// killBackground stops the announcer recorded in path, if it still runs,
// and removes the pidfile. The pid is only signalled when its command line
// is our announcer for addr: a stale pidfile must not kill a stranger.
func killBackground(path, addr string) (killed bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the announcer's pidfile: %w", err)
	}
	defer os.Remove(path)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return false, nil
	}
	if !isAnnouncer(pid, addr) {
		return false, nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return false, nil // already gone
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if !isAnnouncer(pid, addr) {
			return true, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	return true, nil
}

// isAnnouncer reports whether pid is a live announcer for addr (a zombie
// has an empty command line and does not count).
func isAnnouncer(pid int, addr string) bool {
	cl, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	args := bytes.Split(bytes.TrimRight(cl, "\x00"), []byte{0})
	return len(args) == 3 && string(args[1]) == BackgroundCommand && string(args[2]) == addr
}

// Background is the body of "baton ipaddr-announce": it reads the plan from
// the environment, sends it and exits; SIGTERM ends it early. It returns the
// process's exit status. Logging follows the HA_* variables like the agent.
func Background(environ []string, stderr io.Writer) int {
	env := ocf.ParseEnv(environ)
	log, closeLog := ocf.NewLogger("IPaddr", env, stderr)
	defer closeLog()
	var p plan
	if err := json.Unmarshal([]byte(env.Vars[planVar]), &p); err != nil {
		log.Error(fmt.Sprintf("%s needs a plan in %s: %v (it is started by the IPaddr agent, not by hand)", BackgroundCommand, planVar, err))
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	defer func() {
		// Remove the pidfile only while it still names this process: a
		// newer start may have replaced it.
		if b, err := os.ReadFile(p.PidFile); err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(os.Getpid()) {
			os.Remove(p.PidFile)
		}
	}()
	restore, err := enterNetns(p.Netns)
	if err != nil {
		log.Error(err.Error())
		return 1
	}
	// Every socket is opened inside the namespace, then used from any
	// thread.
	s, err := p.open()
	var diag *tickle.SockDiag
	if err == nil && p.TickleDir != "" {
		if diag, err = tickle.OpenSockDiag(); err != nil {
			s.close()
		}
	}
	restore()
	if err != nil {
		log.Error(fmt.Sprintf("background process of %s: %v", p.Addr, err))
		return 1
	}
	if diag != nil {
		defer diag.Close()
	}
	// The watcher starts at once, beside the announcements: a client that
	// connects while they go out must be in the record too.
	watched := make(chan struct{})
	if diag != nil {
		log.Info(fmt.Sprintf("keeping the tickle record of %s in %s current", p.Addr, p.TickleDir))
		go func() {
			defer close(watched)
			tickle.Watch(ctx, tickle.WatchInterval,
				func() ([]tickle.Conn, error) { return diag.Established(p.Addr) },
				func(cs []tickle.Conn) error { return tickle.Save(p.TickleDir, p.Addr, cs) },
				func(err error) { log.Warn(fmt.Sprintf("tickle record of %s: %v", p.Addr, err)) })
		}()
	} else {
		close(watched)
	}
	code := 0
	if p.sends() {
		if err := s.run(ctx, log); err != nil {
			log.Error(fmt.Sprintf("background announcement of %s: %v", p.Addr, err))
			code = 1
		} else {
			log.Debug(fmt.Sprintf("background announcement of %s done: %d rounds", p.Addr, p.Count))
		}
	} else {
		s.close()
	}
	<-watched
	if ctx.Err() != nil {
		log.Info(fmt.Sprintf("background process of %s stopped by a signal", p.Addr))
	}
	return code
}

// backgroundAlive reports whether the background process of the pidfile
// runs.
func backgroundAlive(path, addr string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return err == nil && pid > 1 && isAnnouncer(pid, addr)
}
