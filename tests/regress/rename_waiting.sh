#!/usr/bin/env bash
# A file renamed out of the pattern before it ever got a descriptor is
# found again by its inode and read (tailer.c, tailer_locate); it used to
# be dropped as "gone before a descriptor was free for it", its lines
# lost.  The flow has maxOpenRotatedFiles: 1, so while the rotated
# app.log.1 still grows (a slow writer keeps it open), the new app.log
# waits for a descriptor; it is renamed app.log.2 while it waits, with
# RWAIT_RATE lines a second (20,000 by default) written to it.  Every line
# must arrive; the duplicates are printed.
. "$(dirname "$0")/lib.sh"

RATE=${RWAIT_RATE:-20000}
WRITER="$top_srcdir/tests/regress/writer.pl"

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs"
{
	config_head
	printf '%s\n' "flows:" "  - filePattern: $tmp/logs/app.log" \
	    "    kinesisStream: rw" "    initialPosition: START_OF_FILE" \
	    "    maxBufferAgeMillis: 1000" "    rotatedFileQuietMillis: 1500" \
	    "    maxOpenRotatedFiles: 1"
} >"$tmp/sluice.yaml"
start_sluiced_tailing "$tmp/sluice.yaml" "$tmp/logs/app.log"

perl "$WRITER" "$tmp/logs/app.log" rw "$RATE" &
writer_pid=$!
bg_pids+=($writer_pid)
reopened() { # the writer writes to app.log, a new file
	ls -l "/proc/$writer_pid/fd" 2>/dev/null |
	    grep -q " $tmp/logs/app.log\$"
}
exec 3>>"$tmp/logs/app.log"
printf 'slow id=%08d\n' 0 >&3
sleep 0.5
mv "$tmp/logs/app.log" "$tmp/logs/app.log.1"
kill -HUP "$writer_pid"
wait_for 10 reopened || fail "the writer did not reopen"
# app.log.1 grows: the new app.log waits.
wait_for 10 grep -q "1 rotated files open (maxOpenRotatedFiles)" \
    "$tmp/sluiced.log" || fail "maxOpenRotatedFiles was not reached"
for i in $(seq 1 5); do
	sleep 0.2
	printf 'slow id=%08d\n' "$i" >&3
done
grep -q "file=$tmp/logs/app.log: tailing from offset" <(
    tail -n +2 "$tmp/sluiced.log" | grep -v "^.*app.log: tailing.*" ||
    true) && fail "the test is wrong: the new app.log was opened"
mv "$tmp/logs/app.log" "$tmp/logs/app.log.2"
kill -HUP "$writer_pid"
wait_for 10 reopened || fail "the writer did not reopen"
for i in $(seq 6 15); do
	sleep 0.2
	printf 'slow id=%08d\n' "$i" >&3
done
exec 3>&-
sleep 0.5
kill -TERM "$writer_pid"
wait "$writer_pid" || fail "writer failed"

cat "$tmp/logs"/app.log* | sort -u >"$tmp/want"
[ "$(grep -c '^rw ' "$tmp/logs/app.log.2")" -gt 0 ] ||
    fail "the test is wrong: nothing was written to app.log.2"
check_all_arrived "$tmp/want"
grep -q "file=$tmp/logs/app.log: renamed while it had no descriptor; now $tmp/logs/app.log.2" \
    "$tmp/sluiced.log" || fail "app.log.2 was not found by its inode"
echo "PASS: rename_waiting"
