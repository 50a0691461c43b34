package ocf

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"os"
	"strings"
	"sync"
	"time"
)

// Logging follows resource-agents' ha_log so that Baton's messages land where
// an administrator of a Pacemaker cluster already looks:
//   - HA_LOGFACILITY (e.g. "daemon"; "none" or empty disables): syslog, with
//     the tag AGENT(INSTANCE);
//   - HA_LOGFILE: appended, one line per message;
//   - neither: standard error, which Pacemaker's execd captures and logs;
//   - debug messages only when HA_debug is 1, to HA_DEBUGLOG when set.

var facilities = map[string]syslog.Priority{
	"kern": syslog.LOG_KERN, "user": syslog.LOG_USER, "mail": syslog.LOG_MAIL,
	"daemon": syslog.LOG_DAEMON, "auth": syslog.LOG_AUTH, "syslog": syslog.LOG_SYSLOG,
	"lpr": syslog.LOG_LPR, "news": syslog.LOG_NEWS, "uucp": syslog.LOG_UUCP,
	"cron": syslog.LOG_CRON, "authpriv": syslog.LOG_AUTHPRIV, "ftp": syslog.LOG_FTP,
	"local0": syslog.LOG_LOCAL0, "local1": syslog.LOG_LOCAL1, "local2": syslog.LOG_LOCAL2,
	"local3": syslog.LOG_LOCAL3, "local4": syslog.LOG_LOCAL4, "local5": syslog.LOG_LOCAL5,
	"local6": syslog.LOG_LOCAL6, "local7": syslog.LOG_LOCAL7,
}

// haHandler is a slog.Handler writing resource-agents-style lines.
type haHandler struct {
	tag      string // AGENT(INSTANCE)
	debug    bool
	facility syslog.Priority
	useSys   bool
	logfile  string
	debugLog string
	stderr   io.Writer
	attrs    string    // pre-formatted With() attributes
	trace    io.Writer // trace_ra file of this invocation, or nil

	mu  *sync.Mutex
	sys **syslog.Writer // dialled on first use: most calls never log
}

// NewLogger returns the logger for an agent invocation, configured from the
// HA_* variables in env, and a function that releases what it opened.
func NewLogger(agent string, env *Env, stderr io.Writer) (*slog.Logger, func()) {
	return newLogger(agent, env, stderr, nil)
}

// newLogger is NewLogger that also writes every message to trace, a
// trace_ra file (trace.go), when it is not nil; the returned function closes
// it.
func newLogger(agent string, env *Env, stderr io.Writer, trace io.WriteCloser) (*slog.Logger, func()) {
	h := &haHandler{
		tag:    fmt.Sprintf("%s(%s)", agent, env.Instance),
		stderr: stderr,
		mu:     &sync.Mutex{},
		sys:    new(*syslog.Writer),
	}
	if trace != nil {
		h.trace = trace
	}
	v := env.Vars
	h.debug, _ = ParseBool(v["HA_debug"])
	if f := strings.ToLower(strings.TrimSpace(v["HA_LOGFACILITY"])); f != "" && f != "none" {
		if p, ok := facilities[f]; ok {
			h.facility, h.useSys = p, true
		}
	}
	h.logfile = v["HA_LOGFILE"]
	h.debugLog = v["HA_DEBUGLOG"]
	closer := func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if *h.sys != nil {
			(*h.sys).Close()
		}
		if trace != nil {
			trace.Close()
		}
	}
	return slog.New(h), closer
}

func (h *haHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || h.debug || h.trace != nil
}

func (h *haHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	var b strings.Builder
	b.WriteString(h.attrs)
	for _, a := range as {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	c.attrs = b.String()
	return &c
}

func (h *haHandler) WithGroup(string) slog.Handler { return h }

func levelName(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "ERROR"
	case l >= slog.LevelWarn:
		return "WARNING"
	case l >= slog.LevelInfo:
		return "INFO"
	default:
		return "DEBUG"
	}
}

func (h *haHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(levelName(r.Level))
	b.WriteString(": ")
	b.WriteString(r.Message)
	b.WriteString(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	msg := b.String()
	h.mu.Lock()
	defer h.mu.Unlock()

	if h.trace != nil {
		_, _ = io.WriteString(h.trace, h.fileLine(r.Time, msg))
		if r.Level < slog.LevelInfo && !h.debug {
			return nil
		}
	}
	if r.Level < slog.LevelInfo && h.debugLog != "" {
		return appendLine(h.debugLog, h.fileLine(r.Time, msg))
	}
	wrote := false
	if h.useSys {
		if *h.sys == nil {
			if w, err := syslog.New(h.facility|syslog.LOG_INFO, h.tag); err == nil {
				*h.sys = w
			}
		}
		if w := *h.sys; w != nil {
			switch {
			case r.Level >= slog.LevelError:
				_ = w.Err(msg)
			case r.Level >= slog.LevelWarn:
				_ = w.Warning(msg)
			case r.Level >= slog.LevelInfo:
				_ = w.Info(msg)
			default:
				_ = w.Debug(msg)
			}
			wrote = true
		}
	}
	if h.logfile != "" {
		if err := appendLine(h.logfile, h.fileLine(r.Time, msg)); err == nil {
			wrote = true
		}
	}
	if !wrote {
		fmt.Fprintf(h.stderr, "%s[%d]: %s\n", h.tag, os.Getpid(), msg)
	}
	return nil
}

func (h *haHandler) fileLine(t time.Time, msg string) string {
	return fmt.Sprintf("%s[%d]:\t%s %s\n", h.tag, os.Getpid(), t.Format("2006/01/02_15:04:05"), msg)
}

func appendLine(path, line string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
