package vm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Spec describes one guest.
type Spec struct {
	Name   string   // host name inside the guest, e.g. "nodea"
	Addrs  []string // one CIDR per NIC, in NIC order (eth0, eth1, ...)
	Nets   []string // the bridge of each NIC, same order as Addrs
	DiskMB int      // size of a raw virtio disk (/dev/vda); 0 for none
	MemMB  int      // guest RAM; 1024 when 0
}

// Machine is a running guest.
type Machine struct {
	Spec Spec
	Taps []string // tap device of each NIC, same order as Spec.Nets
	Disk string   // host path of the disk image, "" without one
	Log  string   // host path of the serial log (of this boot)
	Boot int      // 1 for the first boot, 2 after one Restart, ...

	args []string // qemu's command line (run through ip netns exec)
	cmd  *exec.Cmd
	sock string
	mon  string // qemu's human monitor, a unix socket
	conn net.Conn

	mu   sync.Mutex // one command at a time
	seq  int
	bufM sync.Mutex
	buf  bytes.Buffer
	more chan struct{} // signalled when buf grows
	dead chan struct{} // closed when qemu exits
}

// ReadyMarker is what the guest's init prints once the shell is up.
const ReadyMarker = "BATON-VM-READY"

// Boot starts spec under qemu (TCG) inside n's namespace with kernel and
// initrd, and waits until the guest's shell answers. runDir holds the
// serial socket, the log and the disk image.
//
// qemu runs with -no-reboot: a guest that resets (a watchdog firing, a
// reboot, a panic: the kernel runs with panic=-1) ends its qemu, which the
// harness sees on Dead. Restart boots it again on the same disk and NICs.
func Boot(ctx context.Context, n *Net, kernel, initrd, runDir string, spec Spec) (*Machine, error) {
	if spec.MemMB == 0 {
		// The RAM root (about 235 MB unpacked since the image carries
		// Pacemaker and Corosync, plus the 89 MB archive while the kernel
		// unpacks it) left too little of 512 MB for the cluster stack.
		spec.MemMB = 1024
	}
	m := &Machine{Spec: spec}
	args := []string{"netns", "exec", n.NS, "qemu-system-x86_64",
		"-name", spec.Name,
		"-accel", "tcg,tb-size=256", "-m", strconv.Itoa(spec.MemMB), "-smp", "1",
		"-nodefaults", "-display", "none", "-no-reboot",
		"-kernel", kernel, "-initrd", initrd,
	}
	appendArg := "console=ttyS0 quiet panic=-1 vmname=" + spec.Name
	for i, br := range spec.Nets {
		// Taps are made persistent (ip tuntap add): they outlive a qemu
		// that exits, so a restarted guest plugs into the same ones.
		tap, err := n.AddTap(ctx, br)
		if err != nil {
			return nil, err
		}
		m.Taps = append(m.Taps, tap)
		mac := fmt.Sprintf("52:54:00:%02x:%02x:%02x", len(n.NS)%256, hostByte(spec.Name), i+1)
		args = append(args, "-netdev", fmt.Sprintf("tap,id=n%d,ifname=%s,script=no,downscript=no", i, tap),
			"-device", fmt.Sprintf("virtio-net-pci,netdev=n%d,mac=%s", i, mac))
		if i < len(spec.Addrs) && spec.Addrs[i] != "" {
			key := "vmip"
			if i > 0 {
				key = fmt.Sprintf("vmip%d", i+1)
			}
			appendArg += " " + key + "=" + spec.Addrs[i]
		}
	}
	if spec.DiskMB > 0 {
		m.Disk = filepath.Join(runDir, spec.Name+".img")
		if err := createDisk(m.Disk, spec.DiskMB); err != nil {
			return nil, err
		}
		args = append(args, "-drive", "file="+m.Disk+",if=virtio,format=raw,cache=unsafe")
	}
	m.args = append(args, "-append", appendArg)
	if err := m.launch(ctx, runDir, 1); err != nil {
		return nil, err
	}
	return m, nil
}

// Restart boots the guest again after its qemu exited (a reset under
// -no-reboot, or Kill: a power cycle): same kernel command line, NICs and
// disk, whose contents persist; the RAM root file system starts afresh. It
// returns the new Machine; m stays dead. Each boot logs to its own file.
func (m *Machine) Restart(ctx context.Context) (*Machine, error) {
	select {
	case <-m.dead:
	default:
		return nil, fmt.Errorf("%s: restart of a guest that still runs (Kill it first)", m.Spec.Name)
	}
	if m.conn != nil {
		m.conn.Close()
	}
	n := &Machine{Spec: m.Spec, Taps: m.Taps, Disk: m.Disk, args: m.args}
	if err := n.launch(ctx, filepath.Dir(m.sock), m.Boot+1); err != nil {
		return nil, err
	}
	return n, nil
}

// launch starts qemu for boot number boot and waits for the guest's shell.
func (m *Machine) launch(ctx context.Context, runDir string, boot int) error {
	m.Boot = boot
	m.more, m.dead = make(chan struct{}, 1), make(chan struct{})
	base := m.Spec.Name
	if boot > 1 {
		base = fmt.Sprintf("%s.boot%d", m.Spec.Name, boot)
	}
	m.sock, m.Log = filepath.Join(runDir, base+".sock"), filepath.Join(runDir, base+".log")
	m.mon = filepath.Join(runDir, base+".mon")
	args := append([]string{}, m.args...)
	args = append(args, "-chardev", "socket,id=ser0,path="+m.sock+",server=on,wait=off,logfile="+m.Log,
		"-serial", "chardev:ser0", "-monitor", "unix:"+m.mon+",server=on,wait=off")
	m.cmd = exec.Command("ip", args...)
	qlog, err := os.Create(filepath.Join(runDir, base+".qemu.log"))
	if err != nil {
		return err
	}
	m.cmd.Stdout, m.cmd.Stderr = qlog, qlog
	// Its own process group, so that a kill reaches qemu and not only ip.
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := m.cmd.Start(); err != nil {
		qlog.Close()
		return fmt.Errorf("start qemu for %s: %w", m.Spec.Name, err)
	}
	go func() {
		_ = m.cmd.Wait()
		qlog.Close()
		close(m.dead)
	}()
	if err := m.connect(ctx); err != nil {
		m.Kill()
		return err
	}
	if err := m.waitFor(ctx, 0, ReadyMarker); err != nil {
		m.Kill()
		return fmt.Errorf("%s did not boot: %w (serial log: %s)", m.Spec.Name, err, m.Log)
	}
	return nil
}

func hostByte(name string) int {
	h := 0
	for _, c := range name {
		h = h*31 + int(c)
	}
	return h & 0xff
}

func createDisk(path string, mb int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Truncate(int64(mb) << 20)
}

// connect dials the serial socket, which qemu creates shortly after it
// starts, and copies everything the guest writes into the buffer.
func (m *Machine) connect(ctx context.Context) error {
	for {
		c, err := net.Dial("unix", m.sock)
		if err == nil {
			m.conn = c
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("serial socket %s: %w", m.sock, err)
		case <-m.dead:
			return fmt.Errorf("qemu for %s exited at start; see %s", m.Spec.Name,
				strings.TrimSuffix(m.Log, ".log")+".qemu.log")
		case <-time.After(50 * time.Millisecond):
		}
	}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := m.conn.Read(b)
			if n > 0 {
				m.bufM.Lock()
				m.buf.Write(b[:n])
				m.bufM.Unlock()
				select {
				case m.more <- struct{}{}:
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return nil
}

// waitFor waits until the serial output from offset on contains s.
func (m *Machine) waitFor(ctx context.Context, offset int, s string) error {
	for {
		m.bufM.Lock()
		ok := bytes.Contains(m.buf.Bytes()[offset:], []byte(s))
		m.bufM.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-m.dead:
			return errors.New("the VM is gone")
		case <-m.more:
		}
	}
}

// Result is the outcome of one command in the guest.
type Result struct {
	Out  string // standard output and error, interleaved
	Code int    // exit status
}

var markerRe = regexp.MustCompile(`__BATON_END_(\d+)_(\d+)\r?\n`)

// Run runs a shell command line in the guest and returns its combined output
// and exit status. The command's standard input is /dev/null; background
// jobs must redirect their output, since the serial line is the shell's own.
func (m *Machine) Run(ctx context.Context, command string) (Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	seq := m.seq
	m.bufM.Lock()
	start := m.buf.Len()
	m.bufM.Unlock()
	// Through a pipe, so that programs see no terminal (no colours, no
	// pagers), as they would under a cluster manager.
	line := fmt.Sprintf("{ %s\n} </dev/null 2>&1 | cat; echo __BATON_END_%d_${PIPESTATUS[0]}\n", command, seq)
	if _, err := m.conn.Write([]byte(line)); err != nil {
		return Result{}, fmt.Errorf("%s: write to serial: %w", m.Spec.Name, err)
	}
	for {
		m.bufM.Lock()
		data := m.buf.Bytes()[start:]
		// A command whose caller gave up (its ctx ended) may still finish
		// after this one was sent: its output and marker come first, since
		// the shell runs one command at a time. Skip past them.
		var res *Result
		from := 0
		for _, loc := range markerRe.FindAllSubmatchIndex(data, -1) {
			if string(data[loc[2]:loc[3]]) != strconv.Itoa(seq) {
				from = loc[1]
				continue
			}
			code, _ := strconv.Atoi(string(data[loc[4]:loc[5]]))
			res = &Result{Out: string(data[from:loc[0]]), Code: code}
			break
		}
		m.bufM.Unlock()
		if res != nil {
			return *res, nil
		}
		select {
		case <-ctx.Done():
			return Result{}, fmt.Errorf("%s: %q: %w", m.Spec.Name, command, ctx.Err())
		case <-m.dead:
			return Result{}, fmt.Errorf("%s: %q: the VM is gone", m.Spec.Name, command)
		case <-m.more:
		}
	}
}

// MustRun runs command and returns its output, or an error that names the
// command, its status and its output when the status is not 0.
func (m *Machine) MustRun(ctx context.Context, command string) (string, error) {
	r, err := m.Run(ctx, command)
	if err != nil {
		return "", err
	}
	if r.Code != 0 {
		return r.Out, fmt.Errorf("%s: %q exited %d:\n%s", m.Spec.Name, command, r.Code, r.Out)
	}
	return r.Out, nil
}

// Kill ends qemu with SIGKILL: for the guest, a power cut. It is safe to
// call more than once and waits until the process is gone.
func (m *Machine) Kill() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	select {
	case <-m.dead:
		return
	default:
	}
	// The process group holds ip (exec'd into qemu) and nothing else.
	_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-m.dead:
	case <-time.After(10 * time.Second):
	}
	if m.conn != nil {
		m.conn.Close()
	}
}

// Dead is closed once qemu has exited.
func (m *Machine) Dead() <-chan struct{} { return m.dead }

// Serial returns everything the guest has written to its serial port.
func (m *Machine) Serial() string {
	m.bufM.Lock()
	defer m.bufM.Unlock()
	return m.buf.String()
}

// SetLink sets the link state of NIC nic (0 for eth0) as the guest sees it,
// through qemu's monitor (set_link): down, the guest's driver reports the
// carrier lost, as when a cable is pulled out of the server's own socket.
// Net.Cut, by contrast, leaves the guest's link up. Both together are a
// cable pulled between the server and its switch port seen from both ends.
func (m *Machine) SetLink(ctx context.Context, nic int, up bool) error {
	state := "off"
	if up {
		state = "on"
	}
	out, err := m.Monitor(ctx, fmt.Sprintf("set_link n%d %s", nic, state))
	if err != nil {
		return err
	}
	if o := strings.ToLower(out); strings.Contains(o, "error") || strings.Contains(o, "not found") || strings.Contains(o, "unknown") {
		return fmt.Errorf("%s: set_link n%d %s: %s", m.Spec.Name, nic, state, strings.TrimSpace(out))
	}
	return nil
}

// Monitor runs one command of qemu's human monitor and returns what it
// printed before the next prompt.
func (m *Machine) Monitor(ctx context.Context, command string) (string, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", m.mon)
	if err != nil {
		return "", fmt.Errorf("%s: qemu monitor: %w", m.Spec.Name, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	} else {
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	}
	const prompt = "(qemu) "
	var buf bytes.Buffer
	readPrompt := func() error {
		b := make([]byte, 1024)
		for !bytes.HasSuffix(buf.Bytes(), []byte(prompt)) {
			n, err := c.Read(b)
			buf.Write(b[:n])
			if err != nil {
				return fmt.Errorf("%s: qemu monitor: %w (read %q)", m.Spec.Name, err, buf.String())
			}
		}
		return nil
	}
	if err := readPrompt(); err != nil { // the banner
		return "", err
	}
	buf.Reset()
	if _, err := c.Write([]byte(command + "\n")); err != nil {
		return "", fmt.Errorf("%s: qemu monitor: %w", m.Spec.Name, err)
	}
	if err := readPrompt(); err != nil {
		return "", err
	}
	// The monitor echoes the command line (with terminal escapes) first.
	out := strings.TrimSuffix(buf.String(), prompt)
	if i := strings.Index(out, "\n"); i >= 0 {
		out = out[i+1:]
	} else {
		out = ""
	}
	return strings.ReplaceAll(out, "\r", ""), nil
}
