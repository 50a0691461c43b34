#!/bin/sh
# Before removal (not before an upgrade): stop the services. Stopping
# baton.service stops the resources running on this node first.
# dpkg passes "remove"; rpm passes the number of versions left (0 on erase).
set -e
case "${1:-}" in
remove | 0) ;;
*) exit 0 ;;
esac
if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
	systemctl stop baton.service baton-witness.service >/dev/null 2>&1 || true
	systemctl disable baton.service baton-witness.service >/dev/null 2>&1 || true
fi
exit 0
