#!/usr/bin/env bash
# The two-node NFS failover demo. It needs Baton's bundled CRM (`baton
# daemon`, issue 8), which has not landed yet.
set -euo pipefail
if ! bin/baton daemon --help >/dev/null 2>&1; then
  echo "make demo: the bundled CRM (baton daemon) is not built yet; it arrives with issue 8." >&2
  echo "Meanwhile: make test runs the agents under real Pacemaker." >&2
  exit 1
fi
