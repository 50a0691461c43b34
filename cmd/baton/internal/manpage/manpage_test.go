package manpage

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/agents"
)

func TestEveryConfigKeyIsDescribed(t *testing.T) {
	keys := ConfigKeys()
	if len(keys) < 20 {
		t.Fatalf("found only %d keys in config.Config; the reflection walk is broken", len(keys))
	}
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k.Dotted()] = true
		if keyDoc[k.Dotted()] == "" {
			t.Errorf("baton.toml key %s has no description: add it to keyDoc in cmd/baton/internal/manpage/config.go", k.Dotted())
		}
	}
	for k := range keyDoc {
		if !seen[k] {
			t.Errorf("keyDoc describes %s, which config.Config does not read", k)
		}
	}
	page := string(Config(Meta{Version: "1"}))
	for _, k := range keys {
		if !strings.Contains(page, `\fB`+escape(k.Name)+`\fR (`) {
			t.Errorf("baton.toml(5) lacks key %s", k.Dotted())
		}
	}
}

func TestBatonPageListsEveryCommandAndFlag(t *testing.T) {
	hidden := &cli.StringFlag{Name: "secret", Hidden: true}
	app := &cli.App{Name: "baton", Usage: "test", Commands: []*cli.Command{
		{Name: "node", Usage: "nodes", Subcommands: []*cli.Command{
			{Name: "standby", ArgsUsage: "[NODE]", Usage: "standby", Flags: []cli.Flag{
				&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Value: "/etc/x", Usage: "the file"}, hidden}},
		}},
		{Name: "internal", Hidden: true},
	}}
	got := Commands(app)
	if strings.Join(got, ",") != "baton node,baton node standby" {
		t.Fatalf("Commands: %q", got)
	}
	page := string(Baton(app, agents.All(), Meta{Version: "1"}))
	for _, want := range []string{
		`.SS "baton node standby [NODE]"`,
		`\fB\-\-config\fR, \fB\-c\fR \fIvalue\fR`,
		`Default: "/etc/x".`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("baton(8) lacks %q", want)
		}
	}
	for _, bad := range []string{"secret", "internal"} {
		if strings.Contains(page, bad) {
			t.Errorf("baton(8) shows hidden %q", bad)
		}
	}
	for _, a := range agents.All() {
		if !strings.Contains(page, escape(AgentPageName(a))+`\fR(7)`) {
			t.Errorf("baton(8) does not refer to %s(7)", AgentPageName(a))
		}
	}
}

func TestAgentPageHasEveryParameterAndAction(t *testing.T) {
	for _, a := range agents.All() {
		page := string(Agent(a, Meta{Version: "1"}))
		if !strings.HasPrefix(page, `.TH "OCF_BATON_`+strings.ToUpper(escape(a.Name))+`" 7 `) {
			t.Errorf("%s: title line %q", a.Name, strings.SplitN(page, "\n", 2)[0])
		}
		for _, p := range a.Params {
			if !strings.Contains(page, ".TP\n"+bold(p.Name)+"\n") {
				t.Errorf("%s: parameter %s missing", a.Name, p.Name)
			}
		}
		for _, s := range a.DefaultActions() {
			if !strings.Contains(page, ".TP\n"+bold(s.Name)+"\n") {
				t.Errorf("%s: action %s missing", a.Name, s.Name)
			}
		}
	}
}

func TestEscapeKeepsRoffRequestsOut(t *testing.T) {
	var p page
	p.para(".PP is text here\n'quote too\nback\\slash and --option")
	got := p.b.String()
	want := ".PP\n\\&.PP is text here\n\\&'quote too\nback\\eslash and \\-\\-option\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
