#!/usr/bin/env bash
# make demo: `baton demo`, a two-node Baton cluster serving NFS through a
# floating IP, in network namespaces on this machine, with a failover.
# Arguments go to baton demo (--keep, --down, --kill NODE). Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -ne 0 ]]; then
  echo "make demo needs root (network namespaces, a loop device, mounts)" >&2
  exit 1
fi
exec bin/baton demo "$@"
