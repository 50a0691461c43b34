package cib

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"sync"

	"github.com/beevik/etree"
)

// Error is a configuration problem tied to one CIB element.
type Error struct {
	Element string // element name, e.g. rsc_colocation
	ID      string // the element's id attribute, if any
	Line    int    // 1-based line in the input, 0 if unknown
	Msg     string
}

func (e *Error) Error() string {
	where := "<" + e.Element
	if e.ID != "" {
		where += fmt.Sprintf(" id=%q", e.ID)
	}
	where += ">"
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", e.Line, where, e.Msg)
	}
	return where + ": " + e.Msg
}

// Errors is a list of configuration problems; it is itself an error.
type Errors []*Error

func (es Errors) Error() string {
	var b bytes.Buffer
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// source keeps the raw document so that line numbers can be computed only
// when they are needed: etree does not record positions, so a second pass
// with encoding/xml (which does) maps the n-th start tag to its line.
type source struct {
	raw   []byte
	once  sync.Once
	order map[*etree.Element]int
	lines []int
	root  *etree.Element
}

func (s *source) lineOf(el *etree.Element) int {
	if s == nil || el == nil {
		return 0
	}
	s.once.Do(s.index)
	i, ok := s.order[el]
	if !ok || i >= len(s.lines) {
		return 0
	}
	return s.lines[i]
}

func (s *source) index() {
	s.order = map[*etree.Element]int{}
	n := 0
	var walk func(*etree.Element)
	walk = func(e *etree.Element) {
		s.order[e] = n
		n++
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	if s.root != nil {
		walk(s.root)
	}
	d := xml.NewDecoder(bytes.NewReader(s.raw))
	d.Strict = true
	for {
		tok, err := d.RawToken()
		if err == io.EOF || err != nil {
			return
		}
		if _, ok := tok.(xml.StartElement); ok {
			line, _ := d.InputPos()
			s.lines = append(s.lines, line)
		}
	}
}

func (s *source) errorf(el *etree.Element, format string, args ...any) *Error {
	e := &Error{Msg: fmt.Sprintf(format, args...)}
	if el != nil {
		e.Element = el.Tag
		e.ID = el.SelectAttrValue("id", "")
		e.Line = s.lineOf(el)
	}
	return e
}
