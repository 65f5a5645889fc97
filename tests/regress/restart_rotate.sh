#!/usr/bin/env bash
# Restarts that lose nothing (issue 8, cases 1 and 2; README.md, invariants
# 4 and 5), while a writer appends RESTART_RATE lines a second (20,000 by
# default) with unique ids:
#
# 1. Rotation while sluiced is stopped, with the default initialPosition
#    END_OF_FILE: app.log is renamed app.log.N and a new app.log written
#    before the start.  initialPosition applies only to the first start, so
#    the new file is read from 0, and the renamed one (which the pattern
#    app.log no longer matches) to its end.  Restarted at four points with
#    RESTART_LONG=1 (make check-long: restart_rotate_long.sh): rotation and
#    reopen while stopped, rotation right before the start, reopen after
#    the start, and no rotation; make check tries the first only.
# 2. A rotated file's unread tail across a restart: fakeaws refuses
#    everything, the spool fills and reading pauses, far behind the writer;
#    sluiced is stopped, app.log renamed, and restarted with fakeaws
#    accepting again.  app.log.1's unread megabytes must be found and sent.
# 3. A corrupt registry: sluiced starts, says so once, moves it aside and
#    reads the files again from their start (duplicates, no loss).  One
#    from a newer sluice is left alone, and sluiced keeps running.
#
# Each part checks that every line written reached fakeaws, byte for byte,
# and prints the duplicates.
. "$(dirname "$0")/lib.sh"

RATE=${RESTART_RATE:-20000}
PARTS=${RESTART_PARTS:-123}	# a subset, to try one part on old code
LONG=${RESTART_LONG:-0}
WRITER="$top_srcdir/tests/regress/writer.pl"

start_fakeaws -o "$tmp/received.b64" -c "$tmp/fake.ctl"
fake_ctl() { # fake_ctl "key=value ...": replaces fakeaws's knobs
	printf '%s\n' "$@" >"$tmp/fake.ctl.new"
	mv "$tmp/fake.ctl.new" "$tmp/fake.ctl"
}

# config PART PATTERN [EXTRA]: a config with one flow, stream PART.
config() {
	{
		config_head
		printf '%s\n' "spool.fsyncIntervalMillis: 50" ${3:+"$3"} \
		    "flows:" "  - filePattern: $2" "    kinesisStream: $1" \
		    "    maxBufferAgeMillis: 1000" \
		    "    retryInitialBackoffMillis: 10" \
		    "    retryMaxBackoffMillis: 200"
		[ -z "${4:-}" ] || printf '%s\n' "    $4"
	} >"$tmp/$1.yaml"
}

start_writer() { # start_writer PATH PREFIX
	perl "$WRITER" "$1" "$2" "$RATE" &
	writer_pid=$!
	bg_pids+=($writer_pid)
}
stop_writer() {
	kill -TERM "$writer_pid"
	wait "$writer_pid" || fail "writer failed"
}

# started FILE: sluiced logged its first scan of FILE since the mark.
log_mark=0
mark_log() {
	log_mark=0
	[ ! -f "$tmp/sluiced.log" ] || log_mark=$(wc -l <"$tmp/sluiced.log")
}
started() {
	tail -n +"$((log_mark + 1))" "$tmp/sluiced.log" |
	    grep -q "file=$1: tailing from offset"
}
restart() { # restart PART: start sluiced, wait until it scanned app.log
	mark_log
	start_sluiced "$tmp/$1.yaml"
	wait_for 10 started "$tmp/$1/app.log" || fail "sluiced did not start"
}

received_of() { # received_of PREFIX: the records of one part, as lines
	[ -f "$tmp/received.b64" ] || return 0
	decode_records "$tmp/received.b64" | grep -a "^$1 " || true
}
all_arrived() { # all_arrived PREFIX: every expected line is in
	received_of "$1" | sort -u >"$tmp/got.uniq"
	[ "$(wc -l <"$tmp/got.uniq")" -ge "$(wc -l <"$tmp/want")" ]
}
# check DIR PREFIX: compares the PREFIX lines of DIR's files with fakeaws.
check() {
	cat "$tmp/$1"/app.log* | grep -a "^$2 " | sort -u >"$tmp/want"
	wait_for 60 all_arrived "$2" || true
	received_of "$2" >"$tmp/got"
	sort -u "$tmp/got" >"$tmp/got.uniq"
	missing=$(comm -23 "$tmp/want" "$tmp/got.uniq" | wc -l)
	extra=$(comm -13 "$tmp/want" "$tmp/got.uniq" | wc -l)
	echo "$2: lines written: $(wc -l <"$tmp/want"), records received:" \
	    "$(wc -l <"$tmp/got"), duplicates:" \
	    "$(($(wc -l <"$tmp/got") - $(wc -l <"$tmp/got.uniq")))," \
	    "missing: $missing, corrupted: $extra"
	if [ "$missing" -ne 0 ]; then
		comm -23 "$tmp/want" "$tmp/got.uniq" | head -n 3 >&2
		fail "$2: $missing lines lost"
	fi
	[ "$extra" -eq 0 ] || fail "$2: $extra records never written"
}

# 1. Rotation while stopped, initialPosition END_OF_FILE (the default).
if [[ $PARTS == *1* ]]; then
mkdir -p "$tmp/c1"
config c1 "$tmp/c1/app.log"
printf 'pre line %d\n' 1 2 3 >"$tmp/c1/app.log"	# before the first start
restart c1
start_writer "$tmp/c1/app.log" c1
sleep 0.6
stop_sluiced				# rotated and reopened while stopped
mv "$tmp/c1/app.log" "$tmp/c1/app.log.1"
sleep 0.3
kill -HUP "$writer_pid"
sleep 0.3
restart c1
if [ "$LONG" = 1 ]; then
sleep 0.6
stop_sluiced				# rotated right before the start
sleep 0.3
mv "$tmp/c1/app.log" "$tmp/c1/app.log.2"
kill -HUP "$writer_pid"
restart c1
sleep 0.6
stop_sluiced				# reopened after the start
mv "$tmp/c1/app.log" "$tmp/c1/app.log.3"
mark_log
start_sluiced "$tmp/c1.yaml"
sleep 0.3
kill -HUP "$writer_pid"
wait_for 10 started "$tmp/c1/app.log" || fail "sluiced did not start"
sleep 0.6
stop_sluiced				# no rotation
restart c1
fi
sleep 0.5
stop_writer
check c1 c1
[ -z "$(received_of pre)" ] || fail "c1: lines before the first start sent"
stop_sluiced
fi

# 2. Behind when stopped: the spool is full and reading paused.
if [[ $PARTS == *2* ]]; then
mkdir -p "$tmp/c2"
config c2 "$tmp/c2/app.log" "spool.maxBytes: 1MiB" \
    "initialPosition: START_OF_FILE"
fake_ctl "error503=1"
: >"$tmp/c2/app.log"
restart c2
start_writer "$tmp/c2/app.log" c2
sleep 1.5
stop_sluiced
mv "$tmp/c2/app.log" "$tmp/c2/app.log.1"
kill -HUP "$writer_pid"
sleep 0.3
# The spool holds 1 MiB: at least as much again was left unread.
[ "$(stat -c %s "$tmp/c2/app.log.1")" -gt $((2 * 1024 * 1024)) ] ||
    fail "c2: sluiced was not behind enough to test"
fake_ctl "error503=0"
restart c2
sleep 0.5
stop_writer
check c2 c2
stop_sluiced
fi

# 3. A corrupt registry is moved aside; the flow reads its files again.
if [[ $PARTS == *3* ]]; then
registry=$tmp/state/flows/c2/registry.slot
[ -f "$registry" ] || fail "c3: no registry at $registry"
echo "garbage" >"$registry"
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "c3 id=%08d\n", i }' \
    >>"$tmp/c2/app.log"
restart c2
kill -0 "$sluiced_pid" || fail "c3: sluiced did not survive"
[ "$(grep -c "registry.slot: every slot is corrupt" "$tmp/sluiced.log")" \
    -eq 1 ] || fail "c3: the corrupt registry was not logged once"
ls "$registry".corrupt.* >/dev/null 2>&1 ||
    fail "c3: the corrupt registry was not moved aside"
check c2 c3
wait_for 10 grep -aq "sluice-registry 3 " "$registry" ||
    fail "c3: no new registry"
stop_sluiced

# A registry from a newer sluice (here the text one, found when there is
# no slot file): that flow reads nothing, the file stays.
rm "$registry"
text=$tmp/state/flows/c2/registry
echo "sluice-registry 9" >"$text"
start_sluiced "$tmp/c2.yaml"
wait_for 10 grep -q "has version 9, and this sluiced reads version 3" \
    "$tmp/sluiced.log" || fail "c3: a newer registry was not refused"
kill -0 "$sluiced_pid" || fail "c3: sluiced did not survive a newer registry"
[ "$(cat "$text")" = "sluice-registry 9" ] ||
    fail "c3: the newer registry was overwritten"
[ ! -e "$registry" ] || fail "c3: a registry was written beside the newer one"
stop_sluiced
fi
echo "PASS: restart_rotate"
