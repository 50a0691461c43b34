#!/bin/sh
# After install or upgrade: let a running systemd see the (new) units. The
# service is neither enabled nor started: it needs this node's
# /etc/baton/baton.toml and the cluster's key first (baton(8)).
# Installs into another root (DPKG_ROOT, image builds) touch nothing here.
set -e
if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
