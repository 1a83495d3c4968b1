#!/usr/bin/env bash
#
# fuzz.sh - build every libFuzzer target and run each for a while.
#
# Usage: scripts/fuzz.sh [SECONDS]      (default 60 seconds per target)
#
# Configures a separate clang build directory (build-fuzz/, or
# $GLINT_FUZZ_BUILD_DIR) with -DGLINT_FUZZ=ON and builds only the targets
# tests/fuzz/fuzz_*.c. The whole build, the libraries included, is compiled
# with -fsanitize=fuzzer-no-link,address,undefined: the fuzz CMake puts
# -fsanitize=fuzzer only on the target files, and without this the decoders
# in glint_proto would have neither coverage feedback nor ASan checks.
#
# Each target runs with -max_total_time=SECONDS over a scratch copy of its
# seed corpus tests/fuzz/corpus/<name>/, so the committed seeds are never
# touched; new corpus entries are thrown away at the end. Crash, leak and
# timeout inputs are written as tests/fuzz/crash-<name>-* (ignored by git).
# To keep one as a regression test, fix the bug, then move the file into
# tests/fuzz/corpus/<name>/, where ctest's replay_<name> replays it.
#
# Prints one line per target (executions, time, coverage) and exits 1 if
# any target found something. $GLINT_FUZZ_JOBS targets run at once
# (default 1; the fuzzers are single-threaded).
set -euo pipefail

usage() {
	echo "usage: $0 [SECONDS]" >&2
	exit 2
}

secs=${1:-60}
[[ $# -le 1 && $secs =~ ^[0-9]+$ && $secs -gt 0 ]] || usage
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GLINT_FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${GLINT_FUZZ_JOBS:-1}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || usage
san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

targets=()
for src in "$root"/tests/fuzz/fuzz_*.c; do
	targets+=("$(basename "$src" .c)")
done
[[ ${#targets[@]} -gt 0 ]] || { echo "no fuzz targets" >&2; exit 2; }

CC=clang cmake -S "$root" -B "$build" -DGLINT_FUZZ=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS="$san" >/dev/null
cmake --build "$build" -j2 --target "${targets[@]}"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/glint-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# run_one NAME: fuzz one target; leaves NAME.log, NAME.rc and NAME.secs.
run_one() {
	local name=$1 short=${1#fuzz_} start rc=0

	mkdir -p "$scratch/corpus/$short"
	if [[ -d $root/tests/fuzz/corpus/$short ]]; then
		cp -R "$root/tests/fuzz/corpus/$short/." "$scratch/corpus/$short/"
	fi
	start=$(date +%s)
	"$build/tests/fuzz/$name" -max_total_time="$secs" -timeout=10 \
		-print_final_stats=1 \
		-artifact_prefix="$root/tests/fuzz/crash-$short-" \
		"$scratch/corpus/$short" >"$scratch/$name.log" 2>&1 || rc=$?
	echo $(($(date +%s) - start)) >"$scratch/$name.secs"
	echo "$rc" >"$scratch/$name.rc"
}

running=0
for name in "${targets[@]}"; do
	if ((running >= jobs)); then
		wait -n
		running=$((running - 1))
	fi
	echo "fuzzing $name for ${secs}s"
	run_one "$name" &
	running=$((running + 1))
done
wait

failed=0
for name in "${targets[@]}"; do
	log=$scratch/$name.log
	rc=$(cat "$scratch/$name.rc")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
	corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
	line=$(printf '%-12s execs %s in %ss (%s/s), cov %s, corpus %s' \
		"$name" "${execs:-?}" "$(cat "$scratch/$name.secs")" \
		"${rate:-?}" "${cov:-?}" "${corp:-?}")
	if [[ $rc == 0 ]]; then
		echo "ok    $line"
	else
		failed=1
		echo "FAIL  $line: exit $rc"
		grep -E 'ERROR: |property failed|Test unit written to' "$log" |
			sed 's/^/      /' || true
		cp "$log" "$root/tests/fuzz/crash-${name#fuzz_}-log.txt"
		echo "      full log: tests/fuzz/crash-${name#fuzz_}-log.txt"
	fi
done
exit $failed
