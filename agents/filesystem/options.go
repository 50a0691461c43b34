package filesystem

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// MountOptions is an options parameter split the way mount(8) splits it:
// generic options become mount(2) flags, the rest is the filesystem's data
// string.
type MountOptions struct {
	Flags uintptr
	Data  string
	Bind  bool // bind or rbind
	// Userspace lists options only mount(8) understands (loop, offset=...);
	// when set, the mount is done by mount(8).
	Userspace []string
}

var flagOptions = map[string]struct {
	set   uintptr
	clear uintptr
}{
	"ro":          {unix.MS_RDONLY, 0},
	"rw":          {0, unix.MS_RDONLY},
	"nosuid":      {unix.MS_NOSUID, 0},
	"suid":        {0, unix.MS_NOSUID},
	"nodev":       {unix.MS_NODEV, 0},
	"dev":         {0, unix.MS_NODEV},
	"noexec":      {unix.MS_NOEXEC, 0},
	"exec":        {0, unix.MS_NOEXEC},
	"sync":        {unix.MS_SYNCHRONOUS, 0},
	"async":       {0, unix.MS_SYNCHRONOUS},
	"dirsync":     {unix.MS_DIRSYNC, 0},
	"mand":        {unix.MS_MANDLOCK, 0},
	"nomand":      {0, unix.MS_MANDLOCK},
	"noatime":     {unix.MS_NOATIME, 0},
	"atime":       {0, unix.MS_NOATIME},
	"nodiratime":  {unix.MS_NODIRATIME, 0},
	"diratime":    {0, unix.MS_NODIRATIME},
	"relatime":    {unix.MS_RELATIME, 0},
	"norelatime":  {0, unix.MS_RELATIME},
	"strictatime": {unix.MS_STRICTATIME, 0},
	"lazytime":    {unix.MS_LAZYTIME, 0},
	"nolazytime":  {0, unix.MS_LAZYTIME},
	"silent":      {unix.MS_SILENT, 0},
	"loud":        {0, unix.MS_SILENT},
	"bind":        {unix.MS_BIND, 0},
	"rbind":       {unix.MS_BIND | unix.MS_REC, 0},
	"defaults":    {0, 0},
}

// fstab-only options mount(8) drops before calling mount(2).
var fstabOnly = map[string]bool{
	"auto": true, "noauto": true, "user": true, "nouser": true, "users": true,
	"owner": true, "group": true, "_netdev": true, "nofail": true,
}

// ParseOptions splits a comma-separated option list. Quoted values
// (context="a,b") keep their commas.
func ParseOptions(s string) (MountOptions, error) {
	var o MountOptions
	var data []string
	for _, opt := range splitOptions(s) {
		if opt == "" {
			continue
		}
		name, _, _ := strings.Cut(opt, "=")
		switch {
		case name == "remount" || name == "move":
			return o, fmt.Errorf("option %q is an operation, not a mount option: remove it", opt)
		case strings.HasPrefix(name, "x-") || strings.HasPrefix(name, "X-") && !strings.HasPrefix(name, "X-mount."),
			name == "comment":
			continue // for tools reading fstab, never for the kernel
		case fstabOnly[name]:
			continue
		case name == "loop" || name == "offset" || name == "sizelimit" || name == "encryption" ||
			strings.HasPrefix(name, "X-mount.") || name == "helper":
			o.Userspace = append(o.Userspace, opt)
			continue
		}
		if f, ok := flagOptions[opt]; ok {
			o.Flags = (o.Flags &^ f.clear) | f.set
			if name == "bind" || name == "rbind" {
				o.Bind = true
			}
			continue
		}
		data = append(data, opt)
	}
	o.Data = strings.Join(data, ",")
	return o, nil
}

func splitOptions(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, c := range s {
		switch {
		case c == '"':
			quoted = !quoted
			cur.WriteRune(c)
		case c == ',' && !quoted:
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteRune(c)
		}
	}
	return append(out, strings.TrimSpace(cur.String()))
}

// HasOption reports whether a comma-separated list holds the option name
// (with or without a value).
func HasOption(s, name string) bool {
	for _, o := range splitOptions(s) {
		n, _, _ := strings.Cut(o, "=")
		if n == name {
			return true
		}
	}
	return false
}
