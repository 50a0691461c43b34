package heartbeat

import (
	"strings"
	"testing"
)

// The parsers take files an administrator wrote: whatever they hold, the
// result is a value or an error, never a panic, and an import of whatever
// parses is the same.
func FuzzImport(f *testing.F) {
	f.Add("node a b\nucast eth0 10.0.0.2\nucast eth1 10.1.0.2\nkeepalive 500ms\n", "a 10.0.0.9/24/eth0 drbddisk::r0 Filesystem::/dev/drbd0::/data::ext4 nfsd\n", "auth 1\n1 sha1 secretsecretsecret\n", "/data *(rw,fsid=7) h(ro)\n")
	f.Add("node a\\\n b\nbcast eth0\n", "#a x\na IPaddr::10.0.0.1/255.255.255.0\n", "auth 1\n1 crc\n", "/data -rw h1 h2(ro)\n")
	f.Fuzz(func(t *testing.T, hacf, res, keys, exports string) {
		h, err1 := ParseHACF("ha.cf", strings.NewReader(hacf))
		r, err2 := ParseHAResources("haresources", strings.NewReader(res))
		k, err3 := ParseAuthKeys("authkeys", strings.NewReader(keys))
		e, err4 := ParseExports("exports", strings.NewReader(exports))
		if err1 != nil || err2 != nil {
			return
		}
		in := Input{HACF: []*HACF{h}, Owner: []string{h.Nodes[0]}, Resources: r, ResourcesFile: "haresources",
			Scripts: MapScripts{}}
		if err3 == nil {
			in.AuthKeys, in.AuthKeysFile = k, "authkeys"
		}
		if err4 == nil {
			in.Exports, in.ExportsFile = e, "exports"
		}
		plan, err := Import(in, Options{Rand: zeroes{}})
		if err != nil {
			return
		}
		if _, err := plan.CIB(); err != nil {
			t.Fatal(err)
		}
		_ = plan.PcsCommands("cib.xml")
	})
}
