#!/bin/sh
# install-deps.sh - install every Debian package that Glint's build, tests,
# fuzzers and benchmarks need. Idempotent: installs only what is missing, and
# runs apt-get update only when something is. Needs root (or sudo).
set -eu

PKGS="build-essential cmake pkg-config git
libfuse3-dev fuse3 libev-dev liburing-dev libxxhash-dev liblz4-dev liblmdb-dev
libcurl4-openssl-dev
python3 python3-pytest python3-xxhash clang libclang-rt-14-dev
iproute2 procps psmisc fio gnuplot-nox"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
