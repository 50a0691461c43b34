// Package ratelog logs events an attacker can provoke at will (a bad
// signature, a connection over a limit) at a level an operator sees, without
// letting a flood of them fill the disk: at most one line per interval per
// kind, carrying how many were left out since the last one.
package ratelog

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Limiter writes at most one record per Interval for each message.
type Limiter struct {
	Logger   *slog.Logger  // default slog.Default()
	Level    slog.Level    // default Warn
	Interval time.Duration // default 10 s
	Now      func() time.Time

	mu    sync.Mutex
	last  map[string]entry
	count int
}

// Count returns how many events were recorded, logged or not.
func (l *Limiter) Count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count
}

type entry struct {
	at         time.Time
	suppressed int
}

// Record logs msg with its attributes unless msg was logged less than an
// interval ago; then it only counts it.
func (l *Limiter) Record(msg string, args ...any) {
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	interval := l.Interval
	if interval <= 0 {
		interval = 10 * time.Second
	}
	l.mu.Lock()
	l.count++
	if l.last == nil {
		l.last = map[string]entry{}
	}
	e, seen := l.last[msg]
	if seen && now.Sub(e.at) < interval {
		e.suppressed++
		l.last[msg] = e
		l.mu.Unlock()
		return
	}
	l.last[msg] = entry{at: now}
	l.mu.Unlock()
	if e.suppressed > 0 {
		args = append(args, "suppressed", e.suppressed)
	}
	log := l.Logger
	if log == nil {
		log = slog.Default()
	}
	level := l.Level
	if level == 0 {
		level = slog.LevelWarn
	}
	log.Log(context.Background(), level, msg, args...)
}
