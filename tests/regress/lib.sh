# Shared helpers for the end-to-end shell tests.  Source it; it sets $tmp
# (removed at exit) and kills every process started with bg_start.
set -euo pipefail

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${SLUICED:=$top_builddir/sluiced}"
: "${SLUICECTL:=$top_builddir/sluicectl}"
: "${FAKEAWS:=$top_builddir/tests/fakeaws/fakeaws}"

# No test may reach AWS: metrics (cloudwatch.emitMetrics defaults to true,
# as in the Kinesis Agent) that a config forgot to turn off or point at a
# fake go to a closed port on 127.0.0.1 instead (tests/regress/
# no_real_aws.sh checks the configs themselves).
export AWS_ENDPOINT_URL_CLOUDWATCH=http://127.0.0.1:9

tmp=$(mktemp -d /tmp/sluice-e2e.XXXXXX)
bg_pids=()

# is_ours PID: whether PID is still a child of this shell.  A process that
# exited and was reaped gives its PID back, and with pid_max at 32768 a
# busy machine soon hands it to someone else's process: a plain kill of
# every PID ever started here would hit other tests (make check -j).
is_ours() {
	[ "$(ps -o ppid= -p "$1" 2>/dev/null | tr -d ' ')" = "$$" ]
}

cleanup() {
	local p
	for p in "${bg_pids[@]}"; do
		if is_ours "$p"; then
			kill "$p" 2>/dev/null || true
		fi
	done
	for p in "${bg_pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	for f in "$tmp"/*.log; do
		[ -f "$f" ] || continue
		echo "--- tail of $f" >&2
		tail -n 30 "$f" >&2
	done
	exit 1
}

# wait_for SECONDS COMMAND...: polls until COMMAND succeeds.
wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		if "$@"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# start_fakeaws ARGS...: starts fakeaws on an ephemeral port, sets $fake_port.
start_fakeaws() {
	"$FAKEAWS" -p 0 -P "$tmp/fake.port" "$@" >"$tmp/fakeaws.out" \
	    2>"$tmp/fakeaws.log" &
	bg_pids+=($!)
	fake_pid=$!
	wait_for 10 test -s "$tmp/fake.port" || fail "fakeaws did not start"
	fake_port=$(cat "$tmp/fake.port")
}

# start_sluiced CONFIG: runs sluiced in the foreground, in the background.
start_sluiced() {
	"$SLUICED" -c "$1" >>"$tmp/sluiced.log" 2>&1 &
	sluiced_pid=$!
	bg_pids+=($sluiced_pid)
}

# stop_sluiced: SIGTERM and wait; fails if it does not stop in 20 s.
stop_sluiced() {
	kill -TERM "$sluiced_pid"
	local i
	for ((i = 0; i < 200; i++)); do
		if ! kill -0 "$sluiced_pid" 2>/dev/null; then
			wait "$sluiced_pid" || fail "sluiced exited non-zero"
			return 0
		fi
		sleep 0.1
	done
	fail "sluiced did not stop within 20 s of SIGTERM"
}

# config_head: the top of a test config: state and socket in $tmp, the
# fakeaws endpoint, the test keys.  Flows and extra keys follow it.
config_head() {
	cat <<YAML
stateDirectory: $tmp/state
controlSocket: $tmp/sluice.sock
kinesis.endpoint: http://127.0.0.1:$fake_port
kinesis.region: us-east-1
awsAccessKeyId: AKIDEXAMPLE
awsSecretAccessKey: wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
cloudwatch.emitMetrics: false
YAML
}

# decode_records FILE: base64 lines in, the records' bytes out.
decode_records() {
	perl -MMIME::Base64 -ne 'print decode_base64($_)' "$1"
}

# sluicectl_st ARGS...: sluicectl, where a degraded daemon's status (exit
# 1: the state the test set up on purpose) counts as success; no daemon
# (2) and bad usage (64) still fail.  sluicectl.sh tests the exit statuses.
sluicectl_st() {
	local rc=0
	"$SLUICECTL" "$@" || rc=$?
	case " $* " in
	*" status "*|*" status") [ "$rc" = 1 ] && rc=0 ;;
	esac
	return "$rc"
}

# start_sluiced_tailing CONFIG FILE: creates FILE (empty) if it does not
# exist, starts sluiced and waits for its first scan to open FILE.  The
# control socket opens before the first scan (issue 8), so a test that
# took the socket for "started" and then wrote and rotated at once raced
# that scan: a file renamed out of the pattern before sluiced ever saw
# it is not one of the flow's, and its lines were never read.
start_sluiced_tailing() {
	[ -e "$2" ] || : >"$2"
	start_sluiced "$1"
	wait_for 20 grep -qF "file=$2: tailing from offset" "$tmp/sluiced.log" ||
	    fail "sluiced did not start tailing $2"
}
