package main

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/agents"
	"github.com/baton-ha/baton/cmd/baton/internal/manpage"
)

// baton(8) has a section for every command the binary has.
func TestManPageCoversEveryCommand(t *testing.T) {
	app := &cli.App{Name: "baton", Usage: "test", Commands: commands()}
	page := string(manpage.Baton(app, agents.All(), manpage.Meta{Version: "test"}))
	cmds := manpage.Commands(app)
	if len(cmds) < 15 {
		t.Fatalf("only %d commands found: %q", len(cmds), cmds)
	}
	for _, c := range cmds {
		// Sections are titled with the escaped command and its arguments.
		title := `.SS "` + strings.ReplaceAll(c, "-", `\-`)
		if !strings.Contains(page, title+`"`) && !strings.Contains(page, title+" ") {
			t.Errorf("baton(8) has no section for %q", c)
		}
	}
	for _, hidden := range []string{"baton man", "ipaddr"} {
		if strings.Contains(page, `.SS "`+hidden) {
			t.Errorf("baton(8) documents the hidden command %q", hidden)
		}
	}
}
