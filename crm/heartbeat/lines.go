package heartbeat

import (
	"bufio"
	"io"
	"strings"
)

// logicalLine is one directive of a Heartbeat file: comments removed,
// backslash continuations joined, with the number of its first line.
type logicalLine struct {
	N      int
	Fields []string
}

// readLines splits a Heartbeat-style file into directives. '#' starts a
// comment anywhere on a line, as in Heartbeat's own parsers; a line ending
// in '\' continues on the next.
func readLines(r io.Reader) ([]logicalLine, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var out []logicalLine
	var cur strings.Builder
	start, n := 0, 0
	for sc.Scan() {
		n++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		if cur.Len() == 0 {
			start = n
		}
		trimmed := strings.TrimRight(text, " \t\r")
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\"))
			cur.WriteByte(' ')
			continue
		}
		cur.WriteString(text)
		if f := strings.Fields(cur.String()); len(f) > 0 {
			out = append(out, logicalLine{N: start, Fields: f})
		}
		cur.Reset()
	}
	if f := strings.Fields(cur.String()); len(f) > 0 {
		out = append(out, logicalLine{N: start, Fields: f})
	}
	return out, sc.Err()
}
