// Package filesystem is ocf:baton:Filesystem, a drop-in for
// ocf:heartbeat:Filesystem: it mounts a filesystem (a block device by path,
// LABEL= or UUID=, a bind mount, or a network filesystem) on a directory,
// checks it at three depths, and unmounts it. Stop is built for the case
// that gets nodes fenced: when the mount is busy it finds the users through
// /proc by mount ID (no fuser), signals only them, and gives up within the
// operation's timeout with the list of what still holds the mount.
package filesystem

import (
	"context"
	"os"
	"os/exec"
	"time"

	"github.com/baton-ha/baton/agents/filesystem/blockdev"
	"github.com/baton-ha/baton/agents/filesystem/holders"
	"github.com/baton-ha/baton/ocf"
)

// Config holds the agent's view of the host. Zero fields get the real
// host's: /proc, /dev, /sys, PATH lookups, and re-executing the agent for
// bounded device I/O.
type Config struct {
	Proc     string // "/proc"
	Resolver *blockdev.Resolver
	Holders  *holders.Table
	LookPath func(string) (string, error)
	Hostname func() (string, error)
	// IOProbe performs one depth-10/20 I/O check and must give up when ctx
	// ends. The default runs it in a child process (this agent again, in
	// probe mode) so that I/O stuck in the kernel cannot keep the agent
	// from exiting; InProcessIO runs it in a goroutine instead, for tests.
	IOProbe func(ctx context.Context, op IOOp) error
	// Self is the PID never to signal, with its ancestors (default: this
	// process).
	Self int
}

func (c *Config) fill() {
	if c.Proc == "" {
		c.Proc = "/proc"
	}
	if c.Resolver == nil {
		c.Resolver = blockdev.Host()
	}
	if c.Holders == nil {
		c.Holders = &holders.Table{Root: c.Proc}
	}
	if c.LookPath == nil {
		c.LookPath = exec.LookPath
	}
	if c.Hostname == nil {
		c.Hostname = os.Hostname
	}
	if c.IOProbe == nil {
		c.IOProbe = ChildIO(agentName)
	}
	if c.Self == 0 {
		c.Self = os.Getpid()
	}
}

const agentName = "Filesystem"

type agent struct{ cfg Config }

// New returns the agent.
func New(cfg Config) *ocf.Agent {
	cfg.fill()
	return &ocf.Agent{
		Name:      agentName,
		Version:   "1.0",
		Shortdesc: "Manages filesystem mounts",
		Longdesc: `Mounts a filesystem on a directory and unmounts it, as a drop-in for
ocf:heartbeat:Filesystem (same parameters).

device names a block device (a path, a symlink, LABEL=... or UUID=...; labels
and UUIDs are resolved from the superblocks, with or without udev), a
directory to bind-mount (options=bind, fstype=none), or a network filesystem
(host:/export, //server/share), which is mounted with mount(8).

Monitor depths (OCF_CHECK_LEVEL): 0 checks /proc/self/mountinfo and starts no
process; 10 reads the first 64 KiB of the device with O_DIRECT; 20 writes and
reads back a status file in the filesystem with O_DIRECT and O_SYNC. Depth 10
and 20 give up at the operation's deadline and report a hung device or
filesystem instead of hanging.

When the filesystem is busy at stop, the processes holding this mount (open
files, working or root directory, memory maps; matched by mount ID, so a
process in a parent directory or in another bind mount of the same device is
never touched) are sent term_signals, then kill_signals, within the stop
timeout. The agent never signals itself, its ancestors or PID 1, and never
falls back to a lazy unmount.`,
		Params: params(),
		Actions: []ocf.ActionSpec{
			{Name: ocf.ActionStart, Timeout: 60 * time.Second},
			{Name: ocf.ActionStop, Timeout: 60 * time.Second},
			{Name: ocf.ActionMonitor, Timeout: 40 * time.Second, Interval: 20 * time.Second},
			{Name: ocf.ActionValidateAll, Timeout: 5 * time.Second},
			{Name: ocf.ActionMetaData, Timeout: 5 * time.Second},
		},
		Impl: &agent{cfg: cfg},
	}
}
