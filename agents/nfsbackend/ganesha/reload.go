package ganesha

import (
	"bytes"
	"os"
	"strings"
)

// Ganesha's log lines that frame one re-read of the exports (SIGHUP), as
// version 4.3 writes them at NIV_EVENT.
const (
	reloadBegins = "SIGHUP_HANDLER: Received SIGHUP"
	reloadDone   = "Reread exports complete"
)

// Reload is what Ganesha's log says about the re-read of the exports that
// began after a given offset.
type Reload struct {
	Done bool // a re-read began after the offset and completed
	// Errors and Warnings are the configuration messages that name the
	// file asked about: errors mean Ganesha dropped (or never added) the
	// export; warnings (an unresolvable host name) leave it in place
	// without that client.
	Errors, Warnings []string
}

// LogSize returns the size of Ganesha's log now; 0 when there is none.
// Take it before the SIGHUP and pass it to ReadReload.
func (d Dir) LogSize() int64 {
	fi, err := os.Stat(d.LogFile())
	if err != nil {
		return 0
	}
	return fi.Size()
}

// ReadReload reads the log from offset and reports the first re-read that
// began there, and the messages about file logged from then on.
func (d Dir) ReadReload(offset int64, file string) (Reload, error) {
	f, err := os.Open(d.LogFile())
	if err != nil {
		return Reload{}, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, 0); err != nil {
		return Reload{}, err
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return Reload{}, err
	}
	return ParseReload(buf.String(), file), nil
}

// ParseReload is ReadReload on log text. A re-read counts only when its
// "Received SIGHUP" line is in the text: one that began earlier may have
// read the directory before file was written.
func ParseReload(log, file string) Reload {
	var r Reload
	begun := false
	tag := "Config File (" + file + ":"
	for _, l := range strings.Split(log, "\n") {
		switch {
		case strings.Contains(l, reloadBegins):
			begun = true
		case begun && strings.Contains(l, reloadDone):
			r.Done = true
		case begun && strings.Contains(l, tag):
			msg := l
			if i := strings.Index(l, " :CONFIG :"); i >= 0 {
				msg = l[i+len(" :CONFIG :"):]
			}
			if strings.Contains(l, ":CONFIG :WARN :") || strings.Contains(l, ":CONFIG :EVENT :") || strings.Contains(l, ":CONFIG :INFO :") {
				r.Warnings = append(r.Warnings, msg)
			} else {
				r.Errors = append(r.Errors, msg)
			}
		}
	}
	return r
}
