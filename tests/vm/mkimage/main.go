// Command mkimage builds (or finds in the cache) the VM tier's guest image and
// prints its paths. scripts/e2e-vm.sh runs it before the VM tests, so that the
// build's progress shows outside `go test`.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/baton-ha/baton/tests/harness"
	"github.com/baton-ha/baton/tests/vm"
)

func main() {
	dir := flag.String("dir", filepath.Join(harness.RepoRoot(), ".cache", "vm"), "cache folder")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	b := &vm.Builder{Dir: *dir, Log: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	img, err := b.Ensure(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
	fmt.Printf("kernel %s\ninitrd %s\n", img.Kernel, img.Initrd)
}
