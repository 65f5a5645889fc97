#!/usr/bin/env bash
# A renamed file that is still written (issue 8, case 5): an application
# writes to its old file until it reopens its log.  app.log is renamed
# app.log.1 while a writer appends ROTGROW_RATE lines a second (20,000 by
# default) and reopens at once; a second, slow writer keeps the old file
# open and appends a line every 0.2 s to it for 6 s after the rename.  With
# rotatedFileQuietMillis 1500, app.log.1 is read for as long as it grows;
# the old code closed it 5 s after the rename and lost the last lines.
# Every line must arrive; the duplicates are printed.
#
# With ROTGROW_CAP=1 (make check-long: rotate_grow_long.sh), the flow has
# maxOpenRotatedFiles: 1: the new app.log waits until app.log.1 is read,
# quiet and closed, then is read from its start; nothing is lost.
. "$(dirname "$0")/lib.sh"

RATE=${ROTGROW_RATE:-20000}
CAP=${ROTGROW_CAP:-0}
WRITER="$top_srcdir/tests/regress/writer.pl"

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs"
{
	config_head
	printf '%s\n' "flows:" "  - filePattern: $tmp/logs/app.log" \
	    "    kinesisStream: rg" "    initialPosition: START_OF_FILE" \
	    "    maxBufferAgeMillis: 1000" "    rotatedFileQuietMillis: 1500"
	[ "$CAP" = 0 ] || printf '%s\n' "    maxOpenRotatedFiles: 1"
} >"$tmp/sluice.yaml"
start_sluiced_tailing "$tmp/sluice.yaml" "$tmp/logs/app.log"

perl "$WRITER" "$tmp/logs/app.log" rg "$RATE" &
writer_pid=$!
bg_pids+=($writer_pid)
exec 3>>"$tmp/logs/app.log"
printf 'slow id=%08d\n' 0 >&3
sleep 0.5
mv "$tmp/logs/app.log" "$tmp/logs/app.log.1"
kill -HUP "$writer_pid"
for i in $(seq 1 30); do
	sleep 0.2
	printf 'slow id=%08d\n' "$i" >&3
done
exec 3>&-
kill -TERM "$writer_pid"
wait "$writer_pid" || fail "writer failed"
[ "$(grep -c '^slow ' "$tmp/logs/app.log.1")" -eq 31 ] ||
    fail "the slow writer's lines are not in app.log.1"

cat "$tmp/logs"/app.log* | sort -u >"$tmp/want"
check_all_arrived "$tmp/want"
if [ "$CAP" != 0 ]; then
	grep -q "1 rotated files open (maxOpenRotatedFiles)" \
	    "$tmp/sluiced.log" || fail "maxOpenRotatedFiles was not reached"
	grep -q "files are opened again" "$tmp/sluiced.log" ||
	    fail "maxOpenRotatedFiles did not end"
fi
echo "PASS: rotate_grow"
