#!/bin/sh
# test.sh - install what is needed, build, and run Glint's whole test suite:
#   1. the normal build (-Wall -Wextra -Werror): unit tests, fuzz corpus
#      replay and the integration tests (real servers, real mounts) by ctest,
#      the integration suite twice: as it is, and with LZ4 as the file
#      systems' default compression (integration_lz4);
#   2. the same suite but integration_lz4 (run once, in step 1, to keep
#      CI's time) in an AddressSanitizer + UndefinedBehaviorSanitizer build
#      (the data-integrity exerciser, 100,000 operations per configuration in
#      step 1, runs GLINT_FSX_OPS_ASAN there, default 10,000: sanitized
#      servers and client are several times slower, and step 1 already
#      covers the long run), and the 100,000-entry directory test
#      GLINT_READDIR_ENTRIES_ASAN entries, default 10,000 (each MDS
#      operation's nested LMDB txn allocates ~2.5 MiB, which ASan maps
#      fresh every time: 100,000 creates take over ten minutes there);
#   3. every libFuzzer target for GLINT_FUZZ_SECONDS each (default 20).
# Exits nonzero on the first failure. Needs root (FUSE mounts, apt-get).
# This is the README's test command and all that .ci/run runs.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc)

./scripts/install-deps.sh

step() { printf '\n=== %s ===\n' "$*"; }

step "build (RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"

step "tests (build)"
(cd build && ctest --output-on-failure -j"$jobs")

step "build (ASan+UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DGLINT_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"

step "tests (ASan+UBSan)"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	GLINT_FSX_OPS=${GLINT_FSX_OPS_ASAN:-10000} \
	GLINT_READDIR_ENTRIES=${GLINT_READDIR_ENTRIES_ASAN:-10000} \
	ctest --output-on-failure -j"$jobs" -E integration_lz4)

step "fuzz (${GLINT_FUZZ_SECONDS:-20} s per target)"
GLINT_FUZZ_JOBS=${GLINT_FUZZ_JOBS:-2} ./scripts/fuzz.sh "${GLINT_FUZZ_SECONDS:-20}"

step "all tests passed"
