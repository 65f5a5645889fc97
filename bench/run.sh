#!/usr/bin/env bash
# shellcheck disable=SC2059,SC2001 # shared row formats; sed over key=value
# bench/run.sh [-j] [quick|full]: sluice's benchmark (bench/README.md gives
# the targets and says what each figure means).
#
#  a) Converters: `sluiced -c CONF -p FLOW < file > /dev/null` for no
#     converter, LOGTOJSON COMBINEDAPACHELOG, REGEXTOJSON and PARSEJSON,
#     against bench/floor.c on the same lines.
#  b) End to end: sluiced tails files from their start and ships them to
#     tests/fakeaws on 127.0.0.1, over HTTP or over HTTPS (bench/tlsterm.c
#     in front of fakeaws, with a certificate made here), until fakeaws has
#     accepted every record.  Raw lines, LOGTOJSON, PARSEJSON; an endpoint
#     that answers 0 or 20 ms late with 1, 4 and 16 requests in flight
#     (maxSendingThreads), and 20 ms with the default; spool.fsync always against interval; 1,000 files
#     written at once.  The sink (fakeaws, tlsterm) is pinned to the last
#     CPU with taskset.
#  c) Latency from a line written to its record at the sink
#     (bench/drive.c), p50/p99/max, at 10,000 and 100 lines/s.
#  d) Idle: sluiced's CPU and wakeups over a minute with 100 quiet files.
#  e) With FLUENTBIT=/path/to/fluent-bit, Fluent Bit's tail ->
#     kinesis_streams pipeline against the same sink.
#
# quick (the default, under 10 minutes) or full (bigger files, longer idle).
# CPU-bound figures are the best of $BENCH_RUNS (3) runs.  The table goes
# to stdout and the JSON to bench/results/; with -j the JSON goes to stdout
# and the table to stderr.
# $BUILD is the build directory (default build/ at the top of the tree); it
# is built with scripts/build.sh if it has no sluiced, and otherwise used as
# it is (BENCH_MAKE=1: run make in it first).  Data and state go to a temp dir,
# removed at exit (KEEP_TMP=1 keeps it).  Every process started here is
# stopped at exit, and every wait is bounded.
set -euo pipefail
# CloudWatch metrics that a config forgot to turn off go to a closed port
# on 127.0.0.1, never to AWS (tests/regress/no_real_aws.sh checks the
# configs themselves).
export AWS_ENDPOINT_URL_CLOUDWATCH=http://127.0.0.1:9

usage() {
	echo "usage: bench/run.sh [-j] [quick|full]" >&2
	exit 2
}

json_out=0
if [ "${1:-}" = -j ]; then
	json_out=1
	shift
fi
mode=${1:-quick}
# e2e_lines: b)'s files; slow_lines: PARSEJSON and the 20 ms rows.
case $mode in
quick) conv_lines=1000000 json_lines=200000 e2e_lines=500000
	slow_lines=200000 lat_s=10 slow_lat_s=30 idle_s=60 tmo=120 ;;
full) conv_lines=2000000 json_lines=2000000 e2e_lines=2000000
	slow_lines=1000000 lat_s=30 slow_lat_s=120 idle_s=300 tmo=900 ;;
*) usage ;;
esac
runs=${BENCH_RUNS:-3}
idle_s=${BENCH_IDLE_S:-$idle_s}
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
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note() { echo "bench: $*" >&2; }

# With -j, fd 3 is the JSON's stdout and the table goes to stderr.
if ((json_out)); then
	exec 3>&1 1>&2
fi

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
$cc -std=gnu11 -O2 -g -o "$tmp/drive" "$src/bench/drive.c" -lpthread
$cc -std=gnu11 -O2 -g -o "$tmp/tlsterm" "$src/bench/tlsterm.c" -lssl \
    -lcrypto -lpthread

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
# b) ships the first lines of the same files.
head -n "$e2e_lines" "$tmp/apache.log" >"$tmp/apache-e2e.log"
head -n "$slow_lines" "$tmp/apache.log" >"$tmp/apache-slow.log"
head -n "$slow_lines" "$tmp/json.log" >"$tmp/json-e2e.log"
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
jconv=()
declare -A avail=() floor_us=()

# jnum X: X as a JSON number, or null when it is not one ("n/a", "", "-").
jnum() {
	case $1 in
	'' | *[!0-9.e+-]* | - | . ) printf null ;;
	*) printf '%s' "$1" ;;
	esac
}
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
	floor_us[$c]=$(awk -v s="${f_cpu:-0}" -v n="$n" \
	    'BEGIN { printf "%.3f", s * 1e6 / n }')
	jconv+=("$(printf '{"case":"%s","lines":%s,"wall_s":%s,"cpu_s":%s,'\
'"floor_wall_s":%s,"floor_cpu_s":%s,"target_cpu_ratio":"%s"}' "$label" "$n" \
	    "$(jnum "$s_wall")" "$(jnum "$s_cpu")" "$(jnum "$f_wall")" \
	    "$(jnum "$f_cpu")" "$target")")
}

commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] &&
    [ -n "$(git -C "$src" status --porcelain -uno 2>/dev/null)" ]; then
	commit=$commit-dirty
fi
date=$(date -u '+%Y-%m-%dT%H:%M:%SZ')
cpus=$(nproc)
model=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
cat <<EOF
sluice benchmark ($mode): a) $conv_lines Apache and $json_lines JSON lines,
b) $e2e_lines lines ($slow_lines for PARSEJSON and 20 ms), seed $seed,
best of $runs runs
date:   $date, commit $commit
host:   $(uname -srm), $cpus CPUs, $model
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


# --- the sink ------------------------------------------------------------

# proc_cpu PID: utime + stime in seconds, from /proc/PID/stat (all
# threads); "0" once the process is gone.
clk_tck=$(getconf CLK_TCK)
proc_cpu() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	awk -v hz="$clk_tck" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' \
	    <<<"$s"
}

# stat_get FILE KEY: a counter from fakeaws's -S file (0 before the first).
stat_get() {
	local k v
	[ -f "$1" ] || { echo 0; return; }
	while IFS='=' read -r k v; do
		if [ "$k" = "$2" ]; then
			echo "$v"
			return
		fi
	done <"$1"
	echo 0
}

# The sink runs on the last CPU, so that its share does not blur sluiced's
# CPU figures (sluiced itself is not pinned).
sink_cpu=$((cpus - 1))
pin=()
if ((cpus > 1)) && command -v taskset >/dev/null; then
	pin=(taskset -c "$sink_cpu")
else
	note "the sink is not pinned (one CPU, or no taskset)"
	sink_cpu=none
fi

# A self-signed certificate for 127.0.0.1, which sluiced trusts by caFile.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -days 2 >"$tmp/openssl.log" 2>&1 ||
    { note "openssl cannot make a certificate"; cat "$tmp/openssl.log" >&2;
    exit 1; }

# wait_file FILE: until FILE is not empty, at most 10 s.
wait_file() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	note "no $1 after 10 s"
	exit 1
}

# start_sink NAME OUTPUT: fakeaws (-o OUTPUT, -S and -c files under
# $tmp/NAME.*) and tlsterm in front of it, both pinned.  Sets
# sink_http[NAME], sink_https[NAME] (ports) and sink_pids[NAME].
declare -A sink_http=() sink_https=() sink_pids=()
start_sink() {
	local n=$1 fp tp
	: >"$tmp/$n.ctl"
	"${pin[@]}" "$FAKEAWS" -p 0 -P "$tmp/$n.port" -o "$2" -s bench \
	    -S "$tmp/$n.stats" -c "$tmp/$n.ctl" >/dev/null 2>"$tmp/$n.log" &
	fp=$!
	pids+=("$fp")
	wait_file "$tmp/$n.port"
	"${pin[@]}" "$tmp/tlsterm" "$tmp/cert.pem" "$tmp/key.pem" \
	    "$(cat "$tmp/$n.port")" "$tmp/$n.tlsport" 2>"$tmp/$n.tls.log" &
	tp=$!
	pids+=("$tp")
	wait_file "$tmp/$n.tlsport"
	sink_http[$n]=$(cat "$tmp/$n.port")
	sink_https[$n]=$(cat "$tmp/$n.tlsport")
	sink_pids[$n]="$fp $tp"
}

# sink_delay NAME MS: fakeaws holds each answer MS ms (its delay-ms knob,
# through its control file, written whole by a rename).
sink_delay() {
	echo "delay-ms=$2" >"$tmp/$1.ctl.tmp"
	mv "$tmp/$1.ctl.tmp" "$tmp/$1.ctl"
}

sink_cpu_of() {
	local p t=0
	for p in ${sink_pids[$1]}; do
		t=$(awk -v a="$t" -v b="$(proc_cpu "$p")" \
		    'BEGIN { printf "%.3f", a + b }')
	done
	echo "$t"
}

# --- b) end to end -------------------------------------------------------

# e2e_config FILE DIR CASE PROTO SINK INFLIGHT FSYNC [AGE]: one flow over
# DIR/logs/*.log.  INFLIGHT "-" leaves maxSendingThreads unset.
e2e_config() {
	local f=$1 d=$2 c=$3 proto=$4 sink=$5 infl=$6 fsync=$7 age=${8:-}
	{
		echo "stateDirectory: $d/state"
		echo "controlSocket: $d/sluice.sock"
		echo "spool.fsync: $fsync"
		[ "$infl" = - ] || echo "maxSendingThreads: $infl"
		if [ "$proto" = https ]; then
			echo "caFile: $tmp/cert.pem"
			echo "kinesis.endpoint: https://127.0.0.1:${sink_https[$sink]}"
		else
			echo "kinesis.endpoint: http://127.0.0.1:${sink_http[$sink]}"
		fi
		echo "kinesis.region: us-east-1"
		# Never real AWS, and no CloudWatch work in the figures.
		echo "cloudwatch.emitMetrics: false"
		echo "# Dummy credentials: fakeaws does not check signatures."
		echo "awsAccessKeyId: AKIDEXAMPLE"
		echo "awsSecretAccessKey: wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
		echo "flows:"
		echo "  - filePattern: $d/logs/*.log"
		echo "    kinesisStream: bench"
		echo "    initialPosition: START_OF_FILE"
		[ -z "$age" ] || echo "    maxBufferAgeMillis: $age"
		flow_yaml "$c"
	} >"$f"
}

# ctl_up SOCK: waits (at most 10 s) until sluiced answers on SOCK.
ctl_up() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$SLUICECTL" -s "$1" status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# stop PID: SIGTERM and wait.
stop() {
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

e2e=()
je2e=()
e2e_fmt='%-34s %9s %8s %8s %7s %8s %7s %5s %6s %s'

# better KIND NEW OLD: is NEW better than OLD (or OLD empty)?  KIND max/min.
better() {
	[ -z "$3" ] && return 0
	[ "$2" = n/a ] && return 1
	[ "$3" = n/a ] && return 0
	awk -v k="$1" -v a="$2" -v b="$3" \
	    'BEGIN { exit !(k == "max" ? a > b : a < b) }'
}

# e2e_run LABEL CASE PROTO DELAY INFLIGHT FSYNC NFILES FILE RUNS [AGENT]:
# one row of b).  FILE's lines are shipped: linked into the watched
# directory before sluiced starts (NFILES 1), or cut into NFILES files
# written at once by `drive spray` once sluiced is up.  AGENT "fluentbit"
# runs Fluent Bit instead (e).  The clock is fakeaws's (drive wait):
# records/s is over the middle 80% of the records, so that neither
# start-up nor a last partial batch counts.  Each figure is its best over
# RUNS runs.
e2e_run() {
	local label=$1 c=$2 proto=$3 delay=$4 infl=$5 fsync=$6 nf=$7 file=$8 \
	    nr=$9 agent=${10:-sluiced}
	local n r d pid dpid t0 first t10 t90 t_done req rec req0 rec0 s0 s1 \
	    cpu rss rate cpurec rpr dup sinkp why='' notes=''
	local b_rate='' b_cpu='' b_rss='' b_rpr='' b_sink='' b_req='' b_dup=''
	n=$(wc -l <"$file")
	if [ "$c" != plain ] && [ "$agent" = sluiced ] &&
	    [ -z "${avail[$c]:-}" ]; then
		why="the converter did not pass the -p probe in a)"
	fi
	sink_delay main "$delay"
	for ((r = 0; r < nr && ${#why} == 0; r++)); do
		d=$tmp/e-${#e2e[@]}-$r
		mkdir -p "$d/logs"
		if [ "$agent" = fluentbit ]; then
			fb_config "$d" "$c"
		else
			e2e_config "$d/conf.yaml" "$d" "$c" "$proto" main "$infl" \
			    "$fsync"
			if ! "$SLUICED" -n -c "$d/conf.yaml" >"$d/n.out" 2>&1; then
				why="config rejected: $(head -n 1 "$d/n.out")"
				break
			fi
			if grep -q 'maxSendingThreads.*ignores' "$d/n.out"; then
				notes="maxSendingThreads ignored"
			fi
		fi
		((nf == 1)) && { ln "$file" "$d/logs/access.log" 2>/dev/null ||
		    cp "$file" "$d/logs/access.log"; }
		req0=$(stat_get "$tmp/main.stats" requests)
		rec0=$(stat_get "$tmp/main.stats" records_accepted)
		s0=$(sink_cpu_of main)
		"$tmp/drive" wait "$tmp/main.stats" "$n" "$tmo" >"$d/wait" \
		    2>"$d/wait.err" &
		dpid=$!
		pids+=("$dpid")
		t0=$EPOCHREALTIME
		if [ "$agent" = fluentbit ]; then
			AWS_ACCESS_KEY_ID=AKIDEXAMPLE \
			AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
			    "$FLUENTBIT" -c "$d/fb.conf" >"$d/agent.log" 2>&1 &
		else
			"$SLUICED" -c "$d/conf.yaml" >"$d/agent.log" 2>&1 &
		fi
		pid=$!
		pids+=("$pid")
		if ((nf > 1)); then
			if [ "$agent" = sluiced ]; then
				ctl_up "$d/sluice.sock" ||
				    note "$label: no control socket after 10 s"
			else
				sleep 1
			fi
			"$tmp/drive" spray "$file" "$d/logs" "$nf"
		fi
		if ! wait "$dpid"; then
			note "$label: $(cat "$d/wait.err") ($agent:" \
			    "$(tail -n 1 "$d/agent.log"))"
			stop "$pid"
			why="not every record arrived in $tmo s"
			break
		fi
		cpu=$(proc_cpu "$pid")
		rss=$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' \
		    "/proc/$pid/status" 2>/dev/null || echo n/a)
		s1=$(sink_cpu_of main)
		stop "$pid"
		# The spool's last segment (about 40 MB) would be written back
		# during the next runs and blur their figures (up to twice
		# the CPU per record): the run is over, its state goes.
		rm -rf "$d/state"
		# first=T t10=T t90=T done=T requests=R records=N bytes=B
		read -r first t10 t90 t_done req rec _ < <(sed \
		    's/[a-z0-9]*=//g' "$d/wait")
		: "$first"
		req=$((req - req0))
		rec=$((rec - rec0))
		rate=$(awk -v a="$t10" -v b="$t90" -v n="$n" -v t0="$t0" \
		    -v e="$t_done" 'BEGIN {
			if (b > a)
				printf "%.0f", 0.8 * n / (b - a)
			else if (e > t0)
				printf "%.0f", n / (e - t0)
			else
				printf "n/a"
		    }')
		cpurec=$(awk -v c="$cpu" -v n="$n" \
		    'BEGIN { printf "%.2f", c * 1e6 / n }')
		rpr=$(awk -v a="$rec" -v b="$req" \
		    'BEGIN { if (b > 0) printf "%.0f", a / b; else print "n/a" }')
		sinkp=$(awk -v a="$s0" -v b="$s1" -v t0="$t0" -v e="$t_done" \
		    'BEGIN { printf "%.0f", (b - a) * 100 / (e - t0) }')
		dup=$((rec - n))
		better max "$rate" "$b_rate" && b_rate=$rate
		better min "$cpurec" "$b_cpu" && b_cpu=$cpurec
		better min "$rss" "$b_rss" && b_rss=$rss
		# Requests, their size and the sink's share: of the fastest run.
		if [ "$b_rate" = "$rate" ]; then
			b_req=$req b_rpr=$rpr b_sink=$sinkp
		fi
		better max "$dup" "$b_dup" && b_dup=$dup
	done
	sink_delay main 0
	if [ -n "$why" ]; then
		note "$label: n/a ($why)"
		notes="n/a: $why"
	fi
	e2e+=("$(printf "$e2e_fmt" "$label" "${b_rate:-n/a}" "${b_cpu:-n/a}" \
	    "${floor_us[$c]:-n/a}" "${b_rss:-n/a}" "${b_req:-n/a}" \
	    "${b_rpr:-n/a}" "${b_dup:-n/a}" "${b_sink:-n/a}" "$notes")")
	je2e+=("$(printf '{"scenario":"%s","agent":"%s","case":"%s",'\
'"proto":"%s","delay_ms":%s,"max_sending_threads":"%s","fsync":"%s",'\
'"files":%s,"lines":%s,"runs":%s,"records_per_s":%s,"cpu_us_per_record":%s,'\
'"floor_us_per_line":%s,"peak_rss_mib":%s,"requests":%s,'\
'"records_per_request":%s,"duplicates":%s,"sink_cpu_pct":%s,"note":"%s"}' \
	    "$label" "$agent" "$c" "$proto" "$delay" "$infl" "$fsync" "$nf" \
	    "$n" "$nr" "$(jnum "$b_rate")" "$(jnum "$b_cpu")" \
	    "$(jnum "${floor_us[$c]:-}")" "$(jnum "$b_rss")" "$(jnum "$b_req")" \
	    "$(jnum "$b_rpr")" "$(jnum "$b_dup")" "$(jnum "$b_sink")" "$notes")")
}

# fb_config DIR CASE: Fluent Bit's equivalent of e2e_config (HTTPS only:
# kinesis_streams always uses TLS).  The apache2 parser is Fluent Bit's own,
# from its parsers.conf ($FLUENTBIT_PARSERS).
fb_config() {
	local d=$1 c=$2
	{
		printf '[SERVICE]\n    Flush 1\n    Log_Level warn\n'
		printf '    Parsers_File %s\n' "$FLUENTBIT_PARSERS"
		printf '[INPUT]\n    Name tail\n    Path %s/logs/*.log\n' "$d"
		printf '    Read_from_Head true\n'
		[ "$c" = logtojson ] && printf '    Parser apache2\n'
		[ "$c" = parsejson ] && printf '    Parser json\n'
		printf '[OUTPUT]\n    Name kinesis_streams\n    Match *\n'
		printf '    region us-east-1\n    stream bench\n'
		printf '    endpoint 127.0.0.1\n    port %s\n' "${sink_https[main]}"
		printf '    tls.ca_file %s\n' "$tmp/cert.pem"
		[ "$c" = plain ] && printf '    log_key log\n'
	} >"$d/fb.conf"
}

start_sink main /dev/null

# LABEL CASE PROTO DELAY INFLIGHT FSYNC NFILES FILE RUNS
A=$tmp/apache-e2e.log
e2e_run "raw lines, HTTP" plain http 0 - interval 1 "$A" "$runs"
e2e_run "raw lines, HTTPS" plain https 0 - interval 1 "$A" "$runs"
e2e_run "Apache -> JSON, HTTP" logtojson http 0 - interval 1 "$A" "$runs"
e2e_run "Apache -> JSON, HTTPS" logtojson https 0 - interval 1 "$A" "$runs"
e2e_run "PARSEJSON, HTTPS" parsejson https 0 - interval 1 \
    "$tmp/json-e2e.log" "$runs"
for infl in 1 4 16; do
	e2e_run "raw, HTTPS, 0 ms, $infl in flight" plain https 0 "$infl" \
	    interval 1 "$A" "$runs"
done
for infl in 1 4 16 -; do
	l="$infl in flight"
	[ "$infl" = - ] && l="default window"
	e2e_run "raw, HTTPS, 20 ms, $l" plain https 20 "$infl" \
	    interval 1 "$tmp/apache-slow.log" 1
done
e2e_run "Apache -> JSON, HTTPS, 20 ms, 16" logtojson https 20 16 interval 1 \
    "$tmp/apache-slow.log" 1
e2e_run "raw, HTTPS, fsync always" plain https 0 - always 1 "$A" "$runs"
e2e_run "raw, HTTPS, 1,000 files at once" plain https 0 - interval 1000 \
    "$A" "$runs"

# --- e) Fluent Bit (optional) ------------------------------------------

if [ -n "${FLUENTBIT:-}" ]; then
	fbdir=$(dirname "$FLUENTBIT")
	for FLUENTBIT_PARSERS in "${FLUENTBIT_PARSERS:-}" \
	    "$fbdir/../conf/parsers.conf" "$fbdir/../etc/fluent-bit/parsers.conf" \
	    /etc/fluent-bit/parsers.conf; do
		[ -f "$FLUENTBIT_PARSERS" ] && break
	done
	if [ ! -x "$FLUENTBIT" ] || [ ! -f "$FLUENTBIT_PARSERS" ]; then
		note "FLUENTBIT=$FLUENTBIT: not executable, or no parsers.conf" \
		    "(set FLUENTBIT_PARSERS)"
	else
		e2e_run "Fluent Bit: raw lines, HTTPS" plain https 0 - - 1 "$A" \
		    "$runs" fluentbit
		e2e_run "Fluent Bit: Apache, HTTPS" logtojson https 0 - - 1 "$A" \
		    "$runs" fluentbit
		e2e_run "Fluent Bit: raw, HTTPS, 20 ms" plain https 20 - - 1 \
		    "$tmp/apache-slow.log" 1 fluentbit
	fi
fi

echo "b) end to end: tail -> spool -> PutRecords to fakeaws on 127.0.0.1"
echo "(sink pinned to CPU $sink_cpu; HTTPS through bench/tlsterm)"
printf "$e2e_fmt\n" scenario rec/s us/rec floor_us rss_MiB requests rec/req \
    dup sink% note
printf '%s\n' "${e2e[@]}"
cat <<EOF
rec/s: over the middle 80% of the records, by fakeaws's counters;
us/rec: sluiced's utime + stime (/proc/PID/stat) per record, start-up
included; floor_us: the floor's CPU per line in a) (raw: memchr, Apache:
the regex, JSON: jansson); rss_MiB: VmHWM; requests and rec/req: PutRecords
calls; dup: records the sink got twice; sink%: fakeaws + tlsterm CPU over
the run (near 100: the sink, not sluiced, was the limit).  Best of $runs
runs for each figure except the 20 ms rows (one run).
EOF
echo

# --- c) latency ----------------------------------------------------------

start_sink lat "$tmp/lat.out"
lat=()
jlat=()
lat_fmt='%-40s %8s %8s %8s %8s %6s %5s'

# lat_run LABEL RATE SECONDS [AGE]: drive writes RATE lines/s with their
# write time and reads their arrival from fakeaws's -o file.
lat_run() {
	local label=$1 rate=$2 secs=$3 age=${4:-} d pid out p50 p99 max got \
	    lost dup i
	d=$tmp/l-${#lat[@]}
	mkdir -p "$d/logs"
	: >"$d/logs/lat.log"
	e2e_config "$d/conf.yaml" "$d" plain https lat - interval "$age"
	"$SLUICED" -c "$d/conf.yaml" >"$d/agent.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	# The file is tailed once sluiced answers and lists it open.
	ctl_up "$d/sluice.sock" || note "$label: no control socket"
	for ((i = 0; i < 100; i++)); do
		"$SLUICECTL" -s "$d/sluice.sock" status -j 2>/dev/null |
		    grep -q '"state":"open"' && break
		sleep 0.1
	done
	out=$("$tmp/drive" latency "$d/logs/lat.log" "$tmp/lat.out" "$rate" \
	    "$secs" 2>&1) || note "$label: $out"
	stop "$pid"
	# lines=N got=N lost=N dup=N p50_ms=X p99_ms=X max_ms=X
	read -r _ got lost dup p50 p99 max < <(sed 's/[a-z0-9_]*=//g' <<<"$out")
	: "$got"
	lat+=("$(printf "$lat_fmt" "$label" "$((rate * secs))" "$p50" "$p99" \
	    "$max" "$lost" "$dup")")
	jlat+=("$(printf '{"scenario":"%s","lines_per_s":%s,"seconds":%s,'\
'"max_buffer_age_ms":%s,"lines":%s,"p50_ms":%s,"p99_ms":%s,"max_ms":%s,'\
'"lost":%s,"duplicates":%s}' "$label" "$rate" "$secs" "${age:-1000}" \
	    "$((rate * secs))" "$(jnum "$p50")" "$(jnum "$p99")" "$(jnum "$max")" \
	    "$(jnum "$lost")" "$(jnum "$dup")")")
}

lat_run "10,000 lines/s, defaults" 10000 "$lat_s"
lat_run "10,000 lines/s, maxBufferAgeMillis: 10" 10000 "$lat_s" 10
lat_run "100 lines/s, defaults" 100 "$slow_lat_s"

echo "c) latency: from a line's write(2) to its record in fakeaws's -o file"
echo "(HTTPS, raw lines of 200 bytes, one write per line)"
printf "$lat_fmt\n" scenario lines p50_ms p99_ms max_ms lost dup
printf '%s\n' "${lat[@]}"
echo

# --- d) idle -------------------------------------------------------------

# ctxsw PID: voluntary + involuntary context switches of every thread.
ctxsw() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
	    awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'
}

# 100 files of 10 lines, shipped; then nothing is written for $idle_s s.
# Each starts with its own line: sluiced knows a file by its first bytes.
d=$tmp/idle
mkdir -p "$d/logs"
for ((i = 0; i < 100; i++)); do
	{
		echo "quiet file $i"
		head -n 9 "$tmp/apache.head"
	} >"$d/logs/q$i.log"
done
e2e_config "$d/conf.yaml" "$d" plain https main - interval
"$tmp/drive" wait "$tmp/main.stats" 1000 "$tmo" >"$d/wait" 2>&1 &
dpid=$!
pids+=("$dpid")
"$SLUICED" -c "$d/conf.yaml" >"$d/agent.log" 2>&1 &
pid=$!
pids+=("$pid")
wait "$dpid" || note "idle: $(cat "$d/wait")"
# Let the last checkpoint and fsync pass before the minute starts.
sleep 3
c0=$(proc_cpu "$pid")
w0=$(ctxsw "$pid")
declare -A tw0=()
for t in /proc/"$pid"/task/*; do
	tw0[${t##*/}]=$(awk '/ctxt_switches/ { n += $2 } END { print n }' \
	    "$t/status")
done
sleep "$idle_s"
c1=$(proc_cpu "$pid")
w1=$(ctxsw "$pid")
tmax=0
nthreads=0
for t in /proc/"$pid"/task/*; do
	tw=$(awk '/ctxt_switches/ { n += $2 } END { print n }' "$t/status")
	tw=$((tw - ${tw0[${t##*/}]:-0}))
	((tw > tmax)) && tmax=$tw
	nthreads=$((nthreads + 1))
done
stop "$pid"
idle_cpu=$(awk -v a="$c0" -v b="$c1" -v s="$idle_s" \
    'BEGIN { printf "%.3f", (b - a) * 100 / s }')
idle_w=$(awk -v a="$w0" -v b="$w1" -v s="$idle_s" \
    'BEGIN { printf "%.2f", (b - a) / s }')
idle_tw=$(awk -v a="$tmax" -v s="$idle_s" 'BEGIN { printf "%.2f", a / s }')
echo "d) idle: 100 quiet files (shipped), $idle_s s"
echo "CPU ${idle_cpu}% of one core; wakeups ${idle_w}/s over $nthreads" \
    "threads, the busiest thread ${idle_tw}/s"
echo "(context switches from /proc/PID/task/*/status; CPU in ticks of"
echo "1/$clk_tck s)"
echo

# --- output --------------------------------------------------------------

cmd="${BUILD:+BUILD=$BUILD }${BENCH_RUNS:+BENCH_RUNS=$BENCH_RUNS }"
cmd="$cmd${FLUENTBIT:+FLUENTBIT=$FLUENTBIT }bench/run.sh"
((json_out)) && cmd="$cmd -j"
cmd="$cmd $mode"
echo "command: $cmd"

join() {
	local IFS=,
	echo "$*"
}
json=$(printf '{"date":"%s","commit":"%s","mode":"%s","command":"%s",'\
'"machine":{"nproc":%s,"model":"%s","kernel":"%s","sink_cpu":"%s"},'\
'"build":"%s","runs":%s,"converters":[%s],"end_to_end":[%s],'\
'"latency":[%s],"idle":{"seconds":%s,"files":100,"cpu_pct":%s,'\
'"wakeups_per_s":%s,"busiest_thread_wakeups_per_s":%s,"threads":%s}}' \
    "$date" "$commit" "$mode" "$cmd" "$cpus" "$model" "$(uname -r)" \
    "$sink_cpu" "$build" "$runs" "$(join "${jconv[@]}")" \
    "$(join "${je2e[@]}")" "$(join "${jlat[@]}")" "$idle_s" "$idle_cpu" \
    "$idle_w" "$idle_tw" "$nthreads")
if ((json_out)); then
	printf '%s\n' "$json" >&3
else
	mkdir -p "$src/bench/results"
	jf=$src/bench/results/${date//:/}-$commit.json
	printf '%s\n' "$json" >"$jf"
	echo "json: ${jf#"$src"/}"
fi
