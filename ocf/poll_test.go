package ocf

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPoll(t *testing.T) {
	n := 0
	if err := Poll(context.Background(), time.Second, time.Millisecond, func() (bool, error) { n++; return n == 3, nil }); err != nil || n != 3 {
		t.Errorf("Poll: %v after %d checks", err, n)
	}
	boom := errors.New("boom")
	if err := Poll(context.Background(), time.Second, time.Millisecond, func() (bool, error) { return false, boom }); err != boom {
		t.Errorf("a failing check: %v", err)
	}
	start := time.Now()
	err := Poll(context.Background(), 50*time.Millisecond, 10*time.Millisecond, func() (bool, error) { return false, nil })
	if err == nil || !strings.Contains(err.Error(), "gave up after 50ms") || time.Since(start) > time.Second {
		t.Errorf("limit: %v after %v", err, time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Poll(ctx, time.Hour, time.Millisecond, func() (bool, error) { return false, nil }); err == nil {
		t.Error("a cancelled context did not end the wait")
	}
}
