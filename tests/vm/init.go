package vm

// guestInit is the guests' PID 1, the one /init of the VM tier: the base
// image carries it and every boot's overlay (buildInitrd) replaces it with
// the current text, so changing it never rebuilds the base image. It mounts
// the pseudo file systems, takes the host name and addresses from the kernel
// command line, brings up the links, announces readiness on the serial port
// and serves a shell there. The shell reads the serial port through a pipe, so it is not
// interactive: no prompt, no echo, no job-control chatter on the line the
// harness parses.
const guestInit = `#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t tmpfs run /run
mkdir -p /run/lock /run/resource-agents /run/drbd /var/lib/drbd
mount -t tmpfs tmp /tmp
echo 1 > /proc/sys/kernel/printk
name=vm; ip1=; ip2=; ip3=
for x in $(cat /proc/cmdline); do
  case $x in
    vmname=*) name=${x#vmname=} ;;
    vmip=*) ip1=${x#vmip=} ;;
    vmip2=*) ip2=${x#vmip2=} ;;
    vmip3=*) ip3=${x#vmip3=} ;;
  esac
done
hostname "$name"
echo "$name" > /etc/hostname
modprobe virtio_pci; modprobe virtio_net; modprobe virtio_blk
ip link set lo up
if [ -n "$ip1" ]; then ip addr add "$ip1" dev eth0; ip link set eth0 up; fi
if [ -n "$ip2" ]; then ip addr add "$ip2" dev eth1; ip link set eth1 up; fi
if [ -n "$ip3" ]; then ip addr add "$ip3" dev eth2; ip link set eth2 up; fi
stty -F /dev/ttyS0 raw -echo
echo BATON-VM-READY > /dev/ttyS0
while :; do
  cat /dev/ttyS0 | /bin/bash --noprofile --norc >/dev/ttyS0 2>&1
done
`
