package view

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"
)

// Plain ANSI (VT100) sequences: every terminal an administrator reaches
// over ssh understands them, and no terminal database is needed.
const (
	altScreenOn  = "\x1b[?1049h" // draw on the alternate screen, as crm_mon does
	altScreenOff = "\x1b[?1049l" // and give the shell its screen back on exit
	cursorHome   = "\x1b[H"
	clearToEnd   = "\x1b[J"
	clearLine    = "\x1b[K"
)

// Fetch returns the current view.
type Fetch func(ctx context.Context) (*View, error)

// WatchOptions control Watch.
type WatchOptions struct {
	// Interval between looks at the cluster; default 1s.
	Interval time.Duration
	// AltScreen draws on the terminal's alternate screen (off when the
	// output is not a terminal).
	AltScreen bool
}

// Watch draws the view and redraws it whenever it changes, until ctx ends:
// crm_mon's interactive mode. A failed fetch (the daemon restarting) is
// shown in place of the view and retried. Each redraw rewrites the screen
// from its top left corner, so the terminal never scrolls.
func Watch(ctx context.Context, w io.Writer, fetch Fetch, o WatchOptions) error {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.AltScreen {
		if _, err := io.WriteString(w, altScreenOn); err != nil {
			return err
		}
		defer io.WriteString(w, altScreenOff)
	}
	var last []byte
	tick := time.NewTicker(o.Interval)
	defer tick.Stop()
	for {
		frame, err := nextFrame(ctx, fetch, &last, o.Interval)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		if frame != nil {
			if err := draw(w, frame); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// nextFrame fetches the view and returns the frame to draw, or nil when
// nothing changed since last (the "Last updated" time aside).
func nextFrame(ctx context.Context, fetch Fetch, last *[]byte, interval time.Duration) ([]byte, error) {
	var body bytes.Buffer
	v, err := fetch(ctx)
	if err != nil {
		fmt.Fprintf(&body, "Cannot read the cluster's state: %v\n(retrying every %v)\n", err, interval)
		*last = nil
		return body.Bytes(), nil
	}
	when := v.LastUpdate
	v.LastUpdate = time.Time{}
	if err := v.WriteText(&body); err != nil {
		return nil, err
	}
	if bytes.Equal(body.Bytes(), *last) {
		return nil, nil
	}
	*last = append((*last)[:0], body.Bytes()...)
	body.Reset()
	v.LastUpdate = when
	err = v.WriteText(&body)
	return body.Bytes(), err
}

// draw writes a frame: home, each line followed by clear-to-end-of-line,
// then clear the rest of the screen.
func draw(w io.Writer, frame []byte) error {
	var b bytes.Buffer
	b.WriteString(cursorHome)
	for _, line := range bytes.SplitAfter(frame, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		nl := bytes.HasSuffix(line, []byte("\n"))
		b.Write(bytes.TrimSuffix(line, []byte("\n")))
		b.WriteString(clearLine)
		if nl {
			b.WriteString("\r\n")
		}
	}
	b.WriteString(clearToEnd)
	_, err := w.Write(b.Bytes())
	return err
}
