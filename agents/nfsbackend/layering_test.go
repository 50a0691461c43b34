package nfsbackend

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const agentsPkg = "github.com/baton-ha/baton/agents/"

// TestNFSAgentsDoNotImportEachOther keeps each NFS agent package one
// agent: what two of them share lives here, not in one of them.
func TestNFSAgentsDoNotImportEachOther(t *testing.T) {
	agents := map[string]bool{}
	for _, a := range []string{"nfsserver", "exportfs", "nfsnotify"} {
		if _, err := os.Stat(filepath.Join("..", a)); err == nil {
			agents[a] = true
		}
	}
	if !agents["nfsserver"] || !agents["exportfs"] {
		t.Fatal("agents/nfsserver or agents/exportfs is missing: run the test from agents/nfsbackend")
	}
	for a := range agents {
		files, _ := filepath.Glob(filepath.Join("..", a, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				rest, ok := strings.CutPrefix(p, agentsPkg)
				if !ok {
					continue
				}
				other, _, _ := strings.Cut(rest, "/")
				if agents[other] && other != a {
					t.Errorf("%s imports %s: move what both agents use into agents/nfsbackend (or a package of its own)", f, p)
				}
			}
		}
	}
}
