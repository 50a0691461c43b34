package status

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseStatus reads the text of `drbdsetup status [RES] [--verbose]` (and
// `drbdadm status`): DRBD 9's format, which drbd-utils 9 also prints for an
// 8.4 kernel. Resources start at column 0, local volumes and peers are
// indented by two spaces, a peer's volumes by four; every item is a list of
// key:value words, a peer line starting with the peer's name. Unknown keys
// are ignored so that newer drbd-utils do not break the agent.
func ParseStatus(text string) ([]Resource, error) {
	var out []Resource
	var cur *Resource
	var peer *Peer
	// --verbose --statistics continues an item on lines indented four
	// more than the item itself; they hold statistics only and are
	// skipped.
	itemIndent := -4
	for n, raw := range strings.Split(text, "\n") {
		line := strings.TrimRight(raw, " \t\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		words := strings.Fields(line)
		bad := func(why string) error {
			return fmt.Errorf("drbdsetup status line %d %q: %s", n+1, strings.TrimSpace(line), why)
		}
		if cur != nil && indent >= itemIndent+4 {
			continue
		}
		itemIndent = indent
		switch {
		case indent == 0:
			if strings.Contains(words[0], ":") {
				return nil, bad("expected a resource name")
			}
			out = append(out, Resource{Name: words[0], Role: Unknown})
			cur, peer = &out[len(out)-1], nil
			for _, w := range words[1:] {
				k, v, _ := strings.Cut(w, ":")
				switch k {
				case "role":
					cur.Role = Role(v)
				case "suspended":
					cur.Suspended = v
				}
			}
		case cur == nil:
			return nil, bad("indented line before any resource")
		case indent <= 2 && isLocalVolume(words):
			vol := Volume{Number: -1, Minor: -1}
			for _, w := range words {
				k, v, _ := strings.Cut(w, ":")
				switch k {
				case "volume":
					vol.Number = atoi(v, -1)
				case "minor":
					vol.Minor = atoi(v, -1)
				case "disk":
					vol.Disk = Disk(v)
				}
			}
			cur.Volumes = append(cur.Volumes, vol)
			peer = nil
		case indent <= 2:
			if strings.Contains(words[0], ":") {
				return nil, bad("expected a peer name")
			}
			cur.Peers = append(cur.Peers, Peer{Name: words[0], Role: Unknown})
			peer = &cur.Peers[len(cur.Peers)-1]
			for _, w := range words[1:] {
				k, v, _ := strings.Cut(w, ":")
				switch k {
				case "connection":
					peer.Connection = v
				case "role":
					peer.Role = Role(v)
				}
			}
		default:
			if peer == nil {
				return nil, bad("peer volume without a peer")
			}
			pv := PeerVolume{Number: -1}
			for _, w := range words {
				k, v, _ := strings.Cut(w, ":")
				switch k {
				case "volume":
					pv.Number = atoi(v, -1)
				case "replication":
					pv.Replication = v
				case "peer-disk":
					pv.Disk = Disk(v)
				case "done":
					pv.Done = v
				}
			}
			peer.Volumes = append(peer.Volumes, pv)
		}
	}
	for i := range out {
		for j := range out[i].Peers {
			p := &out[i].Peers[j]
			if p.Connection == "" {
				// 8.4's report has no connection word while connected.
				p.Connection = "Connected"
			}
		}
	}
	return out, nil
}

// isLocalVolume tells a local volume line ("disk:UpToDate", "volume:0
// disk:...") from a peer line ("nodeb role:Secondary").
func isLocalVolume(words []string) bool {
	k, _, ok := strings.Cut(words[0], ":")
	return ok && (k == "volume" || k == "disk")
}

func atoi(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}
