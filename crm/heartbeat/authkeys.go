package heartbeat

import (
	"io"
	"strconv"
	"strings"
)

// AuthKeys is a Heartbeat authkeys file: the numbered keys and the one in
// use (auth N).
type AuthKeys struct {
	Active int
	Keys   map[int]AuthKey
}

// AuthKey is one numbered key: its method (crc, sha1, md5) and secret.
type AuthKey struct {
	Method string
	Secret string
}

// ParseAuthKeys reads an authkeys file.
func ParseAuthKeys(name string, r io.Reader) (*AuthKeys, error) {
	lines, err := readLines(r)
	if err != nil {
		return nil, lineErr(name, 0, "read: %v", err)
	}
	a := &AuthKeys{Keys: map[int]AuthKey{}}
	activeLine := 0
	for _, l := range lines {
		if strings.ToLower(l.Fields[0]) == "auth" {
			if len(l.Fields) != 2 {
				return nil, lineErr(name, l.N, "expected \"auth N\", the number of the key in use")
			}
			n, err := strconv.Atoi(l.Fields[1])
			if err != nil || n < 1 || n > 15 {
				return nil, lineErr(name, l.N, "auth: %q is not a key number 1-15", l.Fields[1])
			}
			a.Active, activeLine = n, l.N
			continue
		}
		n, err := strconv.Atoi(l.Fields[0])
		if err != nil || n < 1 || n > 15 {
			return nil, lineErr(name, l.N, "expected \"N METHOD [SECRET]\" with N from 1 to 15, got %q", l.Fields[0])
		}
		if len(l.Fields) < 2 {
			return nil, lineErr(name, l.N, "key %d has no method (crc, sha1 or md5)", n)
		}
		m := strings.ToLower(l.Fields[1])
		switch m {
		case "crc":
			if len(l.Fields) > 2 {
				return nil, lineErr(name, l.N, "key %d: crc takes no secret", n)
			}
		case "sha1", "md5":
			if len(l.Fields) < 3 {
				return nil, lineErr(name, l.N, "key %d: %s needs a secret", n, m)
			}
		default:
			return nil, lineErr(name, l.N, "key %d: unknown method %q (crc, sha1 or md5)", n, l.Fields[1])
		}
		if _, dup := a.Keys[n]; dup {
			return nil, lineErr(name, l.N, "key %d is defined twice", n)
		}
		a.Keys[n] = AuthKey{Method: m, Secret: strings.Join(l.Fields[2:], " ")}
	}
	if a.Active == 0 {
		return nil, lineErr(name, 0, "no \"auth N\" line: which key is in use?")
	}
	if _, ok := a.Keys[a.Active]; !ok {
		return nil, lineErr(name, activeLine, "auth %d: no key %d is defined", a.Active, a.Active)
	}
	return a, nil
}
