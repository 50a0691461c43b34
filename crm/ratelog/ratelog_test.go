package ratelog

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(1000, 0)
	l := &Limiter{Logger: slog.New(slog.NewTextHandler(&buf, nil)), Interval: 10 * time.Second, Now: func() time.Time { return now }}
	for i := 0; i < 100; i++ {
		l.Record("rejected a call", "from", "10.0.0.9")
	}
	l.Record("another kind")
	now = now.Add(11 * time.Second)
	l.Record("rejected a call", "from", "10.0.0.9")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines, got %d:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(lines[0], "level=WARN") || strings.Contains(lines[0], "suppressed") {
		t.Errorf("first line: %s", lines[0])
	}
	if !strings.Contains(lines[2], "suppressed=99") {
		t.Errorf("third line must count the 99 left out: %s", lines[2])
	}
}
