//go:build !pacemaker

package live

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"time"
)

// Cib is a connection to the CIB through cibadmin.
type Cib struct {
	cfg    CibOpenConfig
	mu     sync.Mutex
	closed bool
	stop   chan struct{}
	// Cibadmin is the cibadmin program; tests point it elsewhere.
	Cibadmin string
}

// OpenCib opens the CIB. Without FromFile or FromShadow it is the running
// cluster's.
func OpenCib(options ...func(*CibOpenConfig)) (*Cib, error) {
	c := &Cib{Cibadmin: "cibadmin", stop: make(chan struct{})}
	c.cfg.PollInterval = time.Second
	for _, o := range options {
		o(&c.cfg)
	}
	if c.cfg.File != "" {
		if _, err := os.Stat(c.cfg.File); err != nil {
			return nil, fmt.Errorf("open CIB file: %w", err)
		}
		return c, nil
	}
	if _, err := exec.LookPath(c.Cibadmin); err != nil {
		return nil, fmt.Errorf("cibadmin not found (install pacemaker-cli-utils): %w", err)
	}
	return c, nil
}

func (c *Cib) run(ctx context.Context, args ...string) ([]byte, error) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if c.cfg.File != "" {
		return os.ReadFile(c.cfg.File)
	}
	cmd := exec.CommandContext(ctx, c.Cibadmin, args...)
	cmd.Env = os.Environ()
	if c.cfg.Shadow != "" {
		cmd.Env = append(cmd.Env, "CIB_shadow="+c.cfg.Shadow)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("cibadmin %v: %v: %s", args, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

// Query returns the whole CIB.
func (c *Cib) Query() (*CibDocument, error) {
	out, err := c.run(context.Background(), "--query")
	if err != nil {
		return nil, err
	}
	return &CibDocument{xml: string(out)}, nil
}

// QueryXPath returns the part of the CIB that xpath selects.
func (c *Cib) QueryXPath(xpath string) (*CibDocument, error) {
	if c.cfg.File != "" {
		return nil, fmt.Errorf("QueryXPath on a file CIB is not supported; use Query")
	}
	out, err := c.run(context.Background(), "--query", "--xpath", xpath)
	if err != nil {
		return nil, err
	}
	return &CibDocument{xml: string(out)}, nil
}

// version is the CIB's (admin_epoch, epoch, num_updates) as text.
func version(doc []byte) string {
	head := doc
	if i := bytes.IndexByte(doc, '>'); i > 0 {
		head = doc[:i]
	}
	var parts []string
	for _, a := range []string{"admin_epoch", "epoch", "num_updates"} {
		re := regexp.MustCompile(`\b` + a + `="(\d+)"`)
		if m := re.FindSubmatch(head); m != nil {
			parts = append(parts, string(m[1]))
		}
	}
	return fmt.Sprint(parts)
}

// Subscribe calls callback with the new CIB whenever it changes. The
// cibadmin path polls (PollInterval); errors end the subscription and are
// sent on the returned channel.
func (c *Cib) Subscribe(callback CibEventFunc) (chan error, error) {
	first, err := c.run(context.Background(), "--query")
	if err != nil {
		return nil, err
	}
	errc := make(chan error, 1)
	go func() {
		last := version(first)
		t := time.NewTicker(c.cfg.PollInterval)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				callback(DestroyEvent, nil)
				errc <- nil
				return
			case <-t.C:
			}
			out, err := c.run(context.Background(), "--query")
			if err != nil {
				errc <- err
				return
			}
			if v := version(out); v != last {
				last = v
				callback(UpdateEvent, &CibDocument{xml: string(out)})
			}
		}
	}()
	return errc, nil
}

// Close ends the connection and any subscription.
func (c *Cib) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		close(c.stop)
	}
}
