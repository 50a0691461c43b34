package nfs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/nfs/nfsenv"
)

// Addresses of the clientspec test, inside the rig's own namespaces: node
// a and the client also share the seed's service network and an IPv6
// network on the rig's bridge.
const (
	seedNet   = "192.168.0.0/24"
	seedSrv   = "192.168.0.1"
	seedCli   = "192.168.0.50"
	v6Srv     = "fd00:77::1"
	v6Cli     = "fd00:77::50"
	rigSrv    = nfsenv.Prefix + "1"
	rigCli    = nfsenv.Prefix + "50"
	cliName   = "client1.test"
	netgroup  = "nfsgrp"
	nsswitch  = "passwd: files\ngroup: files\nhosts: files\nnetgroup: files\n"
	hostsFile = "127.0.0.1 localhost\n" + seedCli + " " + cliName + "\n"
)

// TestGaneshaClientspec exports through Ganesha to each form of client
// exports(5) knows and checks, with a real NFS client, that the clients in
// the spec mount and the others are refused. The client reaches node a
// from three addresses: seedCli (192.168.0.50, named client1.test, in
// netgroup nfsgrp), v6Cli and rigCli.
func TestGaneshaClientspec(t *testing.T) {
	r := nfsenv.New(t)
	a := r.Nodes[0]
	r.MustNode(a, "ip", "addr", "add", seedSrv+"/24", "dev", "eth0")
	r.MustNode(a, "ip", "addr", "add", v6Srv+"/64", "dev", "eth0", "nodad")
	r.Client.MustExec(t, "ip", "addr", "add", seedCli+"/24", "dev", "eth0")
	r.Client.MustExec(t, "ip", "addr", "add", v6Cli+"/64", "dev", "eth0", "nodad")
	// Name services of node a (Ganesha resolves host names, wildcards and
	// netgroups through them): files only, in its own mount namespace.
	etc := t.TempDir()
	for name, text := range map[string]string{"nsswitch.conf": nsswitch, "hosts": hostsFile,
		"netgroup": netgroup + " (" + cliName + ",,)\n"} {
		if err := os.WriteFile(filepath.Join(etc, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat("/etc/" + name); err != nil {
			r.MustNode(a, "touch", "/etc/"+name)
		}
		r.MustNode(a, "mount", "--bind", filepath.Join(etc, name), "/etc/"+name)
	}

	r.Mount(a)
	server := r.ServerParams(nil)
	r.MustAgent(a, "nfsserver", "nfs", "start", server, 0)
	t.Cleanup(func() { r.Agent(a, "nfsserver", "nfs", "stop", server) })

	mounts := func(srv string) bool {
		out, code := r.ClientRun(20*time.Second, "nfs-ls", "nfs://"+srv+r.Export())
		if code != 0 && !strings.Contains(out, "ACCES") && !strings.Contains(out, "Permission denied") {
			t.Logf("nfs-ls via %s: exit %d: %s", srv, code, out)
		}
		return code == 0
	}
	for _, tc := range []struct {
		name, spec string
		allowed    []string // server addresses the client mounts through
		refused    []string
	}{
		{"seed network", seedNet, []string{seedSrv}, []string{rigSrv, v6Srv}},
		{"IPv6 network", "fd00:77::/64", []string{v6Srv}, []string{rigSrv, seedSrv}},
		{"host name", cliName, []string{seedSrv}, []string{rigSrv, v6Srv}},
		{"wildcard", "*.test", []string{seedSrv}, []string{rigSrv}},
		{"netgroup", "@" + netgroup, []string{seedSrv}, []string{rigSrv}},
		{"several clients", rigCli + " " + v6Cli, []string{rigSrv, v6Srv}, []string{seedSrv}},
		{"netmask", nfsenv.Prefix + "0/255.255.255.0", []string{rigSrv}, []string{seedSrv, v6Srv}},
		{"everyone", "*", []string{rigSrv, seedSrv, v6Srv}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exp := r.ExportParams()
			exp["clientspec"] = tc.spec
			exp["options"] = "rw,sync,no_root_squash"
			r.MustAgent(a, "exportfs", "exp", "start", exp, 0)
			defer r.MustAgent(a, "exportfs", "exp", "stop", exp, 0)
			r.MustAgent(a, "exportfs", "exp", "monitor", exp, 0)
			for _, srv := range tc.allowed {
				if !mounts(srv) {
					t.Errorf("clientspec %q: the client (%s) cannot mount through %s\n%s", tc.spec, srv, srv, logTail(r.GaneshaLog(a)))
				}
			}
			for _, srv := range tc.refused {
				if mounts(srv) {
					t.Errorf("clientspec %q: the client mounts through %s, from an address outside the spec", tc.spec, srv)
				}
			}
		})
	}

	// The seed's export takes writes from its network.
	exp := r.ExportParams()
	exp["clientspec"], exp["options"] = seedNet, "rw,sync,no_root_squash"
	r.MustAgent(a, "exportfs", "exp", "start", exp, 0)
	src := filepath.Join(t.TempDir(), "seed")
	if err := os.WriteFile(src, []byte("written through the seed's export\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := r.ClientRun(20*time.Second, "nfs-cp", src, "nfs://"+seedSrv+r.Export()+"/seed"); code != 0 {
		t.Fatalf("write through the seed's export: %s", out)
	}
	if got := r.MustNode(a, "cat", filepath.Join(r.Export(), "seed")); got != "written through the seed's export\n" {
		t.Fatalf("the file on the server holds %q", got)
	}
	r.MustAgent(a, "exportfs", "exp", "stop", exp, 0)
	if mounts(seedSrv) {
		t.Fatal("the export is still served after stop")
	}
}

func logTail(log string) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	return strings.Join(lines[max(0, len(lines)-8):], "\n")
}
