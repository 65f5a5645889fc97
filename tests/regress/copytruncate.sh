#!/usr/bin/env bash
# Copytruncate with a pattern that matches the copies too, app.log* (issue
# 8, case 4), while a writer appends CT_RATE lines a second (20,000 by
# default) with unique ids.  Each copy app.log.1 is a new inode whose bytes
# were already read from app.log: it must go on from the offset reached
# there, not be sent again.  The older copies are shifted first
# (app.log.1 to app.log.2 ...), as logrotate does.  The writer is stopped
# between cp and truncate: lines written in between are lost by
# copytruncate itself, not by sluice.  Every line must arrive, and the
# duplicates stay under 1% of the lines.
. "$(dirname "$0")/lib.sh"

RATE=${CT_RATE:-20000}
ROTATIONS=${CT_ROTATIONS:-4}

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs"
{
	config_head
	printf '%s\n' "flows:" "  - filePattern: $tmp/logs/app.log*" \
	    "    kinesisStream: ct" "    initialPosition: START_OF_FILE" \
	    "    maxBufferAgeMillis: 1000"
} >"$tmp/sluice.yaml"
start_sluiced_tailing "$tmp/sluice.yaml" "$tmp/logs/app.log"

start_writer "$tmp/logs/app.log" ct "$RATE"
for i in $(seq 1 "$ROTATIONS"); do
	sleep 0.5
	copytruncate_stopped "$tmp/logs/app.log" "$i"
done
sleep 0.5
stop_writer

cat "$tmp/logs"/app.log* | sort -u >"$tmp/want"
check_all_arrived "$tmp/want"
[ "$lines" -gt $((RATE * ROTATIONS / 4)) ] || fail "too few lines written"
[ $((dups * 100)) -lt "$lines" ] ||
    fail "$dups duplicates: 1% or more of $lines lines"
echo "PASS: copytruncate"
