#!/bin/bash
# testbed.sh - a multi-host Glint on one machine, in network namespaces.
#
#   scripts/testbed.sh up   [OPTIONS]
#   scripts/testbed.sh down [--id ID]
#   scripts/testbed.sh run  [OPTIONS] [-- COMMAND...]
#   scripts/testbed.sh exec [--id ID] [--client 1|2] -- COMMAND...
#   scripts/testbed.sh check [--size MB]      (the default workload of run)
#
# OPTIONS: --osts N (default 4)  --clients 1|2 (default 1)
#          --oss-rate RATE (default 800mbit = 100 MB/s; tc units: bit, kbit,
#            mbit, gbit, or bps, kbps, mbps, gbps for bytes per second)
#          --oss-burst SIZE (tbf bucket; default 10 ms at the rate, >= 128K)
#          --delay D (netem delay on each end of every OSS link, e.g. 1ms)
#          --build-dir DIR (default build)  --data-dir DIR (where the MDS
#            and OSTs keep their data; default the run's state directory)
#          --size MB (run's default workload: MB written per stripe count)
#
# The hosts: one network namespace per host (ID-mds, ID-oss0.., ID-client1
# [, ID-client2]) with eth0 on a veth pair whose other end is a port of a
# bridge in a switch namespace (ID-sw); no interface lives in the root
# namespace, so the same addresses can be used by parallel runs:
# MDS 10.77.0.1:988, OSS i 10.77.0.(11+i):1018, client j 10.77.0.(100+j).
# Every OSS link is shaped with tbf on both of its ends (OSS eth0 egress:
# what the OSS sends, i.e. reads; switch port egress: what it receives,
# i.e. writes), so the link carries RATE in each direction. The MDS and
# client links are not shaped.
#
# Servers run with `nsenter --net` (network namespace only) and glint-oss
# --advertise its own address; glint-client too, so its FUSE mount is in
# the root mount namespace (visible to everyone) while its traffic leaves
# from the client's namespace. (`ip netns exec` would also unshare the
# mount namespace and hide the mount.)
#
# ID is gtb<PID of up/run>. Everything a run creates (namespaces, PIDs with
# their start times, mounts, files) is recorded in its state directory
# $GLINT_TESTBED_DIR/ID (default /tmp/glint-testbed/ID) as it is created;
# `down` undoes exactly that list: unmount, stop the processes by PID
# (SIGTERM, SIGKILL after 10 s), delete the namespaces (which deletes their
# links), remove the files. `up` that fails and `run` tear down on any exit
# (trap). `down` without --id takes the only run there is.
#
# `run` = up, COMMAND in client 1's namespace, down; its exit status is
# COMMAND's. COMMAND (and `exec`) get GLINT_MDS, GLINT_TESTBED_ID,
# GLINT_TESTBED_MNT (client 1's mount; GLINT_TESTBED_MNT2 with two
# clients), GLINT_TESTBED_OSTS, GLINT_TESTBED_OSS_RATE (bytes/s) and the
# build's tools/ first in PATH. The default COMMAND is `testbed.sh check`:
# for k = 1..N, a file striped over k OSTs (glint setstripe -c k -S 1M) is
# written with dd (conv=fsync) from random data, caches are dropped, it is
# read back with dd and compared; MB/s (10^6 bytes) per k is printed next
# to the target 0.8 x k x RATE. Speeds are reported, not asserted: check
# fails only on an I/O error or a data mismatch.
#
# Needs root (namespaces, tc, FUSE, drop_caches).
set -euo pipefail

SELF=$(readlink -f "$0")
TOP=$(dirname "$(dirname "$SELF")")
BASE=${GLINT_TESTBED_DIR:-/tmp/glint-testbed}
SUBNET=10.77.0
MDS_PORT=988
OSS_PORT=1018
FSNAME=fsx

OSTS=4
CLIENTS=1
RATE=800mbit
BURST=0
DELAY=
BUILD=build
DATA_DIR=
SIZE_MB=200
ID_ARG=
CLIENT_ARG=1
ID=
STATE=

die() { echo "testbed: $*" >&2; exit 1; }
note() { echo "testbed: $*"; }

usage() {
	sed -n "4,17p" "$SELF" | sed 's/^# \{0,1\}//'
	exit 2
}

# int_in S MIN MAX: S is a decimal integer in MIN..MAX.
int_in() { [[ $1 =~ ^[0-9]{1,12}$ ]] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# size_bytes SIZE: bytes of "131072", "128k", "1M" (K = 1024).
size_bytes() {
	local s=${1,,}
	[[ $s =~ ^([0-9]{1,10})([km]?)(i?b)?$ ]] || return 1
	case ${BASH_REMATCH[2]} in
	k) echo $(( BASH_REMATCH[1] * 1024 )) ;;
	m) echo $(( BASH_REMATCH[1] * 1048576 )) ;;
	*) echo $(( BASH_REMATCH[1] )) ;;
	esac
}

# rate_bytes RATE: bytes per second of a tc rate ("800mbit", "100mbps").
rate_bytes() {
	local s=${1,,} mul
	[[ $s =~ ^([0-9]+(\.[0-9]+)?)([a-z]*)$ ]] || return 1
	case ${BASH_REMATCH[3]} in
	bit) mul=0.125 ;;
	kbit) mul=125 ;;
	mbit) mul=125000 ;;
	gbit) mul=125000000 ;;
	bps) mul=1 ;;
	kbps) mul=1000 ;;
	mbps) mul=1000000 ;;
	gbps) mul=1000000000 ;;
	*) return 1 ;;
	esac
	awk -v n="${BASH_REMATCH[1]}" -v m="$mul" 'BEGIN { printf "%.0f", n * m }'
}

parse_opts() {
	while [ $# -gt 0 ]; do
		case $1 in
		--osts) OSTS=${2-}; shift 2 || usage ;;
		--clients) CLIENTS=${2-}; shift 2 || usage ;;
		--oss-rate) RATE=${2-}; shift 2 || usage ;;
		--delay) DELAY=${2-}; shift 2 || usage ;;
		--oss-burst) BURST=${2-}; shift 2 || usage ;;
		--build-dir) BUILD=${2-}; shift 2 || usage ;;
		--data-dir) DATA_DIR=${2-}; shift 2 || usage ;;
		--size) SIZE_MB=${2-}; shift 2 || usage ;;
		--id) ID_ARG=${2-}; shift 2 || usage ;;
		--client) CLIENT_ARG=${2-}; shift 2 || usage ;;
		--) shift; CMD=("$@"); return 0 ;;
		*) usage ;;
		esac
	done
	return 0
}

check_opts() {
	int_in "$OSTS" 1 64 || die "bad --osts '$OSTS': expected 1 to 64"
	[[ $CLIENTS =~ ^[12]$ ]] || die "bad --clients '$CLIENTS': expected 1 or 2"
	int_in "$SIZE_MB" 1 100000 || die "bad --size '$SIZE_MB': expected MB, 1 to 100000"
	RATE_BPS=$(rate_bytes "$RATE") || RATE_BPS=0
	int_in "$RATE_BPS" 1000 100000000000 ||
		die "bad --oss-rate '$RATE': expected e.g. 800mbit, 1gbit or 100mbps"
	BURST_BYTES=$(size_bytes "$BURST") || BURST_BYTES=-1
	[ "$BURST_BYTES" -eq 0 ] || int_in "$BURST_BYTES" 2048 1073741824 ||
		die "bad --oss-burst '$BURST': expected bytes (K, M suffixes), at least 2K"
	case $BUILD in /*) ;; *) BUILD=$(cd "$TOP" && readlink -f "$BUILD") ;; esac
	local p
	for p in mds/glint-mds oss/glint-oss client/glint-client tools/glint; do
		[ -x "$BUILD/$p" ] || die "missing $BUILD/$p: build first (cmake --build $BUILD)"
	done
	[ "$(id -u)" = 0 ] || die "needs root (network namespaces, tc, FUSE)"
	for p in ip tc nsenter setsid mountpoint dd cmp; do
		command -v $p >/dev/null || die "missing the program $p"
	done
}

# --- the state directory: what this run created -------------------------

# rec FILE LINE: append LINE to the run's record FILE.
rec() { echo "$2" >>"$STATE/$1"; }

pid_start() { awk '{ print $22 }' "/proc/$1/stat" 2>/dev/null; }

info_get() { sed -n "s/^$1=//p" "$STATE/info"; }

# netns NAME: create a namespace with lo up.
netns() {
	rec netns "$1"
	ip netns add "$1"
	ip -n "$1" link set lo up
}

# shape NS DEV: the OSS link's rate limit (and delay) on egress of NS/DEV.
shape() {
	local ns=$1 dev=$2 burst parent=root
	# The bucket: --oss-burst, by default 10 ms at the rate, at least
	# 128 KiB so that a 64 KiB GSO packet passes whole; the queue holds
	# 50 ms more.
	burst=$BURST_BYTES
	if [ "$burst" -eq 0 ]; then
		burst=$(( RATE_BPS / 100 ))
		[ $burst -ge 131072 ] || burst=131072
	fi
	if [ -n "$DELAY" ]; then
		tc -n "$ns" qdisc add dev "$dev" root handle 1: netem delay "$DELAY" ||
			die "netem delay $DELAY failed on $ns/$dev (kernel without sch_netem?)"
		parent="parent 1:"
	fi
	# shellcheck disable=SC2086
	tc -n "$ns" qdisc add dev "$dev" $parent handle 10: tbf \
		rate "$(( RATE_BPS * 8 ))bit" burst "$burst" latency 50ms
}

# link HOSTNS NAME ADDR SHAPED: HOSTNS's eth0 (ADDR/24) to the switch port NAME.
link() {
	local ns=$1 port=$2 addr=$3
	ip -n "$ns" link add eth0 type veth peer name "$port" netns "$SW"
	ip -n "$SW" link set "$port" master br0 up
	ip -n "$ns" addr add "$addr/24" dev eth0
	ip -n "$ns" link set eth0 up
	if [ "$4" = shaped ]; then
		shape "$ns" eth0
		shape "$SW" "$port"
	fi
}

# start NAME NS PORTFILE PROG ARGS...: a process in NS's network, recorded
# by PID and start time. PORTFILE non-empty: wait for the server to listen.
start() {
	local name=$1 ns=$2 portf=$3 pid n=0
	shift 3
	setsid nsenter --net="/run/netns/$ns" -- "$@" \
		>>"$STATE/log/$name.log" 2>&1 </dev/null &
	pid=$!
	rec pids "$name $pid $(pid_start $pid)"
	[ -n "$portf" ] || return 0
	while [ ! -s "$portf" ]; do
		if ! kill -0 $pid 2>/dev/null; then
			tail -n 5 "$STATE/log/$name.log" >&2
			die "$name failed to start (log $STATE/log/$name.log)"
		fi
		n=$((n + 1))
		[ $n -lt 200 ] || die "$name did not listen within 20 s"
		sleep 0.1
	done
}

# in_ns NS COMMAND...: COMMAND in NS's network namespace only.
in_ns() { nsenter --net="/run/netns/$1" -- "${@:2}"; }

up() {
	local i j mnt n pid
	ID=gtb$$
	STATE=$BASE/$ID
	SW=$ID-sw
	mkdir -p "$STATE/log"
	if [ -n "$DATA_DIR" ]; then
		DATA=$(readlink -f "$DATA_DIR")/$ID
	else
		DATA=$STATE/data
	fi
	mkdir -p "$DATA"
	cat >"$STATE/info" <<-EOF
		id=$ID
		osts=$OSTS
		clients=$CLIENTS
		rate=$RATE
		rate_bps=$RATE_BPS
		burst=$BURST_BYTES
		delay=$DELAY
		build=$BUILD
		data=$DATA
	EOF
	touch "$STATE/netns" "$STATE/pids" "$STATE/mounts" "$STATE/files"
	note "$ID: state in $STATE"

	netns "$SW"
	ip -n "$SW" link add br0 type bridge
	ip -n "$SW" link set br0 up
	netns "$ID-mds"
	link "$ID-mds" mds "$SUBNET.1" no
	for ((i = 0; i < OSTS; i++)); do
		netns "$ID-oss$i"
		link "$ID-oss$i" "oss$i" "$SUBNET.$((11 + i))" shaped
	done
	for ((j = 1; j <= CLIENTS; j++)); do
		netns "$ID-client$j"
		link "$ID-client$j" "client$j" "$SUBNET.$((100 + j))" no
	done

	mkdir -p "$DATA/mds"
	start mds "$ID-mds" "$STATE/mds.port" "$BUILD/mds/glint-mds" \
		--listen "$SUBNET.1:$MDS_PORT" --db "$DATA/mds" --fsname "$FSNAME" \
		--port-file "$STATE/mds.port"
	for ((i = 0; i < OSTS; i++)); do
		mkdir -p "$DATA/ost$i"
		start "oss$i" "$ID-oss$i" "$STATE/oss$i.port" "$BUILD/oss/glint-oss" \
			--listen "$SUBNET.$((11 + i)):$OSS_PORT" \
			--advertise "$SUBNET.$((11 + i))" --dir "$DATA/ost$i" \
			--index "$i" --mds "$SUBNET.1:$MDS_PORT" --fsname "$FSNAME" \
			--port-file "$STATE/oss$i.port"
	done
	n=0
	until in_ns "$ID-client1" "$BUILD/tools/glint" --mds "$SUBNET.1:$MDS_PORT" \
		--fsname "$FSNAME" df 2>/dev/null |
		awk -v n="$OSTS" '/OST:/ { c++ } /DOWN/ { d++ } END { exit !(c >= n && !d) }'; do
		n=$((n + 1))
		[ $n -lt 200 ] || die "the OSTs did not register with the MDS within 20 s"
		sleep 0.1
	done

	for ((j = 1; j <= CLIENTS; j++)); do
		mnt=$STATE/mnt/client$j
		mkdir -p "$mnt"
		rec mounts "$mnt"
		start "client$j" "$ID-client$j" "" "$BUILD/client/glint-client" -f \
			-o "noatime,flock,log=$STATE/log/client$j.fuse.log,log_level=info" \
			"$SUBNET.1:$MDS_PORT@tcp:/$FSNAME" "$mnt"
		n=0
		until mountpoint -q "$mnt"; do
			pid=$(awk -v c="client$j" '$1 == c { print $2 }' "$STATE/pids")
			kill -0 "$pid" 2>/dev/null ||
				die "glint-client $j failed to mount (log $STATE/log/client$j.log)"
			n=$((n + 1))
			[ $n -lt 200 ] || die "glint-client $j did not mount within 20 s"
			sleep 0.1
		done
	done

	note "$ID up: MDS $SUBNET.1:$MDS_PORT, $OSTS OSS at $SUBNET.11.. (links $RATE" \
		"each way${DELAY:+, delay $DELAY}), $CLIENTS client(s) at $SUBNET.101.."
	for ((j = 1; j <= CLIENTS; j++)); do
		note "client$j ($SUBNET.$((100 + j))) mounts $SUBNET.1@tcp:/$FSNAME on $STATE/mnt/client$j"
	done
	in_ns "$ID-client1" "$BUILD/tools/glint" --mds "$SUBNET.1:$MDS_PORT" \
		--fsname "$FSNAME" df -h
}

# stop NAME PID START: SIGTERM, SIGKILL after 10 s; only if PID is still
# the process we started (same start time).
stop() {
	local name=$1 pid=$2 st=$3 n=0
	[ -n "$st" ] && [ "$(pid_start "$pid")" = "$st" ] || return 0
	# a client exits by itself once unmounted: give it 5 s
	while [[ $name == client* ]] && [ $n -lt 50 ] &&
		[ "$(pid_start "$pid")" = "$st" ]; do
		n=$((n + 1))
		sleep 0.1
	done
	[ "$(pid_start "$pid")" = "$st" ] || return 0
	n=0
	kill -TERM "$pid" 2>/dev/null || return 0
	while [ "$(pid_start "$pid")" = "$st" ]; do
		n=$((n + 1))
		if [ $n -eq 100 ]; then
			echo "testbed: $name (pid $pid) ignored SIGTERM for 10 s: killing" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
		sleep 0.1
	done
	note "stopped $name (pid $pid)"
}

# down: undo what $STATE records, in reverse order of creation.
down() {
	local mnt name pid st ns f data left=0
	set +e
	[ -d "$STATE" ] || return 0
	while read -r mnt; do
		[ -n "$mnt" ] || continue
		if mountpoint -q "$mnt"; then
			umount "$mnt" 2>/dev/null || umount -l "$mnt" ||
				fusermount3 -u -z "$mnt"
			note "unmounted $mnt"
		fi
	done < <(tac "$STATE/mounts" 2>/dev/null)
	# clients first (they exit on unmount), then the OSSes, the MDS last
	while read -r name pid st; do
		[ -n "$name" ] && stop "$name" "$pid" "$st"
	done < <(tac "$STATE/pids" 2>/dev/null)
	while read -r ns; do
		[ -n "$ns" ] || continue
		if [ -e "/run/netns/$ns" ]; then
			ip netns del "$ns" || left=1
		fi
	done < <(tac "$STATE/netns" 2>/dev/null)
	while read -r f; do
		[ -n "$f" ] && rm -f "$f"
	done < <(cat "$STATE/files" 2>/dev/null)
	data=$(info_get data 2>/dev/null)
	while read -r mnt; do
		[ -n "$mnt" ] && mountpoint -q "$mnt" && left=1
	done < <(cat "$STATE/mounts" 2>/dev/null)
	if [ $left -ne 0 ]; then
		echo "testbed: $ID not fully torn down; state kept in $STATE" >&2
		set -e
		return 1
	fi
	case $data in
	*/"$ID") rm -rf --one-file-system "$data" ;;
	esac
	rm -rf --one-file-system "$STATE"
	note "$ID down"
	set -e
	return 0
}

# find_run: set ID and STATE from --id or the only run in $BASE.
find_run() {
	local runs
	if [ -n "$ID_ARG" ]; then
		ID=$ID_ARG
	else
		runs=$(cd "$BASE" 2>/dev/null && ls -d gtb* 2>/dev/null) || runs=
		[ -n "$runs" ] || return 1
		[ "$(echo "$runs" | wc -l)" -eq 1 ] ||
			die "several test beds ($(echo "$runs" | tr '\n' ' ')): say which with --id"
		ID=$runs
	fi
	[[ $ID =~ ^gtb[0-9]+$ ]] || die "bad --id '$ID'"
	STATE=$BASE/$ID
	[ -f "$STATE/info" ] || die "no test bed $ID in $BASE"
}

# exec_in J COMMAND...: COMMAND in client J's network, with the run's env;
# replaces the (sub)shell.
exec_in() {
	local j=$1 build vars
	shift
	build=$(info_get build)
	[ -e "/run/netns/$ID-client$j" ] || die "$ID has no client $j"
	vars=(GLINT_MDS="$SUBNET.1:$MDS_PORT" GLINT_TESTBED_ID="$ID"
	      GLINT_TESTBED_MNT="$STATE/mnt/client1"
	      GLINT_TESTBED_OSTS="$(info_get osts)"
	      GLINT_TESTBED_OSS_RATE="$(info_get rate_bps)"
	      PATH="$build/tools:$PATH")
	[ "$(info_get clients)" -lt 2 ] ||
		vars+=(GLINT_TESTBED_MNT2="$STATE/mnt/client2")
	exec env "${vars[@]}" nsenter --net="/run/netns/$ID-client$j" -- "$@"
}

# stop_cmd: stop run's COMMAND (its process group) if it is still running.
stop_cmd() {
	local n=0
	[ -n "${CMD_PID-}" ] && kill -0 "$CMD_PID" 2>/dev/null || return 0
	echo "testbed: stopping the command (process group $CMD_PID)" >&2
	kill -TERM -- "-$CMD_PID" 2>/dev/null
	while kill -0 "$CMD_PID" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -eq 50 ]; then
			kill -KILL -- "-$CMD_PID" 2>/dev/null
		fi
		sleep 0.1
	done
	return 0
}

# now_ns: monotonic-enough wall clock in nanoseconds.
now_ns() { date +%s%N; }

# mbs BYTES T0 T1: MB/s with one decimal.
mbs() { awk -v b="$1" -v a="$2" -v z="$3" 'BEGIN { printf "%.1f", b / 1e6 / ((z - a) / 1e9) }'; }

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# check: the striping throughput check, run inside a client's namespace.
check() {
	local mnt=${GLINT_TESTBED_MNT-} n=${GLINT_TESTBED_OSTS-} rate=${GLINT_TESTBED_OSS_RATE-}
	local src f k t0 t1 w r tgt bytes rc=0
	if [ -z "$mnt" ] || [ -z "$n" ] || [ -z "$rate" ]; then
		die "check runs inside a test bed (testbed.sh run, or exec -- testbed.sh check)"
	fi
	bytes=$((SIZE_MB * 1048576))
	src=$(mktemp /dev/shm/glint-testbed-src.XXXXXX)
	CHECK_SRC=$src
	trap 'rm -f "$CHECK_SRC"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	head -c $bytes /dev/urandom >"$src"
	echo "striping check: $SIZE_MB MiB per file, stripe size 1M, OSS links $((rate * 8 / 1000000)) Mbit/s = $(awk -v r="$rate" 'BEGIN { printf "%.1f", r / 1e6 }') MB/s each"
	echo "   k  write MB/s  read MB/s  target MB/s  write/(k*rate)  read/(k*rate)"
	for ((k = 1; k <= n; k++)); do
		f=$mnt/stripes-k$k
		rm -f "$f"
		glint setstripe -c $k -S 1M "$f" || { rc=1; break; }
		drop_caches
		t0=$(now_ns)
		dd if="$src" of="$f" bs=1M conv=fsync status=none || { rc=1; break; }
		t1=$(now_ns)
		w=$(mbs $bytes "$t0" "$t1")
		drop_caches
		t0=$(now_ns)
		dd if="$f" of=/dev/null bs=1M status=none || { rc=1; break; }
		t1=$(now_ns)
		r=$(mbs $bytes "$t0" "$t1")
		if ! cmp -s "$src" "$f"; then
			echo "testbed: data read back from $f differs from what was written" >&2
			rc=1
			break
		fi
		rm -f "$f"
		tgt=$(awk -v k=$k -v r="$rate" 'BEGIN { printf "%.1f", 0.8 * k * r / 1e6 }')
		awk -v k=$k -v w="$w" -v r="$r" -v t="$tgt" -v rate="$rate" 'BEGIN {
			kr = k * rate / 1e6
			printf "%4d  %10.1f  %9.1f  %11.1f  %14.2f  %13.2f  %s\n", k, w, r, t,
			       w / kr, r / kr, (w >= t && r >= t) ? "ok" : "below target"
		}'
	done
	return $rc
}

main() {
	local cmd rc
	[ $# -ge 1 ] || usage
	cmd=$1
	shift
	CMD=()
	parse_opts "$@"
	case $cmd in
	up)
		[ ${#CMD[@]} -eq 0 ] || usage
		check_opts
		trap 'rc=$?; [ $rc -eq 0 ] || { set +e; trap - EXIT; down; exit $rc; }' EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		trap 'exit 129' HUP
		up
		trap - EXIT INT TERM HUP
		note "tear down with: $SELF down --id $ID"
		;;
	down)
		if ! find_run; then
			note "nothing to tear down"
			return 0
		fi
		down
		;;
	run)
		check_opts
		[ ${#CMD[@]} -gt 0 ] || CMD=("$SELF" check --size "$SIZE_MB")
		trap 'rc=$?; set +e; trap - EXIT; stop_cmd; down || rc=1; exit $rc' EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		trap 'exit 129' HUP
		up
		rc=0
		note "running in client1: ${CMD[*]}"
		# in the background, in its own session: a signal to this
		# script is handled at once (wait returns), and stop_cmd can
		# stop the command with everything it started
		exec_in 1 setsid "${CMD[@]}" &
		CMD_PID=$!
		wait $CMD_PID || rc=$?
		CMD_PID=
		[ $rc -eq 0 ] || echo "testbed: the command failed (exit $rc)" >&2
		exit $rc
		;;
	exec)
		[ ${#CMD[@]} -gt 0 ] || usage
		find_run || die "no test bed is up"
		[[ $CLIENT_ARG =~ ^[12]$ ]] || die "bad --client '$CLIENT_ARG'"
		exec_in "$CLIENT_ARG" "${CMD[@]}"
		;;
	check)
		[ ${#CMD[@]} -eq 0 ] || usage
		int_in "$SIZE_MB" 1 100000 || die "bad --size '$SIZE_MB'"
		check
		;;
	-h | --help | help) usage ;;
	*) usage ;;
	esac
}

main "$@"
