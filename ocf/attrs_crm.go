package ocf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// CrmAttribute publishes attributes through Pacemaker's crm_attribute, as
// resource-agents do. The local node is implied: crm_attribute finds it.
type CrmAttribute struct {
	Bin      string // path of crm_attribute
	Instance string // OCF_RESOURCE_INSTANCE, which --promotion reads
}

func (c *CrmAttribute) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, c.Bin, args...)
	cmd.Env = append(os.Environ(), "OCF_RESOURCE_INSTANCE="+c.Instance)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out.String(), &crmError{args: args, code: ee.ExitCode(), stderr: strings.TrimSpace(errb.String())}
		}
		return "", fmt.Errorf("run %s: %w (is Pacemaker's CLI installed?)", c.Bin, err)
	}
	return out.String(), nil
}

type crmError struct {
	args   []string
	code   int
	stderr string
}

func (e *crmError) Error() string {
	return fmt.Sprintf("crm_attribute %s failed with exit %d: %s", strings.Join(e.args, " "), e.code, e.stderr)
}

// notFound tells "no such attribute" (crm_attribute exits 105, ENXIO-like
// CRM_EX_NOSUCH) apart from real failures.
func notFound(err error) bool {
	var ce *crmError
	return errors.As(err, &ce) && ce.code == 105
}

func (c *CrmAttribute) SetPromotion(ctx context.Context, score int) error {
	_, err := c.run(ctx, "--promotion", "-v", strconv.Itoa(score))
	return err
}

func (c *CrmAttribute) DeletePromotion(ctx context.Context) error {
	_, err := c.run(ctx, "--promotion", "-D")
	return err
}

func (c *CrmAttribute) Promotion(ctx context.Context) (int, bool, error) {
	out, err := c.run(ctx, "--promotion", "-G", "-q")
	if notFound(err) {
		return 0, false, nil
	}
	return promotionFrom(strings.TrimSpace(out), err == nil, err)
}

func (c *CrmAttribute) Set(ctx context.Context, name, value string, l Lifetime) error {
	_, err := c.run(ctx, "-n", name, "-v", value, "-l", string(l))
	return err
}

func (c *CrmAttribute) Get(ctx context.Context, name string, l Lifetime) (string, bool, error) {
	out, err := c.run(ctx, "-n", name, "-G", "-q", "-l", string(l))
	if notFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return strings.TrimSpace(out), true, nil
}

func (c *CrmAttribute) Delete(ctx context.Context, name string, l Lifetime) error {
	_, err := c.run(ctx, "-n", name, "-D", "-l", string(l))
	return err
}

// Dampener is implemented by attribute channels that can hold a changed
// transient attribute back for a dampening delay before it reaches the CIB,
// as Pacemaker's attribute manager does for attrd_updater -d: a value that
// flaps within the delay causes no transition. Agents that publish
// measurements (ping) use it when present and plain Set otherwise.
type Dampener interface {
	// SetDampened sets a reboot-lifetime attribute of the local node;
	// first also (re)sets the attribute's delay, as at start.
	SetDampened(ctx context.Context, name, value string, delay time.Duration, first bool) error
	// DeleteDampened removes it after the delay.
	DeleteDampened(ctx context.Context, name string, delay time.Duration) error
}

// attrdUpdater runs Pacemaker's attrd_updater, which sits beside
// crm_attribute.
func (c *CrmAttribute) attrdUpdater(ctx context.Context, args ...string) error {
	bin := filepath.Join(filepath.Dir(c.Bin), "attrd_updater")
	cmd := exec.CommandContext(ctx, bin, args...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return &crmError{args: append([]string{"(attrd_updater)"}, args...), code: ee.ExitCode(), stderr: strings.TrimSpace(errb.String())}
		}
		return fmt.Errorf("run %s: %w (is Pacemaker's CLI installed?)", bin, err)
	}
	return nil
}

// delayArg renders a dampening delay for attrd_updater -d.
func delayArg(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}

// SetDampened implements Dampener with attrd_updater -B (value and delay)
// or -U (value).
func (c *CrmAttribute) SetDampened(ctx context.Context, name, value string, delay time.Duration, first bool) error {
	op := "-U"
	if first {
		op = "-B"
	}
	return c.attrdUpdater(ctx, "-n", name, op, value, "-d", delayArg(delay))
}

// DeleteDampened implements Dampener with attrd_updater -D.
func (c *CrmAttribute) DeleteDampened(ctx context.Context, name string, delay time.Duration) error {
	return c.attrdUpdater(ctx, "-n", name, "-D", "-d", delayArg(delay))
}
