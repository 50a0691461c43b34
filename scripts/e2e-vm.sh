#!/usr/bin/env bash
# The VM tier (`make e2e-vm`): real DRBD 8.4, kernel nfsd and the kernel NFS
# client in qemu guests, which this host's kernel lacks. Installs the host
# packages the tier needs, builds the guest image once (cached under
# .cache/vm, rebuilt when its inputs change), then runs the tests tagged
# e2evm. Needs root. See docs/vm-tier.md.
set -euo pipefail
cd "$(dirname "$0")/.."

# Host packages of the VM tier only; `make test` does not need them.
PACKAGES=(qemu-system-x86 qemu-utils debootstrap cpio iproute2)
missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "e2e-vm: missing packages: ${missing[*]}; run as root" >&2
    exit 1
  fi
  echo "e2e-vm: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "e2e-vm: needs root (debootstrap, network namespaces, taps)" >&2
  exit 1
fi
# apt-cache must know the current kernel package.
if ! apt-cache depends linux-image-amd64 >/dev/null 2>&1; then
  apt-get update -qq
fi

GO=${GO:-go}
"$GO" run ./tests/vm/mkimage
# -p 1: the guests run under TCG and want the cores to themselves.
exec "$GO" test -tags e2evm -count=1 -p 1 -timeout "${E2E_VM_TIMEOUT:-60m}" -v ./tests/e2e/... "$@"
