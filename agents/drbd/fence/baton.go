package fence

import (
	"context"
	"fmt"

	"github.com/beevik/etree"
)

// Admin is the running Baton daemon's admin channel: `cib-query` returns
// the CIB, `cib-replace` installs a new one, which the daemon then
// replicates to every node. cmd/baton wires it to the admin socket.
type Admin func(ctx context.Context, method string, body, out any) error

// Baton keeps fencing constraints in the CIB of Baton's own cluster
// manager: the constraint goes through the daemon, which owns the CIB,
// raises its epoch and sends it to every node, so the peer's DC sees it.
type Baton struct {
	Call Admin
}

func (b *Baton) read(ctx context.Context) (*etree.Document, error) {
	var x string
	if err := b.Call(ctx, "cib-query", nil, &x); err != nil {
		return nil, fmt.Errorf("read Baton's CIB: %w", err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(x); err != nil {
		return nil, fmt.Errorf("Baton's CIB: %w", err)
	}
	return doc, nil
}

func (b *Baton) write(ctx context.Context, doc *etree.Document) error {
	x, err := doc.WriteToString()
	if err != nil {
		return err
	}
	if err := b.Call(ctx, "cib-replace", x, nil); err != nil {
		return fmt.Errorf("update Baton's CIB: %w", err)
	}
	return nil
}

// Place implements Constraints.
func (b *Baton) Place(ctx context.Context, res, keep string) error {
	doc, err := b.read(ctx)
	if err != nil {
		return err
	}
	changed, err := placeIn(doc, res, keep)
	if err != nil || !changed {
		return err
	}
	return b.write(ctx, doc)
}

// Remove implements Constraints.
func (b *Baton) Remove(ctx context.Context, res string) error {
	doc, err := b.read(ctx)
	if err != nil {
		return err
	}
	if !removeIn(doc, res) {
		return nil
	}
	return b.write(ctx, doc)
}

// Lookup implements Constraints.
func (b *Baton) Lookup(ctx context.Context, res string) (string, bool, error) {
	doc, err := b.read(ctx)
	if err != nil {
		return "", false, err
	}
	keep, ok := lookupIn(doc, res)
	return keep, ok, nil
}

// ConfigVar names the environment variable holding the path of Baton's
// daemon configuration; DefaultConfig is used without it.
const (
	ConfigVar     = "BATON_CONFIG"
	DefaultConfig = "/etc/baton/baton.toml"
)

// Opener returns the admin channel of the Baton daemon configured at
// config, and false when no daemon runs on this node (no configuration, or
// no admin socket). cmd/baton supplies it: the channel's protocol, keys and
// configuration are the daemon's business, not the agent's.
type Opener func(config string) (Admin, bool)
