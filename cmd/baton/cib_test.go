package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/crm/verify"
)

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	app := &cli.App{Name: "baton", Commands: commands(), Writer: &out, ErrWriter: &out, ExitErrHandler: func(*cli.Context, error) {}}
	err := app.Run(append([]string{"baton"}, args...))
	return out.String(), err
}

// An oversized CIB is refused by verify and by cib replace with the size
// limit as the reason, before it is read whole or sent (before: 8 s and
// 0.9 GB for verify, "broken pipe" for replace).
func TestOversizedCIBSaysWhy(t *testing.T) {
	f := filepath.Join(t.TempDir(), "big.xml")
	w, err := os.Create(f)
	if err != nil {
		t.Fatal(err)
	}
	w.WriteString(`<cib><configuration><resources>`)
	pad := strings.Repeat("<!-- filler filler filler filler filler filler -->\n", 1024)
	for written := 0; written <= verify.MaxSize; written += len(pad) {
		w.WriteString(pad)
	}
	w.WriteString(`</resources></configuration></cib>`)
	w.Close()
	for _, args := range [][]string{{"verify", "-x", f}, {"cib", "replace", f, "--config", "/nonexistent.toml"}} {
		out, err := runCLI(t, args...)
		msg := out
		if err != nil {
			msg += err.Error()
		}
		if err == nil || !strings.Contains(msg, "Baton accepts CIBs up to 4194304 bytes") {
			t.Errorf("baton %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// cib replace refuses what verify refuses, naming the file, before it asks
// the daemon anything.
func TestCIBReplaceRefusesWhatVerifyRefuses(t *testing.T) {
	f := filepath.Join(t.TempDir(), "bad.xml")
	bad := `<cib><configuration><resources><primitive id="a" class="ocf" provider="../.." type="x"/></resources>` +
		`<constraints><rsc_order id="o" first="a" then="ghost"/></constraints></configuration></cib>`
	if err := os.WriteFile(f, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	vout, verr := runCLI(t, "verify", "-x", f)
	if verr == nil || !strings.Contains(vout, `names no configured resource`) || !strings.Contains(vout, `must be a name`) {
		t.Fatalf("verify: %v\n%s", verr, vout)
	}
	_, err := runCLI(t, "cib", "replace", f, "--config", "/nonexistent.toml")
	if err == nil || !strings.Contains(err.Error(), f) || !strings.Contains(err.Error(), `names no configured resource`) ||
		!strings.Contains(err.Error(), `must be a name`) {
		t.Fatalf("cib replace: %v", err)
	}
}
