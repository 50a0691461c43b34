package fencevm

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// The key is the cluster key's kind (crm/membership: the whole file less a
// trailing newline, at least 16 bytes, mode 0600, owned by the reader),
// checked here again because agents import no cluster-manager package
// (agents/deps_test.go).

// MinKeyLen is the shortest accepted key.
const MinKeyLen = 16

// signatureLen is the length of Key.Sign's result.
const signatureLen = sha256.Size

// Key is the secret the agent and the switch share.
type Key []byte

// Sign returns the HMAC-SHA256 of msg.
func (k Key) Sign(msg []byte) []byte {
	m := hmac.New(sha256.New, k)
	m.Write(msg)
	return m.Sum(nil)
}

// LoadKey reads a key file, which must be a regular file of this user's
// that neither group nor others may read or write: whoever holds the key
// can power the guests off.
func LoadKey(path string) (Key, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w (create one with `head -c 32 /dev/urandom > %s; chmod 600 %s`, the same as the switch's)", err, path, path)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%s has mode %04o: it must not be accessible by group or others; run chmod 600 %s", path, perm, path)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return nil, fmt.Errorf("%s is owned by uid %d, not by this process's user (uid %d)", path, sys.Uid, os.Geteuid())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b = []byte(strings.TrimRight(string(b), "\r\n"))
	if len(b) < MinKeyLen {
		return nil, fmt.Errorf("%s holds %d bytes; at least %d are needed (e.g. head -c 32 /dev/urandom)", path, len(b), MinKeyLen)
	}
	return Key(b), nil
}
