#!/usr/bin/env bash
# Runs one fuzz target: hack/fuzz.sh PACKAGE TARGET FUZZTIME
#
# Go 1.26's fuzzing coordinator can end a duration-bound run with a bare
# "context deadline exceeded" at the -fuzztime boundary, with no failing
# input written (golang/go#75804, fixed in Go 1.27). Such a run is retried
# once; anything else that fails (a failing input written, a panic, a test
# error) fails at once, and a second bare deadline fails too.
set -uo pipefail
pkg=$1 target=$2 fuzztime=$3
go=${GO:-go}
for attempt in 1 2; do
	out=$("$go" test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" -fuzzminimizetime=2s "$pkg" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	[ $rc -eq 0 ] && exit 0
	if [ $attempt -eq 1 ] && grep -q 'context deadline exceeded' <<<"$out" &&
		! grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:' <<<"$out"; then
		echo "fuzz: $target ended on Go's fuzztime deadline race (golang/go#75804), no failing input: running it again"
		continue
	fi
	exit $rc
done
