#!/usr/bin/env bash
# bench/run.sh [quick|full]: sluice's benchmark (bench/README.md gives the
# targets and says what each figure means).
#
#  a) Converters: `sluiced -c CONF -p FLOW < file > /dev/null` for no
#     converter, LOGTOJSON COMBINEDAPACHELOG, REGEXTOJSON and PARSEJSON,
#     against bench/floor.c on the same lines (target: at most 1.5x the
#     floor's time).
#  b) End to end: sluiced tails a file from its start and ships it to
#     tests/fakeaws on 127.0.0.1 until `sluicectl status -j` shows every
#     record sent (target: at most 2x the floor's time).
#
# quick = 1M Apache lines for a), 200k JSON lines (PARSEJSON is ten times
# slower) and 200k lines for b); full = 2M lines for each.  Best of
# $BENCH_RUNS (3) runs.
# $BUILD is the build directory (default build/ at the top of the tree); it
# is built with scripts/build.sh if it has no sluiced, and otherwise used as
# it is (BENCH_MAKE=1: run make in it first).  Data and state go to a temp dir,
# removed at exit (KEEP_TMP=1 keeps it).  Every process started here is
# stopped at exit, and every wait is bounded.
set -euo pipefail

usage() {
	echo "usage: bench/run.sh [quick|full]" >&2
	exit 2
}

mode=${1:-quick}
case $mode in
quick) conv_lines=1000000 json_lines=200000 lines=200000 tmo=120 ;;
full) conv_lines=2000000 json_lines=2000000 lines=2000000 tmo=900 ;;
*) usage ;;
esac
runs=${BENCH_RUNS:-3}
seed=${BENCH_SEED:-1}

src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
case $build in
/*) ;;
*) build=$src/$build ;;
esac
SLUICED=$build/sluiced
SLUICECTL=$build/sluicectl
FAKEAWS=$build/tests/fakeaws/fakeaws

tmp=$(mktemp -d /tmp/sluice-bench.XXXXXX)
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note() { echo "bench: $*" >&2; }

# --- build ---------------------------------------------------------------

# An existing build is used as it is: a failed link would delete the
# binaries of a build dir that someone else is working in.
if [ ! -x "$SLUICED" ] || [ ! -x "$SLUICECTL" ]; then
	note "no $SLUICED: building with scripts/build.sh"
	BUILD=$build "$src/scripts/build.sh"
elif [ "${BENCH_MAKE:-0}" = 1 ]; then
	make -C "$build" sluiced sluicectl >"$tmp/make.log" 2>&1 ||
	    { tail -n 20 "$tmp/make.log" >&2; exit 1; }
fi
if [ ! -x "$FAKEAWS" ] &&
    ! make -C "$build" tests/fakeaws/fakeaws >"$tmp/make.log" 2>&1; then
	note "cannot build $FAKEAWS"
	tail -n 20 "$tmp/make.log" >&2
	exit 1
fi
cc=${CC:-cc}
$cc -std=gnu11 -O2 -g -o "$tmp/floor" "$src/bench/floor.c" -lpcre2-8 \
    -ljansson
$cc -std=gnu11 -O2 -g -o "$tmp/gen" "$src/bench/gen.c"

mkvar() {
	sed -n "s/^$1 = //p" "$build/Makefile" 2>/dev/null | head -n 1
}

# --- timing --------------------------------------------------------------

# secs "0m1.234s" -> 1.234
secs() {
	awk -v t="$1" 'BEGIN { split(t, a, "m"); sub("s", "", a[2]);
	    printf "%.3f", a[1] * 60 + a[2] }'
}

# timed IN OUT ERR CMD...: runs CMD with a time limit and sets t_wall and
# t_cpu (user + system of CMD and its children, from bash's `times` in a
# subshell whose only child is CMD) and t_rc.
timed() {
	local in=$1 out=$2 errf=$3 t0 t1 tl
	shift 3
	t0=$EPOCHREALTIME
	t_rc=0
	(
		rc=0
		timeout "$tmo" "$@" <"$in" >"$out" 2>"$errf" || rc=$?
		times >"$tmp/times"
		exit "$rc"
	) || t_rc=$?
	t1=$EPOCHREALTIME
	t_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	tl=$(sed -n 2p "$tmp/times")
	t_cpu=$(awk -v u="$(secs "${tl% *}")" -v s="$(secs "${tl#* }")" \
	    'BEGIN { printf "%.3f", u + s }')
}

# keep NAME: if the last timed run beat NAME_wall (or NAME_wall is empty),
# makes it NAME's best: sets NAME_wall and NAME_cpu.
keep() {
	local w=${1}_wall
	if [ -z "${!w}" ] || awk -v a="$t_wall" -v b="${!w}" \
	    'BEGIN { exit !(a < b) }'; then
		printf -v "${1}_wall" %s "$t_wall"
		printf -v "${1}_cpu" %s "$t_cpu"
	fi
}

# rate LINES SECONDS, ratio A B: "n/a" when there is no time to divide by.
rate() {
	awk -v n="$1" -v s="$2" \
	    'BEGIN { if (s > 0) printf "%.0f", n / s; else printf "n/a" }'
}
ratio() {
	awk -v a="$1" -v b="$2" \
	    'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "n/a" }'
}

# --- data ----------------------------------------------------------------

"$tmp/gen" -s "$seed" apache "$conv_lines" >"$tmp/apache.log"
"$tmp/gen" -s "$seed" json "$json_lines" >"$tmp/json.log"
# b) ships the first $lines of the same lines.
head -n "$lines" "$tmp/apache.log" >"$tmp/apache-e2e.log"
head -n 1000 "$tmp/apache.log" >"$tmp/apache.head"
head -n 1000 "$tmp/json.log" >"$tmp/json.head"
rx_pattern=$("$tmp/floor" --print-pattern REGEXTOJSON)

# flow_yaml CASE: the dataProcessingOptions of a case, indented for a flow.
flow_yaml() {
	case $1 in
	plain) ;;
	logtojson)
		printf '    dataProcessingOptions:\n'
		printf '      - optionName: LOGTOJSON\n'
		printf '        logFormat: COMBINEDAPACHELOG\n'
		;;
	regextojson)
		printf '    dataProcessingOptions:\n'
		printf '      - optionName: REGEXTOJSON\n'
		# A YAML single-quoted scalar: only ' needs doubling.
		printf "        pattern: '%s'\n" "${rx_pattern//\'/\'\'}"
		;;
	parsejson)
		printf '    dataProcessingOptions:\n'
		printf '      - optionName: PARSEJSON\n'
		;;
	esac
}

# config FILE DIR CASE [PORT]: a config with one flow, unnamed so that -p
# finds it by its stream name, "bench".
config() {
	local port=${4:-9}
	cat >"$1" <<YAML
stateDirectory: $2/state
controlSocket: $2/sluice.sock
kinesis:
  endpoint: http://127.0.0.1:$port
  region: us-east-1
# Dummy credentials: fakeaws does not check signatures.
awsAccessKeyId: AKIDEXAMPLE
awsSecretAccessKey: wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
# Never real AWS: no CloudWatch metrics.
cloudwatch.emitMetrics: false
flows:
  - filePattern: $2/logs/*.log
    kinesisStream: bench
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
YAML
	flow_yaml "$3" >>"$1"
}

# probe CASE INPUT: can `sluiced -p` run this case?  Checks the counts and
# the shape of the output on 1000 lines; sets why on failure.
probe() {
	local c=$1 in=$2 d=$tmp/p-$1 n
	mkdir -p "$d"
	config "$d/conf.yaml" "$d" "$c"
	# Not a pipe into grep -q: with pipefail, sluiced's usage exit status
	# would fail the test whatever grep found.
	n=$("$SLUICED" -h 2>&1 || true)
	if ! grep -q -- '-p flow' <<<"$n"; then
		why="sluiced has no -p"
		return 1
	fi
	if ! "$SLUICED" -n -c "$d/conf.yaml" >"$d/n.out" 2>&1; then
		why="config rejected: $(grep -v '^$' "$d/n.out" | head -n 1)"
		return 1
	fi
	if ! timeout 30 "$SLUICED" -c "$d/conf.yaml" -p bench <"$in" \
	    >"$d/out" 2>"$d/err"; then
		why="-p failed: $(tail -n 1 "$d/err")"
		return 1
	fi
	n=$(wc -l <"$in")
	if ! grep -q "records=$n dropped=0 failed=0" "$d/err"; then
		why="-p counts: $(grep 'records=' "$d/err" | tail -n 1)"
		return 1
	fi
	case $c in
	plain)
		if ! cmp -s "$in" "$d/out"; then
			why="output differs from input"
			return 1
		fi
		;;
	*)
		if [ "$(head -c 1 "$d/out")" != "{" ]; then
			why="output is not JSON"
			return 1
		fi
		;;
	esac
	return 0
}

# --- a) converters through -p ------------------------------------------

results=()
declare -A avail=()
floor_plain='' floor_logtojson=''
row() {
	results+=("$(printf '%-28s %9s %7s %7s %9s %7s %7s %6s %6s %6s %4s' \
	    "$@")")
}

# met RATIO TARGET: "yes" if a ratio ("1.23x") is within its target
# ("1.5x"), "NO" if not, "-" without a target or a figure.
met() {
	case $1$2 in
	*n/a* | *-*) echo - ;;
	*) awk -v r="${1%x}" -v t="${2%x}" \
	    'BEGIN { print (r <= t ? "yes" : "NO") }' ;;
	esac
}

# conv_case LABEL CASE INPUT HEAD TARGET FLOOR-ARGS...: times the floor and
# `sluiced -p` on INPUT, alternately, so that a busy machine slows both
# alike; the fastest run of each counts.
conv_case() {
	local label=$1 c=$2 in=$3 head=$4 target=$5 ok=1 i n
	shift 5
	n=$(wc -l <"$in")
	local d=$tmp/p-$c
	f_wall='' f_cpu='' s_wall='' s_cpu=''
	if probe "$c" "$head"; then
		avail[$c]=1
	else
		note "$label: n/a ($why)"
		ok=0
	fi
	for ((i = 0; i < runs; i++)); do
		timed "$in" /dev/null "$tmp/floor.err" "$tmp/floor" "$@" \
		    /dev/stdin
		[ "$t_rc" -eq 0 ] && keep f
		((ok)) || continue
		timed "$in" /dev/null "$d/err" "$SLUICED" -c "$d/conf.yaml" \
		    -p bench
		if [ "$t_rc" -ne 0 ]; then
			note "$label: run failed: $(tail -n 1 "$d/err")"
			ok=0
			continue
		fi
		grep -q "records=$n dropped=0 failed=0" "$d/err" ||
		    note "$label: unexpected counts: $(tail -n 1 "$d/err")"
		keep s
	done
	if [ -z "$s_wall" ]; then
		row "$label" n/a - - "$(rate "$n" "$f_wall")" \
		    "${f_wall:-n/a}" "${f_cpu:-n/a}" n/a n/a "$target" -
	else
		row "$label" "$(rate "$n" "$s_wall")" "$s_wall" "$s_cpu" \
		    "$(rate "$n" "$f_wall")" "$f_wall" "$f_cpu" \
		    "$(ratio "$s_wall" "$f_wall")" "$(ratio "$s_cpu" "$f_cpu")" \
		    "$target" "$(met "$(ratio "$s_cpu" "$f_cpu")" "$target")"
	fi
	printf -v "floor_$c" %s "$f_wall"
}

cat <<EOF
sluice benchmark ($mode): a) $conv_lines Apache and $json_lines JSON lines,
b) $lines lines, seed $seed, best of $runs runs
date:   $(date -u '+%Y-%m-%dT%H:%M:%SZ')
host:   $(uname -srm), $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
build:  $build (CFLAGS=$(mkvar CFLAGS) WARN_CFLAGS=$(mkvar WARN_CFLAGS) SAN_CFLAGS=$(mkvar SAN_CFLAGS))
floor:  $cc -std=gnu11 -O2 -g bench/floor.c -lpcre2-8 -ljansson
data:   apache $(wc -c <"$tmp/apache.log") bytes, json $(wc -c <"$tmp/json.log") bytes (bench/gen.c)
EOF
if mkvar SAN_CFLAGS | grep -q sanitize ||
    mkvar WARN_CFLAGS | grep -q -- '-O[01]\b'; then
	echo "warning: $build is a debug or sanitizer build; for figures to"
	echo "publish: BUILD=build-bench ./scripts/build.sh (no flags), then"
	echo "BUILD=build-bench bench/run.sh"
fi
echo

conv_case "plain (no converter)" plain "$tmp/apache.log" \
    "$tmp/apache.head" "-" --memchr-only
conv_case "LOGTOJSON COMBINEDAPACHELOG" logtojson "$tmp/apache.log" \
    "$tmp/apache.head" "1.5x" -P COMBINEDAPACHELOG
conv_case "REGEXTOJSON" regextojson "$tmp/apache.log" \
    "$tmp/apache.head" "1.5x" -P REGEXTOJSON
conv_case "PARSEJSON" parsejson "$tmp/json.log" "$tmp/json.head" \
    "1.5x" --json

# Start-up, on empty input: part of every figure above (sluiced loads its
# config and its libraries, libcurl's many among them).
f_wall='' f_cpu='' s_wall='' s_cpu=''
for ((i = 0; i < runs; i++)); do
	timed /dev/null /dev/null "$tmp/floor.err" "$tmp/floor" \
	    -P COMBINEDAPACHELOG /dev/stdin
	[ "$t_rc" -eq 0 ] && keep f
	timed /dev/null /dev/null "$tmp/p-logtojson/err" "$SLUICED" \
	    -c "$tmp/p-logtojson/conf.yaml" -p bench
	[ "$t_rc" -eq 0 ] && keep s
done
startup="start-up (empty input): sluiced -p ${s_wall:-n/a} s wall,"
startup="$startup ${s_cpu:-n/a} s CPU; floor ${f_wall:-n/a} s, ${f_cpu:-n/a} s"

echo "a) converters: sluiced -c CONF -p bench < FILE > /dev/null"
printf '%-28s %9s %7s %7s %9s %7s %7s %6s %6s %6s %4s\n' case lines/s \
    wall_s cpu_s floor_l/s floor_s floor_c ratio cpu_r target met
printf '%s\n' "${results[@]}"
echo "floors: plain: floor --memchr-only; LOGTOJSON: floor -P COMBINEDAPACHELOG;"
echo "  REGEXTOJSON: floor -P REGEXTOJSON; PARSEJSON: floor --json (jansson)"
echo "floor_c = floor cpu_s; ratio = wall_s / floor_s; cpu_r = cpu_s / floor_c;"
echo "met: cpu_r within the target"
echo "$startup"
echo

# --- b) end to end -------------------------------------------------------

# sent SOCK: records sent, summed over flows; 0 while the socket is not up.
sent() {
	local j
	j=$("$SLUICECTL" -s "$1" status -j 2>/dev/null) || j=
	printf '%s\n' "$j" | { grep -o '"recordsSent": *[0-9]*' || true; } |
	    awk -F: '{ n += $2 } END { print n + 0 }'
}

# proc_cpu PID: utime + stime in seconds, from /proc/PID/stat.
proc_cpu() {
	local hz
	hz=$(getconf CLK_TCK)
	sed 's/^.*) //' "/proc/$1/stat" |
	    awk -v hz="$hz" '{ printf "%.2f", ($12 + $13) / hz }'
}

# scaled SECONDS: b)'s time for $lines lines, as for a)'s $conv_lines, so
# that it compares with a)'s floor.
scaled() {
	awk -v t="$1" -v a="$conv_lines" -v b="$lines" \
	    'BEGIN { printf "%.3f", t * a / b }'
}

e2e=()
e2e_case() {
	local label=$1 c=$2 target=$3 d=$tmp/e-$2 pid t0 t1 n=0 cpu=- rss=- \
	    deadline fwall status=timeout
	fwall=$4
	mkdir -p "$d/logs"
	config "$d/conf.yaml" "$d" "$c" "$fake_port"
	why=
	if [ "$c" != plain ] && [ -z "${avail[$c]:-}" ]; then
		# A sluiced that ignores the option would ship the raw lines.
		why="the converter did not pass the -p probe in a)"
	elif ! "$SLUICED" -n -c "$d/conf.yaml" >"$d/n.out" 2>&1; then
		why="config rejected: $(head -n 1 "$d/n.out")"
	elif grep -q ignore "$d/n.out"; then
		why="$(grep ignore "$d/n.out" | head -n 1)"
	fi
	if [ -n "$why" ]; then
		note "$label end to end: n/a ($why)"
		e2e+=("$(printf '%-28s %12s %8s %8s %8s %13s %7s %6s' "$label" \
		    n/a - - - "$(rate "$conv_lines" "$fwall")" n/a "$target")")
		return 0
	fi
	ln "$tmp/apache-e2e.log" "$d/logs/access.log" 2>/dev/null ||
	    cp "$tmp/apache-e2e.log" "$d/logs/access.log"
	t0=$EPOCHREALTIME
	"$SLUICED" -c "$d/conf.yaml" >"$d/sluiced.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	deadline=$((SECONDS + tmo))
	while ((SECONDS < deadline)) && kill -0 "$pid" 2>/dev/null; do
		n=$(sent "$d/sluice.sock")
		((n >= lines)) && break
		sleep 0.1
	done
	t1=$EPOCHREALTIME
	if kill -0 "$pid" 2>/dev/null; then
		cpu=$(proc_cpu "$pid")
		rss=$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' \
		    "/proc/$pid/status")
		kill -TERM "$pid"
		wait "$pid" 2>/dev/null || true
	else
		status=0
		wait "$pid" 2>/dev/null || status=$?
		if ((status > 128)); then
			status="signal$((status - 128))"
		else
			status="exit$status"
		fi
		note "$label end to end: sluiced exited early ($status):" \
		    "$(tail -n 1 "$d/sluiced.log")"
	fi
	local wall
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	if ((n < lines)); then
		note "$label end to end: only $n of $lines records sent in" \
		    "${wall}s"
		e2e+=("$(printf '%-28s %12s %8s %8s %8s %13s %7s %6s' "$label" \
		    "$status" "$wall" "$cpu" "$rss" "$(rate "$conv_lines" "$fwall")" \
		    n/a "$target")")
		return 0
	fi
	e2e+=("$(printf '%-28s %12s %8s %8s %8s %13s %7s %6s' "$label" \
	    "$(rate "$lines" "$wall")" "$wall" "$cpu" "$rss" \
	    "$(rate "$conv_lines" "$fwall")" \
	    "$(ratio "$(scaled "$wall")" "$fwall")" "$target")")
}

"$FAKEAWS" -p 0 -P "$tmp/fake.port" -o /dev/null -s bench \
    >"$tmp/fakeaws.out" 2>"$tmp/fakeaws.log" &
pids+=($!)
for ((i = 0; i < 100; i++)); do
	[ -s "$tmp/fake.port" ] && break
	sleep 0.1
done
[ -s "$tmp/fake.port" ] || { note "fakeaws did not start"; exit 1; }
fake_port=$(cat "$tmp/fake.port")

# The floors are a)'s, for the same file.
e2e_case "plain (no converter)" plain 2x "$floor_plain"
e2e_case "LOGTOJSON COMBINEDAPACHELOG" logtojson 2x "$floor_logtojson"

echo "b) end to end: sluiced tails the file (START_OF_FILE) to fakeaws on"
echo "127.0.0.1 until sluicectl status -j shows recordsSent == $lines"
echo "(polled every 100 ms)"
printf '%-28s %12s %8s %8s %8s %13s %7s %6s\n' case lines/s wall_s cpu_s \
    rss_MiB floor_lines/s ratio target
printf '%s\n' "${e2e[@]}"
echo "cpu_s = utime + stime of sluiced (/proc/PID/stat); rss_MiB = VmHWM; a"
echo "last partial batch can wait up to maxBufferAgeMillis (1000 ms) in wall_s"
echo
echo "command: ${BUILD:+BUILD=$BUILD }${BENCH_RUNS:+BENCH_RUNS=$BENCH_RUNS }bench/run.sh $mode"
