package lab

import (
	"os"
	"path/filepath"
	"strings"
)

// AddDisk attaches a sparse image of sizeMB in the lab's directory to a
// free loop device, formats it with ext4 under label, and creates dirs
// (relative paths, mode 0777) on it. It returns the device.
func (l *Lab) AddDisk(sizeMB int, label string, dirs ...string) (string, error) {
	img := filepath.Join(l.Dir, "disk.img")
	f, err := os.Create(img)
	if err != nil {
		return "", err
	}
	err = f.Truncate(int64(sizeMB) << 20)
	f.Close()
	if err != nil {
		return "", err
	}
	out, err := output("losetup", "--find", "--show", img)
	if err != nil {
		return "", err
	}
	dev := strings.TrimSpace(out)
	l.Loops = append(l.Loops, dev)
	if err := l.save(); err != nil {
		return dev, err
	}
	if err := run("mkfs.ext4", "-F", "-q", "-L", label, dev); err != nil {
		return dev, err
	}
	mnt, err := os.MkdirTemp(l.Dir, "mkfs")
	if err != nil {
		return dev, err
	}
	defer os.Remove(mnt)
	if err := run("mount", dev, mnt); err != nil {
		return dev, err
	}
	for _, d := range dirs {
		p := filepath.Join(mnt, d)
		if err = os.MkdirAll(p, 0o777); err == nil {
			err = os.Chmod(p, 0o777)
		}
		if err != nil {
			break
		}
	}
	if uerr := run("umount", mnt); err == nil {
		err = uerr
	}
	return dev, err
}
