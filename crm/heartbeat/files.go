package heartbeat

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Paths names the input files. HACF entries are FILE or NODE=FILE.
type Paths struct {
	HACF        []string
	HAResources string
	AuthKeys    string
	Exports     string
	Scripts     Scripts
}

// Load reads and parses the files.
func Load(p Paths) (Input, error) {
	var in Input
	if len(p.HACF) == 0 {
		return in, errors.New("give at least one ha.cf (--ha-cf FILE, or NODE=FILE once per node)")
	}
	for _, spec := range p.HACF {
		owner, path := "", spec
		if n, f, ok := strings.Cut(spec, "="); ok {
			owner, path = n, f
		}
		h, err := parseFile(path, ParseHACF)
		if err != nil {
			return in, err
		}
		in.HACF = append(in.HACF, h)
		in.Owner = append(in.Owner, owner)
	}
	if p.HAResources == "" {
		return in, errors.New("give the haresources file (--haresources)")
	}
	var err error
	in.ResourcesFile = p.HAResources
	if in.Resources, err = parseFile(p.HAResources, ParseHAResources); err != nil {
		return in, err
	}
	if p.AuthKeys != "" {
		in.AuthKeysFile = p.AuthKeys
		if in.AuthKeys, err = parseFile(p.AuthKeys, ParseAuthKeys); err != nil {
			return in, err
		}
	}
	if p.Exports != "" {
		in.ExportsFile = p.Exports
		if in.Exports, err = parseFile(p.Exports, ParseExports); err != nil {
			return in, err
		}
	}
	in.Scripts = p.Scripts
	return in, nil
}

func parseFile[T any](path string, parse func(string, io.Reader) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	return parse(path, f)
}

// Write puts the result into dir: cib.xml, authkey (0600), and
// NODE/baton.toml for each node. It refuses to overwrite existing files.
func (p *Plan) Write(dir string) ([]string, error) {
	cib, err := p.CIB()
	if err != nil {
		return nil, err
	}
	files := []struct {
		path string
		data []byte
		mode os.FileMode
	}{{filepath.Join(dir, "cib.xml"), cib, 0o644}, {filepath.Join(dir, "authkey"), p.Key, 0o600}}
	for _, n := range p.Nodes {
		files = append(files, struct {
			path string
			data []byte
			mode os.FileMode
		}{filepath.Join(dir, n, "baton.toml"), []byte(p.Configs[n]), 0o644})
	}
	for _, f := range files {
		if _, err := os.Lstat(f.path); err == nil {
			return nil, fmt.Errorf("%s exists: import into an empty directory (--out-dir)", f.path)
		}
	}
	var written []string
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
			return written, err
		}
		if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
			return written, err
		}
		written = append(written, f.path)
	}
	return written, nil
}
