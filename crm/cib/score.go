package cib

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/baton-ha/baton/ocf"
)

// Infinity is Pacemaker's INFINITY score; sums saturate at ±Infinity.
const Infinity = 1000000

// ParseScore reads a Pacemaker score: an integer, INFINITY, +INFINITY or
// -INFINITY (also "red"/"yellow"/"green" are not supported: they need
// cluster options and nobody uses them).
func ParseScore(s string) (int, error) {
	t := strings.TrimSpace(s)
	switch strings.ToUpper(t) {
	case "INFINITY", "+INFINITY":
		return Infinity, nil
	case "-INFINITY":
		return -Infinity, nil
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || t == "" {
		return 0, fmt.Errorf("invalid score %q: want an integer or [+-]INFINITY", s)
	}
	return clamp(int64(v)), nil
}

func clamp(v int64) int {
	if v >= Infinity {
		return Infinity
	}
	if v <= -Infinity {
		return -Infinity
	}
	return int(v)
}

// AddScores adds two scores with Pacemaker's saturation: -INFINITY wins
// over +INFINITY.
func AddScores(a, b int) int {
	if a <= -Infinity || b <= -Infinity {
		return -Infinity
	}
	if a >= Infinity || b >= Infinity {
		return Infinity
	}
	return clamp(int64(a) + int64(b))
}

// ScoreString prints a score as Pacemaker does.
func ScoreString(v int) string {
	switch {
	case v >= Infinity:
		return "INFINITY"
	case v <= -Infinity:
		return "-INFINITY"
	}
	return strconv.Itoa(v)
}

// ParseBool reads a CIB boolean with Pacemaker's contract (ocf.ParseBool,
// crm_str_to_boolean), reporting false for a value that is neither.
// Agents' instance parameters have a contract of their own (ocf.IsTrue).
func ParseBool(s string) (v, ok bool) {
	v, err := ocf.ParseBool(s)
	return v, err == nil
}

// NormalizeRole maps old and new role names onto the current ones:
// Started, Unpromoted, Promoted, Stopped. Unknown names return "" and false.
func NormalizeRole(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", true
	case "started":
		return "Started", true
	case "stopped":
		return "Stopped", true
	case "slave", "unpromoted":
		return "Unpromoted", true
	case "master", "promoted":
		return "Promoted", true
	}
	return "", false
}
