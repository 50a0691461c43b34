package ipaddr

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/baton-ha/baton/agents/ipaddr/announce"
	"github.com/baton-ha/baton/agents/ipaddr/tickle"
	"github.com/baton-ha/baton/ocf"
)

// Tickle ACK schedule, as CTDB does it: three rounds a second apart, so that
// a client whose answer to one round is rate-limited or lost still resets.
const (
	tickleRounds   = 3
	tickleInterval = time.Second
)

// plan is what to send after the address comes up. It is also the message
// from the agent to its background announcer, hence the JSON tags.
type plan struct {
	Nic      string        `json:"nic"`
	Addr     netip.Addr    `json:"addr"`
	Mode     announce.Mode `json:"mode"`
	Count    int           `json:"count"`
	Interval time.Duration `json:"interval"`
	Tickles  []tickle.Conn `json:"tickles,omitempty"`
	Netns    string        `json:"netns,omitempty"`
	PidFile  string        `json:"pidfile,omitempty"`
	// TickleDir, when set, keeps the background process running after the
	// announcements: it watches the address's TCP connections and keeps
	// the record there current until stop (tickle.Watch).
	TickleDir string `json:"tickle_dir,omitempty"`
}

// sends reports whether the plan has packets to send.
func (p plan) sends() bool { return p.Count > 0 || len(p.Tickles) > 0 }

// session holds the open sockets of a plan.
type session struct {
	p  plan
	an announce.Announcer
	tk *tickle.Sender
}

// open creates the sockets. It must run on the thread that is in the
// plan's network namespace.
func (p plan) open() (*session, error) {
	s := &session{p: p}
	if p.Count > 0 {
		ifi, err := net.InterfaceByName(p.Nic)
		if err != nil {
			return nil, fmt.Errorf("interface %s: %w", p.Nic, err)
		}
		if s.an, err = announce.Open(ifi, p.Addr, p.Mode); err != nil {
			return nil, err
		}
	}
	if len(p.Tickles) > 0 {
		tk, err := tickle.Open(p.Addr)
		if err != nil {
			s.close()
			return nil, err
		}
		s.tk = tk
	}
	return s, nil
}

func (s *session) close() {
	if s.an != nil {
		s.an.Close()
	}
	if s.tk != nil {
		s.tk.Close()
	}
}

// run sends p.Count announcement rounds p.Interval apart and, once the first
// round is out (so that clients already send to this host), the tickle
// rounds. It returns when both are done or ctx ends; the error is that of
// the first announcement, later failures are logged.
func (s *session) run(ctx context.Context, log *slog.Logger) error {
	defer s.close()
	firstOut := make(chan struct{})
	var wg sync.WaitGroup
	if s.tk != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-firstOut:
			case <-ctx.Done():
				return
			}
			s.tickle(ctx, log)
		}()
	}
	var firstErr error
	if s.an == nil {
		close(firstOut)
	}
	for i := 0; s.an != nil && i < s.p.Count; i++ {
		err := s.an.Announce()
		if i == 0 {
			firstErr = err
			close(firstOut)
		} else if err != nil {
			log.Warn(fmt.Sprintf("announcement %d of %d for %s failed: %v", i+1, s.p.Count, s.p.Addr, err))
		}
		if i == s.p.Count-1 || !ocf.Sleep(ctx, s.p.Interval) {
			break
		}
	}
	wg.Wait()
	return firstErr
}

func (s *session) tickle(ctx context.Context, log *slog.Logger) {
	for round := 0; round < tickleRounds; round++ {
		sent := 0
		for _, c := range s.p.Tickles {
			if err := s.tk.Send(c); err != nil {
				log.Warn(err.Error())
				continue
			}
			sent++
		}
		if round == 0 {
			log.Info(fmt.Sprintf("sent tickle ACKs to %d recorded client connection(s) of %s", sent, s.p.Addr))
		}
		if round == tickleRounds-1 || !ocf.Sleep(ctx, tickleInterval) {
			return
		}
	}
}
