package fence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/beevik/etree"
)

// Cibadmin keeps fencing constraints in Pacemaker's CIB through cibadmin, as
// crm-fence-peer does.
type Cibadmin struct {
	Bin string // path of cibadmin; "cibadmin" when empty
}

func (c *Cibadmin) run(ctx context.Context, args ...string) (string, error) {
	bin := c.Bin
	if bin == "" {
		bin = "cibadmin"
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out.String(), fmt.Errorf("cibadmin %s: exit %d: %s", strings.Join(args, " "), ee.ExitCode(),
				strings.TrimSpace(errb.String()))
		}
		return "", fmt.Errorf("run %s: %w (is Pacemaker's CLI installed?)", bin, err)
	}
	return out.String(), nil
}

func (c *Cibadmin) query(ctx context.Context, section string) (*etree.Element, error) {
	out, err := c.run(ctx, "--query", "--scope", section)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(out); err != nil {
		return nil, fmt.Errorf("cibadmin --query --scope %s: unreadable XML: %w", section, err)
	}
	if doc.Root() == nil {
		return nil, fmt.Errorf("cibadmin --query --scope %s: empty answer", section)
	}
	return doc.Root(), nil
}

// Place implements Constraints.
func (c *Cibadmin) Place(ctx context.Context, res, keep string) error {
	cons, err := c.query(ctx, "constraints")
	if err != nil {
		return err
	}
	if old, k := findConstraint(cons, res); old != nil {
		if k == keep {
			return nil
		}
		return fmt.Errorf("%w: constraint %s keeps %q", ErrFencedElsewhere, old.SelectAttrValue("id", ""), k)
	}
	rscs, err := c.query(ctx, "resources")
	if err != nil {
		return err
	}
	clone, err := FindClone(rscs, res)
	if err != nil {
		return err
	}
	doc := etree.NewDocument()
	doc.SetRoot(Constraint(res, clone, keep))
	xml, err := doc.WriteToString()
	if err != nil {
		return err
	}
	_, err = c.run(ctx, "--create", "--scope", "constraints", "--xml-text", xml)
	return err
}

// Remove implements Constraints.
func (c *Cibadmin) Remove(ctx context.Context, res string) error {
	cons, err := c.query(ctx, "constraints")
	if err != nil {
		return err
	}
	old, _ := findConstraint(cons, res)
	if old == nil {
		return nil
	}
	doc := etree.NewDocument()
	e := doc.CreateElement("rsc_location")
	e.CreateAttr("id", old.SelectAttrValue("id", ""))
	xml, err := doc.WriteToString()
	if err != nil {
		return err
	}
	_, err = c.run(ctx, "--delete", "--scope", "constraints", "--xml-text", xml)
	return err
}

// Lookup implements Constraints.
func (c *Cibadmin) Lookup(ctx context.Context, res string) (string, bool, error) {
	cons, err := c.query(ctx, "constraints")
	if err != nil {
		return "", false, err
	}
	old, keep := findConstraint(cons, res)
	return keep, old != nil, nil
}
