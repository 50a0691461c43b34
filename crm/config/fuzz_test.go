package config

import (
	"strings"
	"testing"
)

// FuzzParse: any file content gives a config or an error naming the file,
// never a panic.
func FuzzParse(f *testing.F) {
	f.Add(good)
	f.Add(strings.Replace(good, `keepalive = "250ms"`, `keepalive = "-1s"`, 1))
	f.Add("[ping]\ninterval = \"1e400h\"\n")
	f.Add("node = \"\x00\"\n[[link]]\naddress = \"::ffff:127.0.0.1\"\n")
	f.Fuzz(func(t *testing.T, data string) {
		c, err := Parse("fuzz.toml", []byte(data))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.toml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if c.Heartbeat.Keepalive.Duration <= 0 || c.Heartbeat.Deadtime.Duration <= c.Heartbeat.Keepalive.Duration ||
			c.Ping.Interval.Duration <= 0 || len(c.Node) > maxName {
			t.Fatalf("accepted a config outside the bounds: %+v", c)
		}
	})
}
