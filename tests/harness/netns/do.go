package netns

import (
	"fmt"
	"runtime"

	vnetns "github.com/vishvananda/netns"
)

// Do runs fn on an OS thread inside network namespace ns: sockets fn opens
// belong to ns, and so do processes it starts (they fork from that thread).
// The thread goes back to its own namespace afterwards; if it cannot, it is
// never handed to another goroutine (it ends with this one, or stays wedged
// when it is the main thread, which demo/lab's namespace clean-up knows not
// to kill).
func Do(ns string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := vnetns.Get()
		if err != nil {
			errc <- fmt.Errorf("this thread's network namespace: %w", err)
			return
		}
		defer orig.Close()
		target, err := vnetns.GetFromName(ns)
		if err != nil {
			errc <- fmt.Errorf("network namespace %s: %w", ns, err)
			return
		}
		defer target.Close()
		if err := vnetns.Set(target); err != nil {
			errc <- fmt.Errorf("enter network namespace %s: %w", ns, err)
			return
		}
		ferr := fn()
		if vnetns.Set(orig) == nil {
			runtime.UnlockOSThread()
		}
		errc <- ferr
	}()
	return <-errc
}
