// Command nfsclient is the long-lived NFSv3 client of Baton's NFS tests
// (demo/nfsclient): it writes to one open file handle across a failover,
// prints every attempt as a JSON line, and on SIGTERM reads the file back
// and reports whether every acknowledged byte is there.
//
// It runs inside the client's network namespace (ip netns exec), so that
// every socket it makes, including reconnections, belongs to that
// namespace.
package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/baton-ha/baton/demo/nfsclient"
)

func main() {
	var c nfsclient.Config
	flag.StringVar(&c.Server, "server", "", "server address")
	flag.StringVar(&c.Export, "export", "", "export path")
	flag.StringVar(&c.File, "file", "stream.dat", "file name in the export")
	flag.IntVar(&c.Chunk, "chunk", 4096, "bytes per write")
	flag.DurationVar(&c.Interval, "interval", 20*time.Millisecond, "pause between writes")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := nfsclient.Run(ctx, c, os.Stdout); err != nil {
		os.Exit(1)
	}
}
