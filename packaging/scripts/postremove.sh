#!/bin/sh
# After removal: forget the units. On purge, remove what the daemon created
# at run time (its CIB copy and sockets); the key and baton.toml are
# configuration and go with dpkg's purge of conffiles (the key was not
# installed by the package and stays).
set -e
if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
if [ "${1:-}" = "purge" ]; then
	rm -rf "${DPKG_ROOT:-}/var/lib/baton"
fi
exit 0
