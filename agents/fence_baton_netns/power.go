package fencenetns

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// Machine describes one namespace machine, as the world that made it
// writes it to devices_dir/PLUG.json.
type Machine struct {
	// NetNS is a path that opens the machine's network namespace from
	// anywhere (e.g. /proc/PID/root/run/netns/NAME of a process in the
	// host's mount namespace).
	NetNS string `json:"netns"`
	// MntNS identifies its mount namespace as /proc/PID/ns/mnt reads
	// ("mnt:[4026532000]").
	MntNS string `json:"mntns"`
	// Addresses are each link's base addresses (CIDR): what it has after
	// power-on. Others (a VIP) are runtime state and go with the power.
	Addresses map[string][]string `json:"addresses"`
}

// Switch is the power switch of the machines described in Dir.
type Switch struct {
	Dir string
	// KillWait bounds how long PowerOff waits for the processes to die;
	// default 5s.
	KillWait time.Duration
}

func (s *Switch) machine(plug string) (*Machine, error) {
	if plug == "" || strings.ContainsAny(plug, "/\x00") || strings.HasPrefix(plug, ".") {
		return nil, fmt.Errorf("plug %q is not a machine name", plug)
	}
	b, err := os.ReadFile(filepath.Join(s.Dir, plug+".json"))
	if err != nil {
		return nil, fmt.Errorf("no machine %q on this switch: %w", plug, err)
	}
	var m Machine
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("machine %q: bad description: %w", plug, err)
	}
	if m.NetNS == "" || m.MntNS == "" {
		return nil, fmt.Errorf("machine %q: description needs netns and mntns", plug)
	}
	return &m, nil
}

// Check reports whether the switch answers: its directory is readable.
func (s *Switch) Check() error {
	_, err := s.List()
	return err
}

// List returns the machines' plugs, sorted.
func (s *Switch) List() ([]string, error) {
	ents, err := os.ReadDir(s.Dir)
	if err != nil {
		return nil, fmt.Errorf("devices_dir: %w", err)
	}
	var out []string
	for _, e := range ents {
		if name, ok := strings.CutSuffix(e.Name(), ".json"); ok && !e.IsDir() {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// netID returns "net:[inode]" of the namespace file at path.
func netID(path string) (string, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return "", err
	}
	return "net:[" + strconv.FormatUint(st.Ino, 10) + "]", nil
}

// processes returns the pids whose mount or network namespace is the
// machine's.
func processes(m *Machine, netid string) []int {
	ents, _ := os.ReadDir("/proc")
	self := os.Getpid()
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		mnt, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid))
		nt, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
		if mnt == m.MntNS || (netid != "" && nt == netid) {
			out = append(out, pid)
		}
	}
	return out
}

// withLinks runs f on the machine's network namespace.
func withLinks(m *Machine, f func(h *netlink.Handle, links []netlink.Link) error) error {
	ns, err := netns.GetFromPath(m.NetNS)
	if err != nil {
		return fmt.Errorf("open network namespace %s: %w", m.NetNS, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("netlink in %s: %w", m.NetNS, err)
	}
	defer h.Close()
	all, err := h.LinkList()
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	var links []netlink.Link
	for _, l := range all {
		if l.Attrs().Flags&net.FlagLoopback == 0 {
			links = append(links, l)
		}
	}
	return f(h, links)
}

// On reports whether anything of the machine runs: a process in its
// namespaces or a link up.
func (s *Switch) On(plug string) (bool, error) {
	m, err := s.machine(plug)
	if err != nil {
		return false, err
	}
	netid, _ := netID(m.NetNS)
	if len(processes(m, netid)) > 0 {
		return true, nil
	}
	up := false
	err = withLinks(m, func(_ *netlink.Handle, links []netlink.Link) error {
		for _, l := range links {
			if l.Attrs().Flags&net.FlagUp != 0 {
				up = true
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	return up, nil
}

// PowerOff cuts the machine's power: links down first (it stops talking at
// once), runtime addresses gone, then every process killed. It returns
// only when nothing of the machine runs any more.
func (s *Switch) PowerOff(plug string) error {
	m, err := s.machine(plug)
	if err != nil {
		return err
	}
	if own, _ := os.Readlink("/proc/self/ns/mnt"); own == m.MntNS {
		return errors.New("this device cannot power off the machine it runs on")
	}
	netid, _ := netID(m.NetNS)
	linkErr := withLinks(m, func(h *netlink.Handle, links []netlink.Link) error {
		var errs []error
		for _, l := range links {
			if err := h.LinkSetDown(l); err != nil {
				errs = append(errs, fmt.Errorf("link %s down: %w", l.Attrs().Name, err))
			}
			base := map[string]bool{}
			for _, a := range m.Addresses[l.Attrs().Name] {
				base[a] = true
			}
			addrs, _ := h.AddrList(l, netlink.FAMILY_ALL)
			for _, a := range addrs {
				if a.IP.IsLinkLocalUnicast() || base[a.IPNet.String()] {
					continue
				}
				if err := h.AddrDel(l, &a); err != nil {
					errs = append(errs, fmt.Errorf("drop %s from %s: %w", a.IPNet, l.Attrs().Name, err))
				}
			}
		}
		return errors.Join(errs...)
	})
	wait := s.KillWait
	if wait <= 0 {
		wait = 5 * time.Second
	}
	deadline := time.Now().Add(wait)
	for {
		pids := processes(m, netid)
		if len(pids) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v of %s survived SIGKILL for %v", pids, plug, wait)
		}
		for _, p := range pids {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if linkErr != nil && !errors.Is(linkErr, os.ErrNotExist) {
		return linkErr
	}
	return nil
}

// PowerOn brings the machine's links back up with their base addresses.
// Its software is started by whoever boots it (the test harness).
func (s *Switch) PowerOn(plug string) error {
	m, err := s.machine(plug)
	if err != nil {
		return err
	}
	return withLinks(m, func(h *netlink.Handle, links []netlink.Link) error {
		var errs []error
		for _, l := range links {
			if err := h.LinkSetUp(l); err != nil {
				errs = append(errs, fmt.Errorf("link %s up: %w", l.Attrs().Name, err))
			}
		}
		return errors.Join(errs...)
	})
}
