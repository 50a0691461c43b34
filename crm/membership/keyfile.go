package membership

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// NewKeyLen is how many random bytes a generated key holds: 256 bits, the
// HMAC-SHA256 block's worth of secret.
const NewKeyLen = 32

// NewKey returns a fresh random key, hex-encoded so that the key file is
// text (LoadKey trims a trailing newline, which raw random bytes could end
// with) and can be compared or copied between nodes by eye.
func NewKey() (Key, error) {
	b := make([]byte, NewKeyLen)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("reading random bytes for a key: %w", err)
	}
	return Key(hex.EncodeToString(b)), nil
}

// ErrKeyExists is returned by WriteKey when the file exists and overwrite
// was not asked for: replacing the key on one node cuts it off from the
// others until every node has the new one.
var ErrKeyExists = errors.New("key file exists")

// WriteKey writes k to path with mode 0600, as LoadKey requires. Without
// overwrite an existing file is left alone and ErrKeyExists returned. With
// it the new key goes to a temporary file in the same directory that is
// renamed over the old one, so a reader never sees a half-written key.
func WriteKey(path string, k Key, overwrite bool) error {
	data := append([]byte(k), '\n')
	if !overwrite {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w (use --force to replace it, then copy it to every node)", path, ErrKeyExists)
		}
		if err != nil {
			return fmt.Errorf("creating key file: %w", err)
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			os.Remove(path)
			return fmt.Errorf("writing key file %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			os.Remove(path)
			return fmt.Errorf("writing key file %s: %w", path, err)
		}
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("creating key file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	// CreateTemp makes the file 0600 already; say so for umask-independence.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("key file %s: %w", tmp.Name(), err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing key file %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing key file %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replacing key file %s: %w", path, err)
	}
	return nil
}
