package fencer

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// canFence applies pcmk_host_check.
func (f *Devices) canFence(ctx context.Context, s *Setup, d *Device, target string) (bool, error) {
	switch d.HostCheck {
	case CheckNone:
		return true, nil
	case CheckStatic:
		return d.staticallyFor(target), nil
	case CheckStatus:
		st, out, err := f.Runner.Run(ctx, d.Agent, f.args(ctx, d, "status", target), s.Options.Timeout)
		if err != nil {
			return false, err
		}
		if st != ExitOK && st != ExitOff {
			return false, fmt.Errorf("status exited %d: %s", st, out)
		}
		return true, nil
	}
	f.mu.Lock()
	lc, ok := f.lists[d.ID]
	f.mu.Unlock()
	if ok && (lc.plugs[d.Plug(target)] || lc.plugs[target]) {
		// A device that listed the target recently can fence it; asking
		// again would only delay the fence.
		if time.Since(lc.at) > listTTL {
			go func() { _, _ = f.refreshList(context.Background(), s, d) }()
		}
		return true, nil
	}
	lc, err := f.refreshList(ctx, s, d)
	if err != nil {
		return false, err
	}
	return lc.plugs[d.Plug(target)] || lc.plugs[target], nil
}

// refreshList runs a device's list action and caches its plugs.
func (f *Devices) refreshList(ctx context.Context, s *Setup, d *Device) (listCache, error) {
	st, out, err := f.Runner.Run(ctx, d.Agent, f.args(ctx, d, "list", ""), s.Options.Timeout)
	if err != nil {
		return listCache{}, err
	}
	if st != ExitOK {
		return listCache{}, fmt.Errorf("list exited %d (set pcmk_host_list or pcmk_host_map if the agent cannot list): %s", st, out)
	}
	lc := listCache{plugs: parseList(out), at: time.Now()}
	f.mu.Lock()
	if f.lists == nil {
		f.lists = map[string]listCache{}
	}
	f.lists[d.ID] = lc
	f.mu.Unlock()
	return lc, nil
}

// parseList reads a list action's output: one "plug,alias" per line.
func parseList(out string) map[string]bool {
	plugs := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			plugs[f] = true
		}
	}
	return plugs
}
