package membership

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// MinKeyLen is the shortest accepted key: HMAC-SHA256 with fewer than 128
// bits of secret is guessable.
const MinKeyLen = 16

// Key is the cluster's shared secret.
type Key []byte

// LoadKey reads a key file. Like Heartbeat's authkeys, the file must not be
// readable or writable by group or others (mode 0600 or stricter), since
// anyone holding the key can forge heartbeats and take resources over. The
// whole file, less a trailing newline, is the key.
func LoadKey(path string) (Key, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("auth key file: %w (create one with `head -c 32 /dev/urandom > %s; chmod 600 %s`)", err, path, path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("auth key file %s has mode %04o: it must not be accessible by group or others; run chmod 600 %s", path, perm, path)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("auth key file %s is not a regular file", path)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		// Its owner could swap the key, or read it, at will.
		return nil, fmt.Errorf("auth key file %s is owned by uid %d, not by this process's user (uid %d); run chown %d %s", path, sys.Uid, os.Geteuid(), os.Geteuid(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth key file: %w", err)
	}
	b = []byte(strings.TrimRight(string(b), "\r\n"))
	if len(b) < MinKeyLen {
		return nil, fmt.Errorf("auth key file %s holds %d bytes; at least %d are needed (e.g. head -c 32 /dev/urandom)", path, len(b), MinKeyLen)
	}
	return Key(b), nil
}

// SignatureLen is the length of Sign's result.
const SignatureLen = sha256.Size

// Sign returns the HMAC-SHA256 of msg.
func (k Key) Sign(msg []byte) []byte { return k.sign(msg) }

// Verify checks a message whose last 32 bytes are its HMAC-SHA256 and
// returns the message without them.
func (k Key) Verify(pkt []byte) ([]byte, error) { return k.verify(pkt) }

func (k Key) sign(msg []byte) []byte {
	m := hmac.New(sha256.New, k)
	m.Write(msg)
	return m.Sum(nil)
}

// verify checks a message whose last 32 bytes are its HMAC, in constant
// time, and returns the message without them.
func (k Key) verify(pkt []byte) ([]byte, error) {
	if len(pkt) < sha256.Size {
		return nil, errors.New("packet shorter than its signature")
	}
	msg, sum := pkt[:len(pkt)-sha256.Size], pkt[len(pkt)-sha256.Size:]
	if !hmac.Equal(k.sign(msg), sum) {
		return nil, errors.New("bad signature")
	}
	return msg, nil
}
