package fence

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/beevik/etree"
)

// File keeps fencing constraints in a CIB XML file in Pacemaker's layout,
// where no cluster manager runs (the VM tier's guests) or a CIB is being
// prepared. Writers take an exclusive flock on Path+".lock" and replace the
// file atomically, so that a reader never sees half a CIB. It is not the way
// into a running Baton CRM, whose controller rewrites its own copy.
type File struct {
	Path string
}

func (f *File) lock() (func(), error) {
	l, err := os.OpenFile(f.Path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock CIB file: %w", err)
	}
	if err := syscall.Flock(int(l.Fd()), syscall.LOCK_EX); err != nil {
		l.Close()
		return nil, fmt.Errorf("lock CIB file %s: %w", l.Name(), err)
	}
	return func() { l.Close() }, nil
}

func (f *File) read() (*etree.Document, *etree.Element, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(f.Path); err != nil {
		return nil, nil, fmt.Errorf("read CIB file %s: %w", f.Path, err)
	}
	cons, err := constraintsOf(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("CIB file %s: %w", f.Path, err)
	}
	return doc, cons, nil
}

func (f *File) write(doc *etree.Document) error {
	doc.Indent(2)
	tmp, err := os.CreateTemp(filepath.Dir(f.Path), ".cib-*")
	if err != nil {
		return fmt.Errorf("write CIB file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := doc.WriteTo(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write CIB file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.Path)
}

// Place implements Constraints.
func (f *File) Place(_ context.Context, res, keep string) error {
	unlock, err := f.lock()
	if err != nil {
		return err
	}
	defer unlock()
	doc, _, err := f.read()
	if err != nil {
		return err
	}
	changed, err := placeIn(doc, res, keep)
	if err != nil || !changed {
		return err
	}
	return f.write(doc)
}

// Remove implements Constraints.
func (f *File) Remove(_ context.Context, res string) error {
	unlock, err := f.lock()
	if err != nil {
		return err
	}
	defer unlock()
	doc, _, err := f.read()
	if err != nil {
		return err
	}
	if !removeIn(doc, res) {
		return nil
	}
	return f.write(doc)
}

// Lookup implements Constraints.
func (f *File) Lookup(_ context.Context, res string) (string, bool, error) {
	doc, _, err := f.read()
	if err != nil {
		return "", false, err
	}
	keep, ok := lookupIn(doc, res)
	return keep, ok, nil
}
