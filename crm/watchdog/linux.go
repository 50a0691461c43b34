package watchdog

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// linuxDevice is /dev/watchdog (or /dev/watchdogN) through the Linux
// watchdog API. It is opened only when watchdog.device is configured: on a
// development machine opening it arms a timer that resets the machine.
type linuxDevice struct {
	f *os.File
}

// Open opens and thereby arms the watchdog device at path.
func Open(path string) (Device, error) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("watchdog %s: %w (load the driver, e.g. softdog, or fix watchdog.device)", path, err)
	}
	return &linuxDevice{f: f}, nil
}

func (d *linuxDevice) SetTimeout(t time.Duration) (time.Duration, error) {
	fd := int(d.f.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.WDIOC_SETTIMEOUT, int(t/time.Second)); err != nil {
		return 0, fmt.Errorf("watchdog %s: set timeout %v: %w", d.f.Name(), t, err)
	}
	got, err := unix.IoctlGetInt(fd, unix.WDIOC_GETTIMEOUT)
	if err != nil {
		return 0, fmt.Errorf("watchdog %s: read back the timeout: %w", d.f.Name(), err)
	}
	return time.Duration(got) * time.Second, nil
}

func (d *linuxDevice) Pet() error {
	if err := unix.IoctlWatchdogKeepalive(int(d.f.Fd())); err != nil {
		return fmt.Errorf("watchdog %s: keepalive: %w", d.f.Name(), err)
	}
	return nil
}

func (d *linuxDevice) Disarm() error {
	// The magic character tells the driver that this close is deliberate
	// (unless the module was loaded with nowayout).
	if _, err := d.f.Write([]byte("V")); err != nil {
		return fmt.Errorf("watchdog %s: magic close: %w", d.f.Name(), err)
	}
	return d.f.Close()
}

func (d *linuxDevice) Close() error { return d.f.Close() }
