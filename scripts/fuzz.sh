#!/bin/sh
# Runs every go-fuzz target of the module briefly (FUZZTIME each) over its
# seed corpus and testdata/fuzz, failing on the first crash. `make test` runs
# it; `make fuzz FUZZTIME=1m` fuzzes longer.
#
# The default is a count of executions, not a duration: Go up to 1.26 has a
# race in its fuzzing coordinator (go.dev/issue/75804) that fails a
# duration-bounded run with a bare "context deadline exceeded" when the
# deadline falls while a worker is busy, more often on a loaded machine. A
# count never arms that deadline. A duration run that fails that way without
# writing a failing input is reported as the toolchain race, not as a crash.
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-3000x}
out=$(mktemp /tmp/baton-fuzz.XXXXXX)
trap 'rm -f "$out"' EXIT
n=0
for f in $(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do
	dir=$(dirname "$f")
	for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$f"); do
		echo "fuzz $dir $target ($FUZZTIME)"
		if ! $GO test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" "$dir" >"$out" 2>&1; then
			if grep -q '^    context deadline exceeded$' "$out" && ! grep -q 'Failing input written to' "$out"; then
				echo "fuzz: $target stopped by Go's fuzz deadline race (go.dev/issue/75804), no failing input; not a crash"
			else
				cat "$out"
				echo "fuzz target $target in $dir failed" >&2
				exit 1
			fi
		fi
		n=$((n + 1))
	done
done
echo "fuzz: $n targets passed"
