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
WRITER="$top_srcdir/tests/regress/writer.pl"

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs"
{
	config_head
	printf '%s\n' "flows:" "  - filePattern: $tmp/logs/app.log*" \
	    "    kinesisStream: poll" "    initialPosition: START_OF_FILE" \
	    "    maxBufferAgeMillis: 1000" "    watchMode: poll" \
	    "    pollIntervalMillis: $INTERVAL"
} >"$tmp/sluice.yaml"
: >"$tmp/logs/app.log"
start_sluiced "$tmp/sluice.yaml"
wait_for 10 grep -q "file=$tmp/logs/app.log: tailing from offset" \
    "$tmp/sluiced.log" || fail "sluiced did not start"
grep -q "watchMode poll" "$tmp/sluiced.log" || fail "not in poll mode"
inotify=$(find "/proc/$sluiced_pid/fd" -lname 'anon_inode:inotify' |
    wc -l)
[ "$inotify" -eq 0 ] || fail "sluiced holds $inotify inotify descriptors"

perl "$WRITER" "$tmp/logs/app.log" poll "$RATE" &
writer_pid=$!
bg_pids+=($writer_pid)
stopped() { [ "$(awk '{ print $3 }' "/proc/$writer_pid/stat")" = T ]; }

# Shifts app.log.N to app.log.N+1, as logrotate does.
shift_old() {
	local j
	for j in $(seq "$1" -1 1); do
		[ ! -f "$tmp/logs/app.log.$j" ] ||
		    mv "$tmp/logs/app.log.$j" "$tmp/logs/app.log.$((j + 1))"
	done
}

for i in $(seq 1 "$ROTATIONS"); do
	sleep 0.7
	if [ $((i % 2)) = 1 ]; then
		shift_old "$i"
		mv "$tmp/logs/app.log" "$tmp/logs/app.log.1"
		kill -HUP "$writer_pid"
	else
		kill -STOP "$writer_pid"
		wait_for 5 stopped || fail "the writer did not stop"
		shift_old "$i"
		cp "$tmp/logs/app.log" "$tmp/logs/app.log.1"
		truncate -s 0 "$tmp/logs/app.log"
		kill -CONT "$writer_pid"
	fi
done
sleep 0.7
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
grep -q "truncated from" "$tmp/sluiced.log" ||
    fail "the copytruncate was not seen as a truncation"
echo "PASS: poll"
