// Command packaging builds Baton's .deb and .rpm with nfpm, as a library:
// nfpm.yaml describes both packages; this program adds what only the build
// knows (the version, one OCF symlink per agent as `baton agent list`
// prints them, the manual pages `baton man` wrote) and writes the package.
//
// Run from the repository's top (make deb, make rpm):
//
//	go run -C packaging . -format deb -version 0.1.0 -out bin
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
	_ "github.com/goreleaser/nfpm/v2/rpm"
)

func main() {
	var o options
	flag.StringVar(&o.format, "format", "deb", "package format: deb or rpm")
	flag.StringVar(&o.top, "top", "..", "the repository's top directory (paths in the config are relative to it)")
	flag.StringVar(&o.config, "config", "packaging/nfpm.yaml", "nfpm configuration, relative to -top")
	flag.StringVar(&o.baton, "baton", "bin/baton", "the built binary, relative to -top")
	flag.StringVar(&o.man, "man", "bin/man", "the manual pages `baton man` wrote (man5/, man7/, man8/), relative to -top")
	flag.StringVar(&o.version, "version", "0.0.0", "package version (semver; a prerelease such as 0.1.0-git.abc1234 sorts before 0.1.0)")
	flag.StringVar(&o.out, "out", "bin", "directory for the package, relative to -top")
	flag.Parse()
	path, err := build(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "packaging:", err)
		os.Exit(1)
	}
	fmt.Println(path)
}

type options struct {
	format, top, config, baton, man, version, out string
}

func build(o options) (string, error) {
	if err := os.Chdir(o.top); err != nil {
		return "", err
	}
	cfg, err := nfpm.ParseFile(o.config)
	if err != nil {
		return "", fmt.Errorf("%s: %w", o.config, err)
	}
	info, err := cfg.Get(o.format)
	if err != nil {
		return "", fmt.Errorf("%s: %w", o.config, err)
	}
	// ParseFile already applied nfpm's defaults (version v0.0.0-rc0): clear
	// its prerelease so that WithDefaults splits ours.
	info.Version, info.Prerelease, info.VersionMetadata = o.version, "", ""
	if info.MTime.IsZero() {
		info.MTime = sourceDate()
	}
	info = nfpm.WithDefaults(info)

	// The binary comes from -baton, wherever the configuration says.
	for _, c := range info.Contents {
		if c.Destination == "/usr/sbin/baton" {
			c.Source = o.baton
		}
	}
	agents, err := agentNames(o.baton)
	if err != nil {
		return "", err
	}
	for _, a := range agents {
		// The binary recognises the agent by the link's name. The target is
		// relative, as Debian policy (10.5) asks within /usr, so the links
		// also work in an image or staging root.
		info.Contents = append(info.Contents, &files.Content{
			Source: "../../../../sbin/baton", Destination: "/usr/lib/ocf/resource.d/baton/" + a, Type: files.TypeSymlink})
	}
	tmp, err := os.MkdirTemp("", "baton-packaging-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	pages, err := manPages(o.man, tmp)
	if err != nil {
		return "", err
	}
	info.Contents = append(info.Contents, pages...)

	if err := nfpm.PrepareForPackager(info, o.format); err != nil {
		return "", fmt.Errorf("preparing the %s contents: %w", o.format, err)
	}
	pkg, err := nfpm.Get(o.format)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(o.out, pkg.ConventionalFileName(info))
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := pkg.Package(info, f); err != nil {
		f.Close()
		os.Remove(path)
		return "", fmt.Errorf("building %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return filepath.Abs(path)
}

// agentNames asks the binary for its agents: the package carries a symlink
// for each, however many there are.
func agentNames(baton string) ([]string, error) {
	bin := baton
	if !filepath.IsAbs(bin) {
		bin = "./" + filepath.Clean(bin)
	}
	out, err := exec.Command(bin, "agent", "list").Output()
	if err != nil {
		return nil, fmt.Errorf("%s agent list: %w (run make build first)", baton, err)
	}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s agent list printed no agent", baton)
	}
	return names, nil
}

// manPages gzips every page under dir (as Debian policy and rpm's
// brp-compress expect) into tmp and returns them as package contents under
// /usr/share/man.
func manPages(dir, tmp string) ([]*files.Content, error) {
	found, err := filepath.Glob(filepath.Join(dir, "man[1-9]", "*.[1-9]"))
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("no manual pages under %s (run `baton man --dir %s` first)", dir, dir)
	}
	sort.Strings(found)
	var out []*files.Content
	for _, src := range found {
		section := filepath.Base(filepath.Dir(src))
		gz := filepath.Join(tmp, section, filepath.Base(src)+".gz")
		if err := gzipFile(src, gz); err != nil {
			return nil, err
		}
		out = append(out, &files.Content{Source: gz, Destination: "/usr/share/man/" + section + "/" + filepath.Base(gz),
			FileInfo: &files.ContentFileInfo{Mode: 0o644}})
	}
	return out, nil
}

func gzipFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	// No name or time in the header: the same page gives the same bytes.
	zw, err := gzip.NewWriterLevel(out, gzip.BestCompression)
	if err != nil {
		out.Close()
		return err
	}
	if _, err := io.Copy(zw, in); err != nil {
		out.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// sourceDate is SOURCE_DATE_EPOCH when set (reproducible builds), else now.
func sourceDate() time.Time {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		var sec int64
		if _, err := fmt.Sscan(s, &sec); err == nil {
			return time.Unix(sec, 0).UTC()
		}
	}
	return time.Now().UTC()
}
