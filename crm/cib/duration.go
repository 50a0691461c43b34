package cib

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseISODuration reads an ISO 8601 duration, P[nY][nM][nW][nD][T[nH][nM][nS]]
// (case-insensitive; the last number may have a fraction). Pacemaker
// accepts these wherever it takes an interval or a timeout, and like
// Pacemaker takes H and S before the T too ("P10S"), where they cannot be
// mistaken for a date part. A year counts
// 365 days and a month 30, since an interval has no calendar to count in.
func ParseISODuration(s string) (time.Duration, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(t, "P") || len(t) < 2 {
		return 0, fmt.Errorf("not an ISO 8601 duration: want e.g. PT10S, P1D, PT1M30S")
	}
	const day = 24 * time.Hour
	units := map[bool]map[byte]time.Duration{
		false: {'Y': 365 * day, 'M': 30 * day, 'W': 7 * day, 'D': day, 'H': time.Hour, 'S': time.Second},
		true:  {'H': time.Hour, 'M': time.Minute, 'S': time.Second},
	}
	var total time.Duration
	inTime := false
	num := ""
	seen := false
	for i := 1; i < len(t); i++ {
		ch := t[i]
		switch {
		case ch >= '0' && ch <= '9' || ch == '.' || ch == ',':
			if ch == ',' {
				ch = '.'
			}
			num += string(ch)
		case ch == 'T':
			if inTime || num != "" {
				return 0, fmt.Errorf("misplaced T in ISO 8601 duration")
			}
			inTime = true
		default:
			unit, ok := units[inTime][ch]
			if !ok || num == "" {
				return 0, fmt.Errorf("unexpected %q in ISO 8601 duration: want numbers followed by Y, M, W, D or, after T, H, M, S", string(ch))
			}
			v, err := strconv.ParseFloat(num, 64)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("bad number %q in ISO 8601 duration", num)
			}
			part := time.Duration(v * float64(unit))
			if v > float64(1<<62)/float64(unit) {
				return 0, fmt.Errorf("ISO 8601 duration too long")
			}
			total += part
			num = ""
			seen = true
		}
	}
	if num != "" || !seen {
		return 0, fmt.Errorf("ISO 8601 duration lacks a unit after %q", num)
	}
	return total, nil
}
