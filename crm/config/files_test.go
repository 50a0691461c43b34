package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckFiles(t *testing.T) {
	dir := t.TempDir()
	cib := filepath.Join(dir, "cib.xml")
	if err := os.WriteFile(cib, []byte("<cib/>"), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	base := strings.Replace(good, `cib = "/etc/baton/cib.xml"`, "cib = \""+cib+"\"\nstate_dir = \""+state+"\"", 1)
	load := func(t *testing.T, s string) (*Config, string) {
		t.Helper()
		p := write(t, s)
		c, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		return c, p
	}
	c, _ := load(t, base)
	if err := c.CheckFiles(); err != nil {
		t.Fatalf("good config (state_dir not made yet): %v", err)
	}
	tests := []struct {
		name  string
		edit  func() string
		want  string
		setup func(t *testing.T)
	}{
		{name: "missing CIB", edit: func() string { return strings.Replace(base, cib, filepath.Join(dir, "nope.xml"), 1) }, want: "cib: stat"},
		{name: "state_dir 0777", edit: func() string { return base }, want: "state_dir: " + state + " has mode 0777",
			setup: func(t *testing.T) {
				if err := os.Mkdir(state, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(state, 0o777); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.RemoveAll(state) })
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup(t)
			}
			c, p := load(t, tt.edit())
			err := c.CheckFiles()
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("CheckFiles = %v, want %q naming %s", err, tt.want, p)
			}
		})
	}
}
