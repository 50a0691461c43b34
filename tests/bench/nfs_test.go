package bench

import (
	"testing"
	"time"

	"github.com/baton-ha/baton/tests/nfs/nfsenv"
)

// BenchmarkNFSFailover moves the NFS stack (ext4 on a shared loop device,
// ocf:baton:nfsserver with NFS-Ganesha, ocf:baton:exportfs,
// ocf:baton:IPaddr) from one node to the other while a long-lived NFSv3
// client writes to one open file handle and an NFSv4 client that held state
// keeps creating files, and reports what the clients saw: with Baton's
// defaults (grace 10 s, lease 10 s) and with Ganesha's own (grace 90 s,
// lease 60 s), in one run.
func BenchmarkNFSFailover(b *testing.B) {
	for _, tc := range []struct {
		name   string
		params map[string]string
	}{
		{"baton-defaults", nil},
		{"ganesha-defaults", map[string]string{"grace_time": "90", "lease_time": "60"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				r := nfsenv.New(b)
				f := r.MeasureMove(r.ServerParams(tc.params), 5*time.Minute)
				if !f.Intact {
					b.Fatal("acknowledged NFSv3 data lost across the move")
				}
				m := f.Move
				b.ReportMetric(m.Stopped.Sub(m.Began).Seconds(), "stop-s")
				b.ReportMetric(m.ServerUp.Sub(m.Began).Seconds(), "server-up-s")
				b.ReportMetric(f.V3Gap.Seconds(), "v3-gap-s")
				b.ReportMetric(f.V3AfterUp.Seconds(), "v3-after-up-s")
				b.ReportMetric(f.V4Create.Seconds(), "v4-create-s")
				b.ReportMetric(f.V4AfterUp.Seconds(), "v4-after-up-s")
				b.Logf("%s: stop %v, server up +%v, VIP up +%v; NFSv3 gap %v (first write %v after server up); NFSv4 first create +%v (%v after server up); stop steps %v",
					tc.name, m.Stopped.Sub(m.Began), m.ServerUp.Sub(m.Began), m.Done.Sub(m.Began), f.V3Gap, f.V3AfterUp, f.V4Create, f.V4AfterUp, m.Steps)
			}
		})
	}
}
