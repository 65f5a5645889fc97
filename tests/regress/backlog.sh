#!/usr/bin/env bash
# A fair ingest loop (issue 8, case 7): while sluiced reads a backlog, the
# loop keeps handling signals, timers and checkpoints.  A file of
# BACKLOG_LINES lines (about 100 bytes each) is there before the start;
# while it is read, the checkpointed offsets that status shows must move
# more than once before the end, and a SIGTERM in the middle must be
# logged within BACKLOG_SIGNAL_MS and end the daemon within 2 s.  After a
# restart every line must arrive, byte for byte; duplicates are counted.
# Then, with nothing left to read or send, the daemon must be idle: no
# timer faster than 1 s, so a handful of wakeups in 2 s.
#
# The endpoint answers "stream not found" until the SIGTERM, so the read
# never waits for delivery and the spool (spool.maxBytes, above the
# backlog) holds it all: what bounds the read is the loop alone.  The
# lines are JSON through PARSEJSON (which writes them back unchanged), a
# converter slow enough that 40 MB take most of a second to read; the
# unconverted read is ten times as fast and needs a bigger file to show
# anything (check-long: backlog_long.sh, 200 MB).
. "$(dirname "$0")/lib.sh"

LINES=${BACKLOG_LINES:-400000}
CONVERTER=${BACKLOG_CONVERTER-PARSEJSON}
SIGNAL_MS=${BACKLOG_SIGNAL_MS:-200}

echo "notfound=1" >"$tmp/faults"
start_fakeaws -o "$tmp/received.b64" -c "$tmp/faults"
mkdir -p "$tmp/logs"
{
	config_head
	cat <<YAML
spool.maxBytes: 4GiB
spool.fsyncIntervalMillis: 20
flows:
  - filePattern: $tmp/logs/b.log
    kinesisStream: backlog
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    retryInitialBackoffMillis: 10
    retryMaxBackoffMillis: 100
YAML
	if [ -n "$CONVERTER" ]; then
		printf '    dataProcessingOptions:\n'
		printf '      - optionName: %s\n' "$CONVERTER"
	fi
} >"$tmp/sluice.yaml"
awk -v n="$LINES" 'BEGIN {
	pad = sprintf("%64s", ""); gsub(/ /, "x", pad)
	for (i = 0; i < n; i++)
		printf "{\"id\":\"%08d\",\"msg\":\"backlog %s\"}\n", i, pad
}' >"$tmp/logs/b.log"
size=$(stat -c %s "$tmp/logs/b.log")

status() {
	"$SLUICECTL" -s "$tmp/sluice.sock" status -j 2>/dev/null |
	    perl -ne '$o = $1 if /"offset":(\d+)/;
		$r = $1 if /"bytesRead":(\d+)/;
		END { printf "%d %d\n", $o, $r }' || echo "0 0"
}

start_sluiced "$tmp/sluice.yaml"
started=$(now_ms)
wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not start"
# Offsets that status shows before the end of the file: checkpoints.  The
# SIGTERM goes once two are seen, or once three quarters of the file were
# read (at 500 MB/s, polling every 10-30 ms sees one checkpoint a quarter).
seen=()
last=0
for ((i = 0; i < 2000; i++)); do
	read -r o r < <(status)
	if [ "$o" -gt "$last" ] && [ "$o" -lt "$size" ]; then
		seen+=("$o")
		last=$o
	fi
	[ "${#seen[@]}" -ge 2 ] && break
	[ "$r" -ge $((size / 4 * 3)) ] && break
	sleep 0.01
done
sigterm_timed
echo "SIGTERM $((sent - started)) ms after start, $r of $size bytes read;" \
    "checkpointed offsets seen: ${seen[*]:-none}"
echo "SIGTERM logged after $logged ms, sluiced exited after $exited ms"
[ "$logged" -le "$SIGNAL_MS" ] ||
    fail "SIGTERM was logged $logged ms after it was sent (limit $SIGNAL_MS)"
[ "$exited" -le 2000 ] || fail "sluiced took $exited ms to stop"
[ "$r" -lt "$size" ] ||
    fail "the backlog was read before the SIGTERM: make BACKLOG_LINES larger"
[ "${#seen[@]}" -ge 2 ] ||
    fail "checkpoints did not move while the backlog was read"

echo "notfound=0" >"$tmp/faults.new" && mv "$tmp/faults.new" "$tmp/faults"
start_sluiced "$tmp/sluice.yaml"
have_all() {
	[ -f "$tmp/received.b64" ] &&
	    [ "$(decode_records "$tmp/received.b64" | sort -u | wc -l)" -ge "$LINES" ]
}
wait_for 120 have_all || true

# Idle: every blocking epoll_wait that returns is a voluntary context
# switch of its thread.  Timers of 1 s or more wake the daemon a few times
# in 2 s; one of 250 ms would wake it 8 times, a busy loop thousands.
wakeups() {
	local f n s=0
	for f in /proc/"$sluiced_pid"/task/*/status; do
		n=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "$f" || true)
		s=$((s + ${n:-0}))
	done
	echo "$s"
}
sleep 1
w0=$(wakeups)
sleep 2
w1=$(wakeups)
echo "idle: $((w1 - w0)) wakeups in 2 s"
[ $((w1 - w0)) -lt 8 ] || fail "an idle sluiced woke $((w1 - w0)) times in 2 s"
stop_sluiced
decode_records "$tmp/received.b64" >"$tmp/got"
sort -u "$tmp/got" >"$tmp/got.uniq"
sort -u "$tmp/logs/b.log" >"$tmp/want"
missing=$(comm -23 "$tmp/want" "$tmp/got.uniq" | wc -l)
extra=$(comm -13 "$tmp/want" "$tmp/got.uniq" | wc -l)
echo "lines written: $LINES, records received: $(wc -l <"$tmp/got")," \
    "duplicates: $(($(wc -l <"$tmp/got") - $(wc -l <"$tmp/got.uniq")))," \
    "missing: $missing, corrupted: $extra"
[ "$missing" -eq 0 ] || fail "$missing lines lost"
[ "$extra" -eq 0 ] || fail "$extra records that were never written"
echo "PASS: backlog"
