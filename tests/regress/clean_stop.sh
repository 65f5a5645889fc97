#!/usr/bin/env bash
# A clean stop (issue 9): SIGTERM under load, while fakeaws holds every
# answer for a while so that requests are in flight, makes sluiced wait
# for them, save what they acknowledged and exit 0 well before
# shutdownTimeoutMillis.  After a restart every line arrives, and none
# twice.  Then an endpoint that never answers: the stop ends at
# shutdownTimeoutMillis, exit 0, the abandoned requests are logged, and
# after a restart everything arrives (duplicates allowed: fakeaws recorded
# what it never answered).
. "$(dirname "$0")/lib.sh"

RATE=${CLEAN_STOP_RATE:-20000}
TIMEOUT_MS=8000
command -v perl >/dev/null || fail "perl is needed (writer.pl)"

# delay-ms holds every answer: requests are in flight at any instant.
echo "delay-ms=300" >"$tmp/faults"
start_fakeaws -o "$tmp/received.b64" -c "$tmp/faults"
mkdir -p "$tmp/logs"
config() {
	config_head
	cat <<YAML
shutdownTimeoutMillis: $1
flows:
  - filePattern: $tmp/logs/*.log
    kinesisStream: stop
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    retryInitialBackoffMillis: 20
    retryMaxBackoffMillis: 200
YAML
}
config "$TIMEOUT_MS" >"$tmp/sluice.yaml"
"$SLUICED" -n -c "$tmp/sluice.yaml" >/dev/null || fail "config rejected"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# stop_timed: SIGTERM; sets $stop_ms to how long sluiced took to exit;
# fails unless it exits 0 within 30 s.
stop_timed() {
	local t0 i rc
	t0=$(now_ms)
	kill -TERM "$sluiced_pid"
	for ((i = 0; i < 3000; i++)); do
		kill -0 "$sluiced_pid" 2>/dev/null || break
		sleep 0.01
	done
	kill -0 "$sluiced_pid" 2>/dev/null && fail "sluiced still runs 30 s after SIGTERM"
	rc=0
	wait "$sluiced_pid" || rc=$?
	stop_ms=$(($(now_ms) - t0))
	[ "$rc" -eq 0 ] || fail "sluiced exited with status $rc after SIGTERM"
}

received() {
	if [ -f "$tmp/received.b64" ]; then
		wc -l <"$tmp/received.b64"
	else
		echo 0
	fi
}
received_over() {
	[ "$(received)" -gt "$1" ]
}

# compare WANT: prints the figures; fails on a lost or corrupted line.
compare() {
	decode_records "$tmp/received.b64" >"$tmp/got"
	sort "$tmp/got" >"$tmp/got.sorted"
	sort -u "$tmp/got" >"$tmp/got.uniq"
	missing=$(comm -23 "$1" "$tmp/got.uniq" | wc -l)
	extra=$(comm -13 "$1" "$tmp/got.uniq" | wc -l)
	dups=$(($(wc -l <"$tmp/got") - $(wc -l <"$tmp/got.uniq")))
	echo "lines written: $(wc -l <"$1"), records received:" \
	    "$(wc -l <"$tmp/got"), duplicates: $dups, missing: $missing," \
	    "corrupted: $extra"
	[ "$missing" -eq 0 ] || fail "$missing lines lost"
	[ "$extra" -eq 0 ] || fail "$extra records that were never written"
}

all_arrived() {
	[ -f "$tmp/received.b64" ] || return 1
	decode_records "$tmp/received.b64" | sort -u >"$tmp/got.uniq"
	[ "$(comm -23 "$1" "$tmp/got.uniq" | wc -l)" -eq 0 ]
}

# 1. Under load, with answers held 400 ms.
start_sluiced "$tmp/sluice.yaml"
perl "$top_srcdir/tests/regress/writer.pl" "$tmp/logs/a.log" stop "$RATE" &
writer=$!
bg_pids+=($writer)
# Wait until deliveries flow, then a little more: requests are in flight.
wait_for 30 received_over 1000 ||
    fail "nothing delivered within 30 s"
sleep 0.3
stop_timed
echo "stop under load: $stop_ms ms (shutdownTimeoutMillis $TIMEOUT_MS)"
[ "$stop_ms" -lt $((TIMEOUT_MS - 2000)) ] ||
    fail "the stop took $stop_ms ms: it waited for the deadline"
grep -q "every request in flight was answered" "$tmp/sluiced.log" ||
    fail "the stop did not wait for the requests in flight"
grep -q "unanswered" "$tmp/sluiced.log" &&
    fail "requests abandoned at a stop with a working endpoint"
# The backlog goes at full speed from now on.
echo "delay-ms=0" >"$tmp/faults.new"
mv "$tmp/faults.new" "$tmp/faults"
start_sluiced "$tmp/sluice.yaml"
sleep 0.5
kill -TERM "$writer"
wait "$writer" || fail "writer.pl failed"
sort "$tmp/logs/a.log" >"$tmp/want"
[ "$(wc -l <"$tmp/want")" -gt 10000 ] || fail "the writer wrote too little"
wait_for 60 all_arrived "$tmp/want" || true
stop_timed
compare "$tmp/want"
[ "$dups" -eq 0 ] || fail "$dups duplicates after a clean stop"

# 2. An endpoint that never answers: the stop ends at the deadline.
config 1500 >"$tmp/sluice.yaml"
echo "delay-ms=3600000" >"$tmp/faults.new"
mv "$tmp/faults.new" "$tmp/faults"
start_sluiced "$tmp/sluice.yaml"
base=$(received)
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "hang id=%06d\n", i }' \
    >>"$tmp/logs/b.log"
# fakeaws records a request when it reads it, before the held answer.
wait_for 30 received_over "$base" ||
    fail "no request reached fakeaws"
stop_timed
echo "stop with requests never answered: $stop_ms ms (shutdownTimeoutMillis 1500)"
[ "$stop_ms" -ge 1400 ] || fail "the stop did not wait for the requests ($stop_ms ms)"
[ "$stop_ms" -lt 10000 ] || fail "the stop took $stop_ms ms, past the deadline"
grep -q "still unanswered after shutdownTimeoutMillis" "$tmp/sluiced.log" ||
    fail "abandoned requests were not logged"
echo "delay-ms=0" >"$tmp/faults.new"
mv "$tmp/faults.new" "$tmp/faults"
start_sluiced "$tmp/sluice.yaml"
cat "$tmp/logs/a.log" "$tmp/logs/b.log" | sort >"$tmp/want"
wait_for 60 all_arrived "$tmp/want" || true
stop_timed
compare "$tmp/want"
echo "PASS: clean_stop"
