package faults

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// samplePeriod is how often the invariants are checked.
const samplePeriod = 100 * time.Millisecond

// arpWindow is how long after asking who has the VIP the answers count as
// answers to that one question: two within it are two owners at once. In
// namespaces an answer takes well under a millisecond.
const arpWindow = 50 * time.Millisecond

// sampler checks the invariants every samplePeriod until stopped.
type sampler struct {
	r    *Rig
	stop chan struct{}
	wg   sync.WaitGroup

	mu         sync.Mutex
	samples    int
	violations []string
}

func (r *Rig) startSampler() *sampler {
	s := &sampler{r: r, stop: make(chan struct{})}
	s.wg.Add(1)
	go s.loop()
	return s
}

func (s *sampler) loop() {
	defer s.wg.Done()
	start := time.Now()
	tick := time.NewTicker(samplePeriod)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
		asked := time.Now()
		arpErr := s.r.arp.ask()
		h := s.r.holders()
		if wait := time.Until(asked.Add(arpWindow)); wait > 0 {
			time.Sleep(wait) // the rest of the ARP window; less than one period
		}
		macs := s.r.arp.answeredWithin(asked, time.Now())
		var bad []string
		if len(h.vip) > 1 {
			bad = append(bad, "VIP on "+strings.Join(h.vip, ","))
		}
		if len(h.mount) > 1 {
			bad = append(bad, "/data mounted on "+strings.Join(h.mount, ","))
		}
		if len(h.server) > 1 {
			bad = append(bad, "NFS server running on "+strings.Join(h.server, ","))
		}
		if len(macs) > 1 {
			sort.Strings(macs)
			bad = append(bad, "ARP replies for the VIP from "+strings.Join(macs, ","))
		}
		s.mu.Lock()
		s.samples++
		if arpErr != nil && s.samples == 1 {
			bad = append(bad, "cannot ask ARP: "+arpErr.Error())
		}
		if len(bad) > 0 {
			s.violations = append(s.violations, fmt.Sprintf("%.1fs: %s", time.Since(start).Seconds(), strings.Join(bad, "; ")))
		}
		s.mu.Unlock()
	}
}

// finish stops sampling and returns the number of samples and the
// violations seen.
func (s *sampler) finish() (int, []string) {
	close(s.stop)
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples, s.violations
}
