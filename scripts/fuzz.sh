#!/bin/sh
# Runs every go-fuzz target of the module briefly (FUZZTIME each, default
# 1s) over its seed corpus and testdata/fuzz, failing on the first crash.
# `make test` runs it; `make fuzz FUZZTIME=1m` fuzzes longer.
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-1s}
n=0
for f in $(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do
	dir=$(dirname "$f")
	for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$f"); do
		echo "fuzz $dir $target ($FUZZTIME)"
		$GO test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" "$dir" >/tmp/baton-fuzz.$$ 2>&1 || {
			cat /tmp/baton-fuzz.$$
			rm -f /tmp/baton-fuzz.$$
			echo "fuzz target $target in $dir failed" >&2
			exit 1
		}
		n=$((n + 1))
	done
done
rm -f /tmp/baton-fuzz.$$
echo "fuzz: $n targets passed"
