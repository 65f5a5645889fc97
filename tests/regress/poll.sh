#!/usr/bin/env bash
# watchMode poll (issue 8): a flow for files where inotify reports nothing
# (NFS, FUSE).  The daemon must hold no inotify descriptor, and the scan
# every pollIntervalMillis must find growth, rotation by rename, truncation
# and new files as inotify would.  A writer appends POLL_RATE lines a
# second (20,000 by default) with unique ids to app.log, the pattern is
# app.log*; it is rotated by rename (the writer reopens on SIGHUP) and by
# copytruncate (the writer is stopped between cp and truncate: lines written
# in between are lost by copytruncate itself, not by sluice), in turns.
# Every line must arrive, byte for byte; duplicates are counted.
. "$(dirname "$0")/lib.sh"

RATE=${POLL_RATE:-20000}
ROTATIONS=${POLL_ROTATIONS:-4}
INTERVAL=${POLL_INTERVAL_MS:-250}

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs"
{
	config_head
	printf '%s\n' "flows:" "  - filePattern: $tmp/logs/app.log*" \
	    "    kinesisStream: poll" "    initialPosition: START_OF_FILE" \
	    "    maxBufferAgeMillis: 1000" "    watchMode: poll" \
	    "    pollIntervalMillis: $INTERVAL"
} >"$tmp/sluice.yaml"
start_sluiced_tailing "$tmp/sluice.yaml" "$tmp/logs/app.log"
grep -q "watchMode poll" "$tmp/sluiced.log" || fail "not in poll mode"
inotify=$(find "/proc/$sluiced_pid/fd" -lname 'anon_inode:inotify' |
    wc -l)
[ "$inotify" -eq 0 ] || fail "sluiced holds $inotify inotify descriptors"

start_writer "$tmp/logs/app.log" poll "$RATE"
for i in $(seq 1 "$ROTATIONS"); do
	sleep 0.7
	if [ $((i % 2)) = 1 ]; then
		shift_rotated "$tmp/logs/app.log" "$i"
		mv "$tmp/logs/app.log" "$tmp/logs/app.log.1"
		kill -HUP "$writer_pid"
	else
		copytruncate_stopped "$tmp/logs/app.log" "$i"
	fi
done
sleep 0.7
stop_writer

cat "$tmp/logs"/app.log* | sort -u >"$tmp/want"
check_all_arrived "$tmp/want"
[ "$lines" -gt $((RATE * ROTATIONS / 4)) ] || fail "too few lines written"
grep -q "truncated from" "$tmp/sluiced.log" ||
    fail "the copytruncate was not seen as a truncation"
echo "PASS: poll"
