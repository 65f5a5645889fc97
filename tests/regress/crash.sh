#!/usr/bin/env bash
# Crash safety (README.md, invariant 5; issue 9): sluiced is killed with
# SIGKILL at random moments, KILLS times (20 by default), while a writer
# appends RATE lines a second (2,000), the log rotates by rename and by
# copytruncate, and fakeaws throttles records, fails requests (500, 503)
# and drops connections.  After a last clean run every line must have
# arrived, byte for byte; the duplicate rate is printed and must stay
# under MAX_DUP_PCT (5%): a SIGKILL may resend what was in flight, not
# what was acknowledged.  The kills come GAP_MIN_MS to GAP_MAX_MS apart
# (0.5 to 2.5 s: 20 kills over about 30 s, some 60,000 lines, so that the
# rate measures what a kill costs and not how often the daemon starts).
# crash_long.sh runs it with thousands of kills, closer together.
. "$(dirname "$0")/lib.sh"

KILLS=${KILLS:-20}
RATE=${CRASH_RATE:-2000}
MAX_DUP_PCT=${MAX_DUP_PCT:-5}
SEED=${CRASH_SEED:-$$}
GAP_MIN_MS=${GAP_MIN_MS:-500}
GAP_MAX_MS=${GAP_MAX_MS:-2500}
WRITER="$top_srcdir/tests/regress/writer.pl"
command -v perl >/dev/null || fail "perl is needed (writer.pl)"
echo "kills: $KILLS, rate: $RATE lines/s, seed: $SEED"
RANDOM=$SEED

start_fakeaws -o "$tmp/received.b64" --throttle 0.05 --error500 0.03 \
    --error503 0.03 --drop 0.02 --seed "$SEED"
mkdir -p "$tmp/logs"
{
	config_head
	cat <<YAML
spool.fsyncIntervalMillis: 50
flows:
  - filePattern: $tmp/logs/app.log*
    kinesisStream: crash
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    retryInitialBackoffMillis: 10
    retryMaxBackoffMillis: 100
YAML
} >"$tmp/sluice.yaml"
start_sluiced_tailing "$tmp/sluice.yaml" "$tmp/logs/app.log"
perl "$WRITER" "$tmp/logs/app.log" crash "$RATE" &
writer_pid=$!
bg_pids+=($writer_pid)

writer_stopped() {
	[ "$(awk '{ print $3 }' "/proc/$writer_pid/stat")" = T ]
}
nrot=0
# rotate: by rename (then the writer reopens, as after logrotate's
# postrotate), or by copytruncate with the writer stopped between cp and
# truncate (lines written there are lost by copytruncate, not by sluice).
rotate() {
	nrot=$((nrot + 1))
	if ((nrot % 2)); then
		mv "$tmp/logs/app.log" "$tmp/logs/app.log.r$nrot"
		kill -HUP "$writer_pid"
	else
		kill -STOP "$writer_pid"
		wait_for 5 writer_stopped || fail "the writer did not stop"
		cp "$tmp/logs/app.log" "$tmp/logs/app.log.c$nrot"
		truncate -s 0 "$tmp/logs/app.log"
		kill -CONT "$writer_pid"
	fi
}
t0=$(date +%s)
for ((k = 1; k <= KILLS; k++)); do
	# At random: sometimes before the first batch goes, sometimes in
	# the middle of a request, a rotation or a spool sync.
	gap=$((GAP_MIN_MS + (RANDOM * 32768 + RANDOM) % (GAP_MAX_MS - GAP_MIN_MS + 1)))
	sleep "$((gap / 1000)).$(printf %03d $((gap % 1000)))"
	if ((RANDOM % 3 == 0)); then
		rotate
	fi
	kill -KILL "$sluiced_pid"
	wait "$sluiced_pid" 2>/dev/null || true
	if ((k % 100 == 0)); then
		echo "$k kills, $(($(date +%s) - t0)) s"
	fi
	start_sluiced "$tmp/sluice.yaml"
done
sleep 0.5
kill -TERM "$writer_pid"
wait "$writer_pid" || fail "writer.pl failed"
cat "$tmp/logs"/app.log* | sort >"$tmp/want"
total=$(wc -l <"$tmp/want")
[ "$(sort -u "$tmp/want" | wc -l)" -eq "$total" ] ||
    fail "a line is in two files: the test rotated wrongly"

all_arrived() {
	[ -f "$tmp/received.b64" ] || return 1
	decode_records "$tmp/received.b64" | sort -u >"$tmp/got.uniq"
	[ "$(comm -23 "$tmp/want" "$tmp/got.uniq" | wc -l)" -eq 0 ]
}
wait_for 120 all_arrived || true
stop_sluiced
decode_records "$tmp/received.b64" >"$tmp/got"
sort -u "$tmp/got" >"$tmp/got.uniq"
received=$(wc -l <"$tmp/got")
dups=$((received - $(wc -l <"$tmp/got.uniq")))
missing=$(comm -23 "$tmp/want" "$tmp/got.uniq" | wc -l)
extra=$(comm -13 "$tmp/want" "$tmp/got.uniq" | wc -l)
pct=$(awk -v d="$dups" -v t="$total" 'BEGIN { printf "%.2f", t ? 100 * d / t : 0 }')
kill -USR1 "$fake_pid" 2>/dev/null || true
sleep 0.2
grep -h 'fakeaws: requests' "$tmp/fakeaws.log" | tail -n 1 || true
echo "kills: $KILLS, rotations: $nrot, lines written: $total," \
    "records received: $received, duplicates: $dups ($pct%)," \
    "missing: $missing, corrupted: $extra"
[ "$missing" -eq 0 ] || fail "$missing lines lost across SIGKILL"
[ "$extra" -eq 0 ] || fail "$extra records that were never written"
awk -v p="$pct" -v m="$MAX_DUP_PCT" 'BEGIN { exit !(p < m) }' ||
    fail "duplicate rate $pct% is not under $MAX_DUP_PCT%"
echo "PASS: crash"
