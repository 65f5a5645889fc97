#!/usr/bin/env bash
# Rotation by the real logrotate (issue 8: "logrotate itself drives the
# create, copytruncate, olddir, compress, delaycompress and dateext modes,
# each with a restart in the middle"), while a writer appends LR_RATE
# lines a second (20,000 by default) with unique ids.
#
# logrotate runs as this user with its own state file
# (logrotate -s STATE -f CONF) on a config in $tmp, against files in $tmp.
# Each run is one mode (a logrotate config body) and one filePattern: the
# live name ($dir/app.log) or the Kinesis Agent's documentation style
# ($dir/app.log*, which also matches the rotated and compressed files).
# A run rotates LR_ROTATIONS times; at some rotations sluiced is restarted
# at one of these points, with SIGTERM or SIGKILL:
#   before   stopped and started again, and logrotate runs at once, while
#            sluiced starts (its first scan races the rotation);
#   after    logrotate runs, then sluiced is stopped at once (the rotated
#            file not yet read to its end) and started again;
#   stopped  sluiced is stopped, logrotate runs, sluiced is started.
# make check runs three modes with one restart each; make check-long
# (logrotate_long.sh, LR_LONG=1) runs every mode with both patterns and
# restarts at every point, with SIGTERM and SIGKILL.
#
# What is checked, and why it is honest.  The expected lines are what
# logrotate left on disk, read back: the live file, the rotated ones (in
# the olddir too), the compressed ones through zcat.  That the disk holds
# every line written is checked too: the ids on disk run from 0 without a
# gap.  Every expected line must reach fakeaws, byte for byte (lost = 0);
# no record may be other than a line on disk (a .gz shipped as bytes would
# show here); duplicates are printed.
#   copytruncate has a window of its own: lines written between
# logrotate's copy and its truncate are in neither file, lost by logrotate
# and not by sluice.  So the writer is stopped (SIGSTOP) around a
# copytruncate, and the disk holds every line.  With the live name only,
# the copy app.log.1 is not followed, and bytes sluiced had not read when
# the truncate came are lost by copytruncate itself (README.md, promise 4:
# counted and reported); so with the live name the test also waits,
# writer stopped, until every line on disk has arrived before it runs
# logrotate.  With app.log* it does not wait: the copy is found by its
# first bytes and read on from the offset reached in app.log, so nothing
# is lost, and the duplicates must stay under 1% (restarts by SIGKILL
# excepted: what was in flight is sent again); so with the cp mode.
#   compress without delaycompress deletes the rotated file right away,
# so a writer that has not reopened yet would write into a deleted file;
# the postrotate script waits until the writer has reopened, as a real
# application's reopen must finish before compression (the reason distros
# use delaycompress).  In that mode, bytes still unread in a rotated file
# that logrotate compresses while sluiced is stopped (or killed) exist
# only in the .gz, which sluice does not read (compressed rotations are
# excluded); so that mode is not restarted at "stopped", nor by SIGKILL
# at "after", nor at "before" (logrotate compresses the file while the
# new sluiced starts: what it had not read is lost, logged "not found at
# start"; that race was lost now and then on a loaded machine).
#
#   Two modes are the test's own, not logrotate's: shift renames app.log
# app.log.1 (and app.log.N up by one); cp copies app.log to app.log.1 and
# removes app.log (the writer stopped between two writes, so that no line
# goes to the removed file), and the new app.log may get its inode.  The
# points stopped2 (two rotations while stopped) and restart (a restart
# away from any rotation) are there for them.  stopped2 runs only with
# app.log*: with the live name, the app.log created and rotated away while
# sluiced was stopped never matched the pattern while sluiced ran, and no
# registry knows it (sluice.yaml.5, "How rotation is followed").  LR_RUN="MODE PATTERN
# POINTS..." runs one run.
#
# What was found here, each now a run of make check:
# - olddir: a file that logrotate moved into the olddir while sluiced was
#   stopped was looked for only in its last directory and the pattern's;
#   its unread tail was lost, logged as "read to its end" by the size of
#   the last checkpoint.
# - copytruncate while stopped, with app.log*: app.log keeps its inode,
#   so its entry counted as found; the copy app.log.1 was read from 0.
# - cp app.log app.log.1, rm app.log, new app.log while stopped: the new
#   app.log got the freed inode, the copy was never looked for, and the
#   lines written before the stop and not yet read were lost uncounted.
. "$(dirname "$0")/lib.sh"

RATE=${LR_RATE:-20000}
LONG=${LR_LONG:-0}
WRITER="$top_srcdir/tests/regress/writer.pl"
command -v logrotate >/dev/null 2>&1 ||
    PATH=$PATH:/usr/sbin:/sbin command -v logrotate >/dev/null 2>&1 ||
    fail "logrotate is not installed (Debian package logrotate;" \
	"scripts/deps.sh installs it)"
PATH=$PATH:/usr/sbin:/sbin
command -v zcat >/dev/null || fail "zcat (gzip) is not installed"


start_writer() { # start_writer PATH PREFIX PIDFILE
	perl "$WRITER" "$1" "$2" "$RATE" &
	writer_pid=$!
	bg_pids+=($writer_pid)
	echo "$writer_pid" >"$3"
}
stop_writer() {
	kill -TERM "$writer_pid"
	wait "$writer_pid" || fail "writer failed"
}
writer_stopped() { [ "$(awk '{ print $3 }' "/proc/$writer_pid/stat")" = T ]; }

log_mark=0
mark_log() {
	log_mark=0
	[ ! -f "$tmp/sluiced.log" ] || log_mark=$(wc -l <"$tmp/sluiced.log")
}
started() { # or it exited
	kill -0 "$sluiced_pid" 2>/dev/null || return 0
	tail -n +"$((log_mark + 1))" "$tmp/sluiced.log" |
	    grep -q "file=$1: tailing from offset"
}
# stop SIG: stops sluiced with SIGTERM (it must exit 0) or SIGKILL.
stop() {
	if [ "$1" = TERM ]; then
		stop_sluiced
	else
		kill -KILL "$sluiced_pid"
		wait "$sluiced_pid" 2>/dev/null || true
	fi
}

received_of() { # received_of PREFIX: the records of one run, as lines
	[ -f "$tmp/$1.b64" ] || return 0
	decode_records "$tmp/$1.b64" | grep -a "^$1 " || true
}
# on_disk DIR PREFIX: every PREFIX line logrotate left in DIR (and DIR/old).
on_disk() {
	local f
	for f in "$1"/app.log* "$1"/old/app.log*; do
		[ -f "$f" ] || continue
		case $f in
		*.gz) zcat "$f" ;;
		*) cat "$f" ;;
		esac
	done | grep -a "^$2 " || true
}
all_arrived() { # all_arrived PREFIX: every expected line is in
	received_of "$1" | sort -u >"$tmp/got.uniq"
	[ -z "$(comm -23 "$tmp/want" "$tmp/got.uniq" | head -n 1)" ]
}
caught_up() { # caught_up DIR PREFIX: all on disk has arrived
	on_disk "$1" "$2" | sort -u >"$tmp/want"
	all_arrived "$2"
}

# check DIR PREFIX MAXDUPS%: the lines on disk against fakeaws.
check() {
	local lines records dups missing extra gaps
	on_disk "$1" "$2" | sort -u >"$tmp/want"
	# The disk holds every line written: ids 0..n-1, none missing.
	gaps=$(sed -n 's/^[^ ]* id=\([0-9]*\) .*/\1/p' "$tmp/want" |
	    sort -n | awk '$1 + 0 != NR - 1 { n++ } END { print n + 0 }')
	[ "$gaps" -eq 0 ] || fail "$2: the files on disk lack lines" \
	    "(the test is wrong, not sluiced)"
	wait_for 60 all_arrived "$2" || true
	sleep 0.5				# duplicates still on their way
	received_of "$2" >"$tmp/got"
	sort -u "$tmp/got" >"$tmp/got.uniq"
	lines=$(wc -l <"$tmp/want")
	records=$(wc -l <"$tmp/got")
	dups=$((records - $(wc -l <"$tmp/got.uniq")))
	missing=$(comm -23 "$tmp/want" "$tmp/got.uniq" | wc -l)
	extra=$(comm -13 "$tmp/want" "$tmp/got.uniq" | wc -l)
	echo "$2: lines written: $lines, records received: $records," \
	    "duplicates: $dups, missing: $missing, corrupted: $extra"
	[ "$lines" -gt $((RATE / 2)) ] || fail "$2: too few lines written"
	if [ "$missing" -ne 0 ]; then
		comm -23 "$tmp/want" "$tmp/got.uniq" | head -n 3 >&2
		fail "$2: $missing lines lost"
	fi
	[ "$extra" -eq 0 ] || fail "$2: $extra records never written"
	[ -z "$3" ] || [ $((dups * 100)) -lt $((lines * $3)) ] ||
	    fail "$2: $dups duplicates: $3% or more of $lines lines"
	# Nothing else was shipped: no .gz's bytes, no torn line.
	[ "$(decode_records "$tmp/$2.b64" |
	    { grep -avc '^[a-z0-9-]* id=[0-9]\{8\} [a-z]*$' || true; })" = 0 ] ||
	    fail "$2: records that are no line of a log were shipped"
}

# mode_conf MODE DIR PIDFILE: the logrotate directives of MODE.
mode_conf() {
	local reopen
	# Tell the writer to reopen, and wait until it has: no line goes
	# to a file after logrotate has compressed it.
	reopen="kill -HUP \$(cat $3)
		for i in \$(seq 500); do
			ls -l /proc/\$(cat $3)/fd 2>/dev/null |
			    grep -q ' $2/app.log\$' && exit 0
			sleep 0.01
		done
		exit 1"
	case $1 in
	create) printf '%s\n' "rotate 7" "create 0640" \
	    "postrotate" "$reopen" "endscript" ;;
	copytruncate) printf '%s\n' "rotate 7" "copytruncate" ;;
	olddir) printf '%s\n' "rotate 7" "olddir $2/old" "create" \
	    "postrotate" "$reopen" "endscript" ;;
	compress) printf '%s\n' "rotate 7" "compress" "create" \
	    "postrotate" "$reopen" "endscript" ;;
	distro)	# Debian's rsyslog / nginx style
		printf '%s\n' "daily" "rotate 7" "compress" "delaycompress" \
		    "missingok" "notifempty" "create 0640" "sharedscripts" \
		    "postrotate" "$reopen" "endscript" ;;
	dateext) printf '%s\n' "rotate 7" "dateext" \
	    "dateformat -%Y%m%d-%H%M%S" "create" "postrotate" "$reopen" \
	    "endscript" ;;
	ctcompress) printf '%s\n' "rotate 7" "copytruncate" "compress" \
	    "delaycompress" "missingok" "notifempty" ;;
	shift | cp) ;;	# by the test, not logrotate (see rotate)
	*) fail "no mode $1" ;;
	esac
}

# rotate RUN: runs logrotate on RUN's config, the writer stopped around
# a copytruncate (and, with the live name, sluiced caught up first).
# At "stopped", pause runs before sluiced is stopped: it catches up first.
is_ct() { case $mode in copytruncate | ct*) return 0 ;; esac; return 1; }
pause() {
	is_ct || return 0
	[ "$(awk '{ print $3 }' "/proc/$writer_pid/stat")" != T ] || return 0
	kill -STOP "$writer_pid"
	wait_for 5 writer_stopped || fail "the writer did not stop"
	if [ "$live" = 1 ]; then
		wait_for 60 caught_up "$dir" "$run" ||
		    fail "$run: sluiced did not catch up"
	fi
}
rotate() {
	local ct=0
	pause
	! is_ct || ct=1
	case $mode in
	shift | cp)
		shift_rotated "$dir"
		if [ "$mode" = shift ]; then
			mv "$dir/app.log" "$dir/app.log.1"
		else
			# Between two writes: none goes to the removed file.
			kill -USR1 "$writer_pid"
			wait_for 5 writer_stopped ||
			    fail "the writer did not stop"
			cp "$dir/app.log" "$dir/app.log.1"
			rm "$dir/app.log"
			ct=1
		fi
		kill -HUP "$writer_pid"
		[ "$ct" = 0 ] || kill -CONT "$writer_pid"
		wait_for 10 reopened "$dir" || fail "the writer did not reopen"
		;;
	*)
		logrotate -s "$tmp/$run.state" -f "$tmp/$run.conf" \
		    >>"$tmp/logrotate.log" 2>&1 || fail "$run: logrotate failed"
		[ "$ct" = 0 ] || kill -CONT "$writer_pid"
		;;
	esac
	rotations=$((rotations + 1))
}

# shift_rotated DIR: app.log.N becomes app.log.N+1, the oldest first
# (none is removed: a run rotates fewer than 30 times).
shift_rotated() {
	local n
	for n in $(seq 30 -1 1); do
		[ ! -f "$1/app.log.$n" ] || mv "$1/app.log.$n" "$1/app.log.$((n + 1))"
	done
}
reopened() { # reopened DIR: the writer writes to DIR/app.log
	ls -l "/proc/$writer_pid/fd" 2>/dev/null | grep -q " $1/app.log\$"
}

restart_start() { # starts sluiced, waits for its first scan of app.log
	mark_log
	start_sluiced "$tmp/$run.yaml"
	wait_for 20 started "$dir/app.log" || fail "$run: sluiced did not start"
	kill -0 "$sluiced_pid" 2>/dev/null || fail "$run: sluiced exited"
}

# run MODE PATTERN POINTS...: one run.  PATTERN is live or star; each
# POINT is none, or before|after|stopped:TERM|KILL, one per rotation.
run() {
	local p sig pattern
	mode=$1
	live=0
	[ "$2" = live ] && live=1
	shift 2
	nruns=$((nruns + 1))
	run="$mode-$([ "$live" = 1 ] && echo live || echo star)$nruns"
	dir="$tmp/$run"
	rotations=0
	mkdir -p "$dir/old"
	# A fakeaws per run: each run's records are read back on their own.
	if [ -n "${fake_pid:-}" ]; then
		kill "$fake_pid"
		wait "$fake_pid" 2>/dev/null || true
	fi
	rm -f "$tmp/fake.port"
	start_fakeaws -o "$tmp/$run.b64"
	pattern="$dir/app.log"
	[ "$live" = 1 ] || pattern="$dir/app.log*"
	{
		config_head
		printf '%s\n' "spool.fsyncIntervalMillis: 50" "flows:" \
		    "  - filePattern: $pattern" "    kinesisStream: $run" \
		    "    initialPosition: START_OF_FILE" \
		    "    maxBufferAgeMillis: 1000" \
		    "    retryInitialBackoffMillis: 10" \
		    "    retryMaxBackoffMillis: 200"
	} >"$tmp/$run.yaml"
	{
		echo "$dir/app.log {"
		mode_conf "$mode" "$dir" "$tmp/$run.pid"
		echo "}"
	} >"$tmp/$run.conf"
	: >"$dir/app.log"
	restart_start
	start_writer "$dir/app.log" "$run" "$tmp/$run.pid"
	gap=0.7
	[ "$mode" != dateext ] || gap=1.1	# one rotation a second
	for p in "$@"; do
		sleep "$gap"
		sig=${p#*:}
		case $p in
		none) rotate ;;
		before:*) stop "$sig"; start_sluiced "$tmp/$run.yaml"; rotate ;;
		after:*) rotate; stop "$sig"; restart_start ;;
		stopped:*) pause; stop "$sig"; rotate; restart_start ;;
		restart:*) stop "$sig"; restart_start; sleep "$gap"; rotate ;;
		stopped2:*)
			pause
			stop "$sig"
			rotate
			sleep "$gap"
			rotate
			restart_start ;;
		*) fail "no point $p" ;;
		esac
		echo "$run: rotation $rotations, restart: $p"
	done
	sleep "$gap"
	stop_writer
	local maxdups=""
	case "$mode-$live-$*" in
	*copytruncate-0-* | ctcompress-0-* | cp-0-*)
		[[ "$*" == *KILL* ]] || maxdups=1 ;;
	esac
	check "$dir" "$run" "$maxdups"
	stop TERM
	[ "$rotations" -ge 2 ] || fail "$run: too few rotations"
	compgen -G "$dir/app.log?*" >/dev/null ||
	    compgen -G "$dir/old/app.log?*" >/dev/null ||
	    fail "$run: nothing was rotated"
}

nruns=0
if [ -n "${LR_RUN:-}" ]; then
	# One run, to reproduce: LR_RUN="olddir live none stopped:TERM".
	# shellcheck disable=SC2086
	run $LR_RUN
elif [ "$LONG" = 1 ]; then
	for m in create copytruncate dateext distro ctcompress; do
		run "$m" live before:TERM after:TERM stopped:TERM \
		    before:KILL after:KILL stopped:KILL
		run "$m" star stopped:TERM before:KILL after:TERM \
		    stopped:KILL after:KILL before:TERM
	done
	for l in live star; do
		run olddir "$l" before:TERM after:TERM stopped:TERM \
		    restart:TERM before:KILL after:KILL stopped:KILL
		run compress "$l" after:TERM restart:TERM none restart:KILL
		run cp "$l" stopped:TERM after:TERM none restart:KILL \
		    after:KILL stopped:KILL
		run shift "$l" none after:TERM stopped:TERM after:KILL \
		    stopped:KILL
	done
	# Not with the live name: see stopped2 above.
	run shift star stopped2:TERM none stopped2:KILL
	run copytruncate star none stopped:TERM stopped:TERM
	run cp star stopped:TERM none stopped2:TERM
	run create star after:TERM stopped2:TERM
else
	# One run for each bug once found here (see "What was found").
	run olddir live none stopped:TERM
	run copytruncate star none stopped:TERM
	run cp live stopped:TERM none
fi
echo "PASS: logrotate"
