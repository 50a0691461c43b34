package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/harness"
	bnetns "github.com/baton-ha/baton/tests/harness/netns"
)

// BenchmarkIPaddrMonitor measures one recurring monitor of a running
// floating address, ocf:baton:IPaddr beside Debian's ocf:heartbeat:IPaddr2,
// on the same kind of address in the same throw-away network namespace:
// median wall and CPU time over repeated whole-process runs, and the
// processes each monitor spawns (strace -f).
func BenchmarkIPaddrMonitor(b *testing.B) {
	harness.NeedRoot(b)
	const ipaddr2 = "/usr/lib/ocf/resource.d/heartbeat/IPaddr2"
	harness.NeedCommand(b, ipaddr2, "strace")
	n := bnetns.New(b)
	h := n.AddHost("a", "10.213.70.1/24")
	h.MustExec(b, "ip", "addr", "add", "fd00:213:70::1/64", "dev", "eth0", "nodad")
	baton := filepath.Join(harness.AgentDir(b, "IPaddr"), "IPaddr")
	rscTmp := b.TempDir()

	type agent struct{ name, path string }
	agents := []agent{{"baton", baton}, {"IPaddr2", ipaddr2}}
	kinds := []struct {
		name   string
		ip     func(i int) string
		params []string
	}{
		// nic and netmask given: the usual configuration.
		{"ipv4-nic", func(i int) string { return fmt.Sprintf("10.213.70.%d", 100+i) }, []string{"OCF_RESKEY_nic=eth0", "OCF_RESKEY_cidr_netmask=24"}},
		// Neither: both agents work them out from the routes.
		{"ipv4-findif", func(i int) string { return fmt.Sprintf("10.213.70.%d", 110+i) }, nil},
		{"ipv6-nic", func(i int) string { return fmt.Sprintf("fd00:213:70::%d", 100+i) }, []string{"OCF_RESKEY_nic=eth0", "OCF_RESKEY_cidr_netmask=64", "OCF_RESKEY_nodad=true"}},
	}
	const runs = 100
	for _, k := range kinds {
		for i, a := range agents {
			env := append([]string{"OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=vip-" + a.name, "HA_RSCTMP=" + rscTmp,
				"OCF_RESKEY_ip=" + k.ip(i), "OCF_RESKEY_arp_count=1",
				"OCF_RESKEY_CRM_meta_interval=10000", "OCF_RESKEY_CRM_meta_timeout=20000"}, k.params...)
			b.Run(k.name+"/"+a.name, func(b *testing.B) {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
				defer cancel()
				err := bnetns.Do(h.Name, func() error {
					if s, err := RunOnce(ctx, env, a.path, "start"); err != nil || s.Exit != 0 {
						return fmt.Errorf("%s start: exit %d, %v", a.name, s.Exit, err)
					}
					defer RunOnce(ctx, env, a.path, "stop")
					for j := 0; j < b.N; j++ {
						wall, cpu, err := Medians(ctx, runs, 0, env, a.path, "monitor")
						if err != nil {
							return err
						}
						procs, execs, err := SpawnCount(ctx, env, a.path, "monitor")
						if err != nil {
							return err
						}
						b.ReportMetric(float64(wall.Microseconds())/1000, "ms-wall-median")
						b.ReportMetric(float64(cpu.Microseconds())/1000, "ms-cpu-median")
						b.ReportMetric(float64(procs), "children")
						b.ReportMetric(float64(execs), "programs-run")
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
