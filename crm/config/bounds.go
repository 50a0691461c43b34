package config

import (
	"fmt"
	"net"
	"time"
)

// maxName is the longest node, cluster or link name: heartbeats carry names
// in one length byte.
const maxName = 255

// span is the range a duration setting must fall in; each is wide enough
// for any sane cluster and narrow enough that a typo ("2000000h", "1ns",
// "-1s") is refused instead of run.
type span struct{ min, max time.Duration }

var spans = map[string]span{
	"heartbeat.keepalive": {10 * time.Millisecond, 10 * time.Second},
	"heartbeat.warntime":  {20 * time.Millisecond, 10 * time.Minute},
	"heartbeat.deadtime":  {30 * time.Millisecond, 10 * time.Minute},
	"ping.interval":       {100 * time.Millisecond, time.Hour},
	"ping.timeout":        {10 * time.Millisecond, time.Minute},
	"quorum.timeout":      {10 * time.Millisecond, time.Minute},
}

// checkBounds refuses settings outside what the daemon can run with. Each
// message starts with the key.
func (c *Config) checkBounds(bad func(string, ...any)) {
	for key, d := range map[string]time.Duration{
		"heartbeat.keepalive": c.Heartbeat.Keepalive.Duration, "heartbeat.warntime": c.Heartbeat.Warntime.Duration,
		"heartbeat.deadtime": c.Heartbeat.Deadtime.Duration, "ping.interval": c.Ping.Interval.Duration,
		"ping.timeout": c.Ping.Timeout.Duration, "quorum.timeout": c.Quorum.Timeout.Duration,
	} {
		if s := spans[key]; d < s.min || d > s.max {
			bad("%s: %v is outside %v..%v", key, d, s.min, s.max)
		}
	}
	if c.Ping.Timeout.Duration > c.Ping.Interval.Duration {
		bad("ping.timeout: %v is longer than ping.interval %v", c.Ping.Timeout.Duration, c.Ping.Interval.Duration)
	}
	c.checkTiming(bad)
	name := func(key, v string) {
		if len(v) > maxName {
			bad("%s: %d bytes long; names are at most %d bytes", key, len(v), maxName)
		}
	}
	name("cluster", c.Cluster)
	name("node", c.Node)
	local := map[string]bool{}
	for i, l := range c.Links {
		name(fmt.Sprintf("link[%d].name", i), l.Name)
		if why := unicast(l.Address); why != "" {
			bad("link[%d].address: %s %s; give this node's address on the link's network", i, l.Address, why)
		}
		if ip := net.ParseIP(l.Address); ip != nil {
			local[ip.String()] = true
		}
	}
	for i, p := range c.Peers {
		name(fmt.Sprintf("peer[%d].name", i), p.Name)
		for j, a := range p.Addresses {
			if a == "" {
				continue
			}
			if why := unicast(a); why != "" {
				bad("peer[%d].addresses[%d]: %s %s", i, j, a, why)
			} else if local[net.ParseIP(a).String()] {
				bad("peer[%d].addresses[%d]: %s is this node's own link address", i, j, a)
			}
		}
	}
}

// checkTiming checks the failure-detection bounds the membership rules
// rely on (docs/membership.md): keepalive < warntime < deadtime, with room
// for two heartbeats. Further bounds between timers (a watchdog's timeout
// against deadtime) belong here too.
func (c *Config) checkTiming(bad func(string, ...any)) {
	h := &c.Heartbeat
	if !(h.Keepalive.Duration > 0 && h.Keepalive.Duration < h.Warntime.Duration && h.Warntime.Duration < h.Deadtime.Duration) {
		bad("heartbeat: need 0 < keepalive < warntime < deadtime, got %v, %v, %v", h.Keepalive.Duration, h.Warntime.Duration, h.Deadtime.Duration)
	} else if h.Deadtime.Duration < 2*h.Keepalive.Duration {
		bad("heartbeat.deadtime: %v leaves room for fewer than two heartbeats of %v", h.Deadtime.Duration, h.Keepalive.Duration)
	}
}

// unicast says why addr cannot be a heartbeat address, or "" when it can.
func unicast(addr string) string {
	ip := net.ParseIP(addr)
	switch {
	case ip == nil:
		return "is not an IP address"
	case ip.IsUnspecified():
		return "is the unspecified address (listen-on-all is not a link)"
	case ip.IsLoopback():
		return "is a loopback address (it reaches no other node)"
	case ip.IsMulticast() || ip.Equal(net.IPv4bcast):
		return "is a multicast or broadcast address"
	}
	return ""
}
