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
	wait_for 20 grep -qF "file=$2: tailing from offset" \
	    "$tmp/sluiced.log" || fail "sluiced did not start tailing $2"
}

# now_ms: the wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# flow_stat KEY: the first value of KEY (a number) in sluicectl status -j,
# or nothing if there is none (no daemon, no such counter).
flow_stat() {
	"$SLUICECTL" -s "$tmp/sluice.sock" status -j 2>/dev/null |
	    perl -ne "print \$1 if /\"$1\":(\\d+)/" || true
}

# reading_paused: bytesRead stays the same (and above 0) for a second.
reading_paused() {
	local a b
	a=$(flow_stat bytesRead)
	sleep 1
	b=$(flow_stat bytesRead)
	[ -n "$a" ] && [ "$a" -gt 0 ] && [ "$a" = "$b" ]
}

# banner_lines GENERATION LINES [END]: the lines of a file whose every
# generation starts with the same banner, longer than the 1 KiB
# fingerprint, so that only the bytes before an offset tell one from the
# next: 40 banner lines, then LINES unique lines of ~100 bytes ("GEN
# id=N pppp...", then END).
banner_lines() {
	awk -v g="$1" -v n="$2" -v e="${3:-}" 'BEGIN {
		for (i = 0; i < 40; i++)
			printf "# banner %02d: the same at the start of each file\n", i
		pad = sprintf("%60s", ""); gsub(/ /, "p", pad)
		for (i = 0; i < n; i++)
			printf "%s id=%08d %s%s\n", g, i, pad, e
	}'
}

# rewrite_in_place FILE SRC: truncates FILE in place (same inode, as
# copytruncate does) and writes SRC's bytes into it in one write.
rewrite_in_place() {
	perl -e 'open(my $f, "+<", $ARGV[0]) or die "$!";
		truncate($f, 0) or die "$!";
		open(my $n, "<", $ARGV[1]) or die "$!";
		local $/; my $b = <$n>;
		syswrite($f, $b) == length($b) or die "$!";' "$1" "$2"
}

# check_rewrite_loss OLD TRUNCATED: after a file of banner_lines was
# truncated and written again with $tmp/new ("new" lines) while its old
# content (OLD, "old" lines) was not all read: waits for every new line,
# stops sluiced, and fails unless every new line arrived, some old bytes
# were never read, and bytesLost counts exactly those, as the log line
# "file=$tmp/logs/app.log: TRUNCATED..." says.  Prints the figures.
check_rewrite_loss() {
	local want=$tmp/want lost missing dups old_lost
	grep '^new ' "$tmp/new" | sort >"$want"
	have_new() {
		[ -f "$tmp/received.b64" ] || return 1
		[ "$(decode_records "$tmp/received.b64" 2>/dev/null |
		    grep -c '^new ')" -ge "$(wc -l <"$tmp/want")" ]
	}
	wait_for 60 have_new || true
	sleep 1
	lost=$(flow_stat bytesLost)
	stop_sluiced
	decode_records "$tmp/received.b64" 2>/dev/null >"$tmp/got"
	grep '^new ' "$tmp/got" | sort -u >"$tmp/got.new"
	missing=$(comm -23 "$want" "$tmp/got.new" | wc -l)
	dups=$(($(wc -l <"$tmp/got") - $(sort -u "$tmp/got" | wc -l)))
	# The old file's lines that never arrived, in bytes.
	grep '^old ' "$1" | sort >"$tmp/old"
	grep '^old ' "$tmp/got" | sort -u >"$tmp/got.old"
	old_lost=$(comm -23 "$tmp/old" "$tmp/got.old" | wc -c)
	echo "new lines: $(wc -l <"$want"), records received:" \
	    "$(wc -l <"$tmp/got"), duplicates: $dups (the banner is in both" \
	    "files), new lines missing: $missing;" \
	    "old bytes never read: $old_lost, bytesLost: ${lost:-?}"
	[ "$missing" -eq 0 ] || fail "$missing lines of the new file lost"
	[ "$old_lost" -gt 0 ] || fail "the old file was read whole: no pause?"
	[ "${lost:-0}" -eq "$old_lost" ] ||
	    fail "bytesLost is ${lost:-?}, $old_lost bytes of the old file" \
	    "were lost"
	grep "file=$tmp/logs/app.log: $2" "$tmp/sluiced.log" |
	    grep -q "($old_lost unread bytes lost)" ||
	    fail "the lost bytes were not logged"
}

# shift_rotated BASE N: renames BASE.N to BASE.N+1, ..., BASE.1 to BASE.2,
# as logrotate does before it rotates BASE.
shift_rotated() {
	local j
	for j in $(seq "$2" -1 1); do
		[ ! -f "$1.$j" ] || mv "$1.$j" "$1.$((j + 1))"
	done
}

# check_all_arrived WANT: waits up to 60 s for every distinct line of
# WANT (sorted, unique) to reach fakeaws ($tmp/received.b64), then a
# second for duplicates still on their way.  Prints the figures, sets
# lines, records and dups, and fails on a line lost or a record never
# written.
check_all_arrived() {
	local want=$1 missing extra
	all_arrived() {
		decode_records "$tmp/received.b64" 2>/dev/null |
		    sort -u >"$tmp/got.uniq"
		[ "$(wc -l <"$tmp/got.uniq")" -ge "$(wc -l <"$want")" ]
	}
	wait_for 60 all_arrived || true
	sleep 1				# duplicates still on their way
	decode_records "$tmp/received.b64" 2>/dev/null >"$tmp/got"
	sort -u "$tmp/got" >"$tmp/got.uniq"
	lines=$(wc -l <"$want")
	records=$(wc -l <"$tmp/got")
	dups=$((records - $(wc -l <"$tmp/got.uniq")))
	missing=$(comm -23 "$want" "$tmp/got.uniq" | wc -l)
	extra=$(comm -13 "$want" "$tmp/got.uniq" | wc -l)
	echo "lines written: $lines, records received: $records," \
	    "duplicates: $dups, missing: $missing, corrupted: $extra"
	if [ "$missing" -ne 0 ]; then
		comm -23 "$want" "$tmp/got.uniq" | head -n 3 >&2
		fail "$missing lines lost"
	fi
	[ "$extra" -eq 0 ] || fail "$extra records never written"
}

# sigterm_timed: sends sluiced SIGTERM ($sent: when) and waits up to 10 s
# for it to exit; sets logged (ms until "received signal" was logged) and
# exited (ms until it exited).  Fails if it still runs or exited non-zero.
sigterm_timed() {
	local i
	sent=$(now_ms)
	kill -TERM "$sluiced_pid"
	logged=
	for ((i = 0; i < 2000; i++)); do
		if [ -z "$logged" ] &&
		    grep -q "received signal" "$tmp/sluiced.log"; then
			logged=$(($(now_ms) - sent))
		fi
		kill -0 "$sluiced_pid" 2>/dev/null || break
		sleep 0.005
	done
	exited=$(($(now_ms) - sent))
	[ -n "$logged" ] || logged=$exited
	kill -0 "$sluiced_pid" 2>/dev/null &&
	    fail "sluiced still runs $exited ms after SIGTERM"
	wait "$sluiced_pid" || fail "sluiced exited non-zero"
}

# start_writer FILE TAG RATE: writer.pl appends RATE unique-id lines a
# second to FILE, in the background; sets writer_pid.  stop_writer ends
# it and fails if it failed.
start_writer() {
	perl "$top_srcdir/tests/regress/writer.pl" "$@" &
	writer_pid=$!
	bg_pids+=($writer_pid)
}
stop_writer() {
	kill -TERM "$writer_pid"
	wait "$writer_pid" || fail "writer failed"
}

# copytruncate_stopped FILE N: logrotate's copytruncate of FILE, the
# older copies shifted first (shift_rotated FILE N), with the writer
# stopped from before the copy to after the truncation: lines written in
# between would be lost by copytruncate itself, not by sluice.
copytruncate_stopped() {
	writer_stopped() {
		[ "$(awk '{ print $3 }' "/proc/$writer_pid/stat")" = T ]
	}
	kill -STOP "$writer_pid"
	wait_for 5 writer_stopped || fail "the writer did not stop"
	shift_rotated "$1" "$2"
	cp "$1" "$1.1"
	truncate -s 0 "$1"
	kill -CONT "$writer_pid"
}

# need_nobody NAME: permission bits do not stop root, so a test of them
# runs sluiced as nobody through setpriv(1); without root, setpriv or a
# user nobody it is skipped (exit 77).  Sets grp to nobody's group.
need_nobody() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: $1: needs root, to run sluiced as another user"
		exit 77
	fi
	if ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1; then
		echo "SKIP: $1: needs setpriv(1) and a user nobody"
		exit 77
	fi
	grp=$(id -gn nobody)
}
