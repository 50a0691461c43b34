#!/usr/bin/env bash
# Installs the Debian packages Baton's build and tests need. Idempotent and
# quick when everything is present: it asks dpkg first and runs apt-get only
# for what is missing.
set -euo pipefail

# Grouped by what needs them; see README.md ("Dependencies").
PACKAGES=(
  # OCF tooling: ocf-tester, ra-api-1.dtd, xmllint
  resource-agents libxml2-utils
  # real Pacemaker + Corosync for the compatibility tests
  pacemaker pacemaker-cli-utils pacemaker-dev corosync crmsh pcs
  # the cgo binding to libcib (go test -tags pacemaker)
  pkg-config gcc
  # namespaces, addresses, captures, process tools
  iproute2 tcpdump procps psmisc util-linux kmod
  # filesystems on loop devices
  e2fsprogs xfsprogs
  # NFS-Ganesha and a real NFS client
  nfs-ganesha nfs-ganesha-vfs rpcbind libnfs-utils
  # fence agents (fence_* and their metadata) for the fencer's tests
  fence-agents
  # benchmarks
  hyperfine time strace
  # baton status --watch is tested in a terminal multiplexer; promtool (in
  # Debian's prometheus package) checks the daemon's /metrics
  tmux prometheus curl
  # packages and services: installing the .deb into a staging root, listing
  # the .rpm, `systemd-analyze verify` on the units, rendering the man pages
  dpkg rpm systemd groff-base man-db
)
if [[ -n "${BATON_EXTRA_PACKAGES:-}" ]]; then
  # shellcheck disable=SC2206
  PACKAGES+=(${BATON_EXTRA_PACKAGES})
fi

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "deps: missing packages: ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep package scripts from starting daemons: tests start what they need in
# their own namespaces.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"; created_policy=1
fi
trap '[[ $created_policy == 1 ]] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
