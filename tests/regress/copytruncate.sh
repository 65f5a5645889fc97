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
WRITER="$top_srcdir/tests/regress/writer.pl"

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs"
{
	config_head
	printf '%s\n' "flows:" "  - filePattern: $tmp/logs/app.log*" \
	    "    kinesisStream: ct" "    initialPosition: START_OF_FILE" \
	    "    maxBufferAgeMillis: 1000"
} >"$tmp/sluice.yaml"
: >"$tmp/logs/app.log"
start_sluiced "$tmp/sluice.yaml"
wait_for 10 grep -q "file=$tmp/logs/app.log: tailing from offset" \
    "$tmp/sluiced.log" || fail "sluiced did not start"

perl "$WRITER" "$tmp/logs/app.log" ct "$RATE" &
writer_pid=$!
bg_pids+=($writer_pid)
stopped() { [ "$(awk '{ print $3 }' "/proc/$writer_pid/stat")" = T ]; }

for i in $(seq 1 "$ROTATIONS"); do
	sleep 0.5
	kill -STOP "$writer_pid"
	wait_for 5 stopped || fail "the writer did not stop"
	for j in $(seq "$i" -1 1); do
		[ ! -f "$tmp/logs/app.log.$j" ] ||
		    mv "$tmp/logs/app.log.$j" "$tmp/logs/app.log.$((j + 1))"
	done
	cp "$tmp/logs/app.log" "$tmp/logs/app.log.1"
	truncate -s 0 "$tmp/logs/app.log"
	kill -CONT "$writer_pid"
done
sleep 0.5
kill -TERM "$writer_pid"
wait "$writer_pid" || fail "writer failed"

cat "$tmp/logs"/app.log* | sort -u >"$tmp/want"
received() { decode_records "$tmp/received.b64" 2>/dev/null; }
all_arrived() {
	received | sort -u >"$tmp/got.uniq"
	[ "$(wc -l <"$tmp/got.uniq")" -ge "$(wc -l <"$tmp/want")" ]
}
wait_for 60 all_arrived || true
sleep 1					# duplicates still on their way
received >"$tmp/got"
sort -u "$tmp/got" >"$tmp/got.uniq"
lines=$(wc -l <"$tmp/want")
records=$(wc -l <"$tmp/got")
dups=$((records - $(wc -l <"$tmp/got.uniq")))
missing=$(comm -23 "$tmp/want" "$tmp/got.uniq" | wc -l)
extra=$(comm -13 "$tmp/want" "$tmp/got.uniq" | wc -l)
echo "lines written: $lines, records received: $records," \
    "duplicates: $dups, missing: $missing, corrupted: $extra"
[ "$lines" -gt $((RATE * ROTATIONS / 4)) ] || fail "too few lines written"
[ "$missing" -eq 0 ] || fail "$missing lines lost"
[ "$extra" -eq 0 ] || fail "$extra records never written"
[ $((dups * 100)) -lt "$lines" ] ||
    fail "$dups duplicates: 1% or more of $lines lines"
echo "PASS: copytruncate"
