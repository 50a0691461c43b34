package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
)

// Notifier passes the daemon's state to its service manager, as
// sd_notify(3) does: "READY=1", "WATCHDOG=1", "STOPPING=1", "STATUS=...".
type Notifier interface {
	Notify(state string) error
}

// systemdNotifier writes to the datagram socket systemd names in
// NOTIFY_SOCKET; without one (not started by systemd) it does nothing.
type systemdNotifier struct{}

func (systemdNotifier) Notify(state string) error {
	_, err := sd.SdNotify(false, state)
	return err
}

// watchdogInterval is WatchdogSec= of the unit (WATCHDOG_USEC), zero when
// the watchdog is off or meant for another process.
func watchdogInterval(log *slog.Logger) time.Duration {
	d, err := sd.SdWatchdogEnabled(false)
	if err != nil {
		log.Warn("ignoring systemd's watchdog settings", "err", err)
		return 0
	}
	return d
}

// Health is one look at the daemon: whether it has joined the cluster (it
// knows its designated controller) and a line for `systemctl status`. It
// must return promptly; a call that hangs means the daemon is stuck.
type Health func() (joined bool, summary string)

// superviseService tells the service manager READY=1 once the daemon has
// joined the cluster, and then, when watchdog is non-zero, WATCHDOG=1 every
// watchdog/3 for as long as health answers within that time. A daemon whose
// controller or membership layer deadlocks stops answering, the pings
// stop, and systemd restarts it (WatchdogSec=). The resources' data is not
// guarded here but by the fencing layer.
func superviseService(ctx context.Context, n Notifier, watchdog time.Duration, health Health, log *slog.Logger) {
	poll := 100 * time.Millisecond
	for ctx.Err() == nil {
		joined, summary, ok := ask(ctx, health, time.Second)
		if ok && joined {
			notify(n, log, "READY=1\nSTATUS="+summary)
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(poll):
		}
	}
	if watchdog <= 0 {
		return
	}
	// Three chances per interval: one slow answer does not get a healthy
	// daemon killed.
	period := watchdog / 3
	tick := time.NewTicker(period)
	defer tick.Stop()
	last := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		_, summary, ok := ask(ctx, health, period)
		if !ok {
			log.Warn("daemon did not answer its health check; withholding the watchdog ping", "within", period)
			continue
		}
		state := "WATCHDOG=1"
		if summary != last {
			state += "\nSTATUS=" + summary
			last = summary
		}
		notify(n, log, state)
	}
}

// ask runs health with a time limit. A health call that overruns keeps its
// goroutine until it returns; a stuck daemon is about to be restarted anyway.
func ask(ctx context.Context, health Health, limit time.Duration) (joined bool, summary string, ok bool) {
	type answer struct {
		joined  bool
		summary string
	}
	c := make(chan answer, 1)
	go func() {
		j, s := health()
		c <- answer{j, s}
	}()
	select {
	case a := <-c:
		return a.joined, a.summary, true
	case <-time.After(limit):
	case <-ctx.Done():
	}
	return false, "", false
}

func notify(n Notifier, log *slog.Logger, state string) {
	if err := n.Notify(state); err != nil {
		log.Warn("notifying the service manager", "state", state, "err", err)
	}
}

// statusLine is the STATUS= text: what `systemctl status baton` shows.
func statusLine(cluster, dc string, quorate bool, members, running int) string {
	q := "without quorum"
	if quorate {
		q = "quorate"
	}
	return fmt.Sprintf("cluster %s: DC %s, %d member(s), %s; %d resource(s) active here", cluster, dc, members, q, running)
}
