//go:build pacemaker

package live

/*
#cgo pkg-config: pacemaker pacemaker-cib
#include <stdlib.h>
#include "libcib_helpers.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// Cib is a connection to the CIB manager through libcib (build tag
// "pacemaker").
type Cib struct {
	mu     sync.Mutex
	cib    *C.cib_t
	closed bool
}

var (
	subMu    sync.Mutex
	subFn    CibEventFunc
	loopOnce sync.Once
)

// OpenCib connects to the CIB: the live one, or a file or shadow copy.
func OpenCib(options ...func(*CibOpenConfig)) (*Cib, error) {
	var cfg CibOpenConfig
	for _, o := range options {
		o(&cfg)
	}
	var file, shadow *C.char
	if cfg.File != "" {
		file = C.CString(cfg.File)
		defer C.free(unsafe.Pointer(file))
	}
	if cfg.Shadow != "" {
		shadow = C.CString(cfg.Shadow)
		defer C.free(unsafe.Pointer(shadow))
	}
	c := C.baton_cib_open(file, shadow)
	if c == nil {
		return nil, fmt.Errorf("libcib: cannot create a CIB connection")
	}
	cmd := C.int(0)
	if cfg.Connection == Command {
		cmd = 1
	}
	if rc := C.baton_cib_signon(c, cmd); rc != 0 {
		C.baton_cib_close(c)
		if cfg.File != "" {
			return nil, fmt.Errorf("libcib: open CIB file %s: %s", cfg.File, C.GoString(C.baton_cib_strerror(rc)))
		}
		return nil, fmt.Errorf("libcib: sign on to the CIB manager: %s (is Pacemaker running here?)", C.GoString(C.baton_cib_strerror(rc)))
	}
	return &Cib{cib: c}, nil
}

func (c *Cib) query(xpath string) (*CibDocument, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	var cx *C.char
	if xpath != "" {
		cx = C.CString(xpath)
		defer C.free(unsafe.Pointer(cx))
	}
	var out *C.char
	if rc := C.baton_cib_query(c.cib, cx, &out); rc != 0 {
		return nil, fmt.Errorf("libcib: query %q: %s", xpath, C.GoString(C.baton_cib_strerror(rc)))
	}
	if out == nil {
		return nil, fmt.Errorf("libcib: query %q returned nothing", xpath)
	}
	defer C.free(unsafe.Pointer(out))
	return &CibDocument{xml: C.GoString(out)}, nil
}

// Query returns the whole CIB.
func (c *Cib) Query() (*CibDocument, error) { return c.query("") }

// QueryXPath returns the part of the CIB that xpath selects.
func (c *Cib) QueryXPath(xpath string) (*CibDocument, error) { return c.query(xpath) }

// Subscribe calls callback with the whole new CIB after every change.
// libcib dispatches notifications from a GLib main loop, which runs on its
// own locked OS thread from the first subscription on; one subscription
// per process.
func (c *Cib) Subscribe(callback CibEventFunc) (chan error, error) {
	subMu.Lock()
	if subFn != nil {
		subMu.Unlock()
		return nil, fmt.Errorf("libcib: only one subscription per process")
	}
	subFn = callback
	subMu.Unlock()
	c.mu.Lock()
	rc := C.baton_cib_subscribe(c.cib)
	c.mu.Unlock()
	if rc != 0 {
		return nil, fmt.Errorf("libcib: subscribe: %s", C.GoString(C.baton_cib_strerror(rc)))
	}
	errc := make(chan error, 1)
	loopOnce.Do(func() {
		go func() {
			runtime.LockOSThread()
			C.baton_mainloop_run()
		}()
	})
	return errc, nil
}

//export batonCibChanged
func batonCibChanged(xml *C.char) {
	subMu.Lock()
	fn := subFn
	subMu.Unlock()
	if fn != nil {
		fn(UpdateEvent, &CibDocument{xml: C.GoString(xml)})
	}
}

//export batonCibGone
func batonCibGone() {
	subMu.Lock()
	fn := subFn
	subMu.Unlock()
	if fn != nil {
		fn(DestroyEvent, nil)
	}
}

// Close signs off and frees the connection.
func (c *Cib) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	subMu.Lock()
	subFn = nil
	subMu.Unlock()
	C.baton_cib_close(c.cib)
}
