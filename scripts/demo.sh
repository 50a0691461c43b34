#!/usr/bin/env bash
# make demo: a two-node Baton cluster serving NFS through a floating IP, in
# network namespaces on this machine, with a failover. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -ne 0 ]]; then
  echo "make demo needs root (network namespaces, a loop device, mounts)" >&2
  exit 1
fi
BATON_DEMO=1 exec go test -tags urfave_cli_no_docs ./tests/demo -run '^TestDemo$' -count=1 -v -timeout 5m
