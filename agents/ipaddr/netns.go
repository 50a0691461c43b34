package ipaddr

import (
	"fmt"
	"runtime"

	"github.com/vishvananda/netns"

	"github.com/baton-ha/baton/ocf"
)

// enterNetns moves the calling goroutine, locked to its OS thread, into the
// named network namespace, and returns the function that moves it back.
// Every socket the action needs (rtnetlink, packet, raw) is created on this
// thread afterwards, so it belongs to that namespace wherever it is used
// from later. This replaces IPaddr2's re-execution under "ip netns exec".
func enterNetns(name string) (restore func(), err error) {
	if name == "" {
		return func() {}, nil
	}
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("read the current network namespace: %w", err)
	}
	target, err := netns.GetFromName(name)
	if err != nil {
		orig.Close()
		runtime.UnlockOSThread()
		return nil, ocf.Errorf(ocf.ErrArgs, "network namespace %s does not exist on this node (see ip netns list): %v", name, err)
	}
	defer target.Close()
	if err := netns.Set(target); err != nil {
		orig.Close()
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("enter network namespace %s: %w", name, err)
	}
	return func() {
		// A thread that cannot go back stays locked: Go then ends it with
		// the goroutine instead of reusing it in the wrong namespace.
		if netns.Set(orig) == nil {
			runtime.UnlockOSThread()
		}
		orig.Close()
	}, nil
}
