#!/usr/bin/env bash
# A fair ingest loop with many flows (issue 8, case 7): BACKLOG_FLOWS
# flows (4 by default) each have a backlog of BACKLOG_LINES lines when
# sluiced starts.  The flows with a backlog share one reading budget per
# loop round, so however many there are, a SIGTERM in the middle must be
# logged within BACKLOG_SIGNAL_MS and end the daemon within 2 s.  The goal
# is 100 ms, which an idle machine meets (about 20-60 ms here with 4 flows,
# 75-120 ms with 12 where the loop without a shared budget took 180-350);
# on a CI machine running other jobs scheduling alone can add a few hundred
# ms, so the default limit is 400 ms: set BACKLOG_SIGNAL_MS=100 where the
# machine is quiet.
# After a restart every line of every flow must arrive, byte for byte;
# duplicates are counted.  As in backlog.sh, the stream is missing until
# the SIGTERM, so that only the loop bounds the reading, and the lines go
# through PARSEJSON, a converter slow enough for the backlog to last.
. "$(dirname "$0")/lib.sh"

FLOWS=${BACKLOG_FLOWS:-4}
LINES=${BACKLOG_LINES:-150000}
SIGNAL_MS=${BACKLOG_SIGNAL_MS:-400}

echo "notfound=1" >"$tmp/faults"
start_fakeaws -o "$tmp/received.b64" -c "$tmp/faults"
mkdir -p "$tmp/logs"
{
	config_head
	echo "spool.maxBytes: 4GiB"
	echo "spool.fsyncIntervalMillis: 20"
	echo "flows:"
	for ((f = 0; f < FLOWS; f++)); do
		cat <<YAML
  - filePattern: $tmp/logs/b$f.log
    kinesisStream: backlog$f
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    retryInitialBackoffMillis: 10
    retryMaxBackoffMillis: 100
    dataProcessingOptions:
      - optionName: PARSEJSON
YAML
	done
} >"$tmp/sluice.yaml"
for ((f = 0; f < FLOWS; f++)); do
	awk -v n="$LINES" -v f="$f" 'BEGIN {
		pad = sprintf("%64s", ""); gsub(/ /, "x", pad)
		for (i = 0; i < n; i++)
			printf "{\"id\":\"%d-%08d\",\"msg\":\"backlog %s\"}\n", f, i, pad
	}' >"$tmp/logs/b$f.log"
done
total=$(cat "$tmp/logs"/b*.log | wc -c)

bytes_read() {
	sluicectl_st -s "$tmp/sluice.sock" status -j 2>/dev/null |
	    perl -ne '$r += $1 while /"bytesRead":(\d+)/g;
		END { print $r + 0, "\n" }' || echo 0
}

start_sluiced "$tmp/sluice.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not start"
# The SIGTERM goes once a quarter of all the backlogs was read.
for ((i = 0; i < 3000; i++)); do
	r=$(bytes_read)
	[ "$r" -ge $((total / 4)) ] && break
	sleep 0.01
done
sigterm_timed
echo "$FLOWS flows: SIGTERM after $r of $total bytes read; logged after" \
    "$logged ms, sluiced exited after $exited ms"
[ "$r" -lt "$total" ] ||
    fail "the backlogs were read before the SIGTERM: make BACKLOG_LINES larger"
[ "$logged" -le "$SIGNAL_MS" ] ||
    fail "SIGTERM was logged $logged ms after it was sent (limit $SIGNAL_MS)"
[ "$exited" -le 2000 ] || fail "sluiced took $exited ms to stop"

echo "notfound=0" >"$tmp/faults.new" && mv "$tmp/faults.new" "$tmp/faults"
start_sluiced "$tmp/sluice.yaml"
want=$((FLOWS * LINES))
have_all() {
	[ -f "$tmp/received.b64" ] &&
	    [ "$(decode_records "$tmp/received.b64" | sort -u | wc -l)" -ge "$want" ]
}
wait_for 120 have_all || true
stop_sluiced
decode_records "$tmp/received.b64" >"$tmp/got"
sort -u "$tmp/got" >"$tmp/got.uniq"
cat "$tmp/logs"/b*.log | sort -u >"$tmp/want"
missing=$(comm -23 "$tmp/want" "$tmp/got.uniq" | wc -l)
extra=$(comm -13 "$tmp/want" "$tmp/got.uniq" | wc -l)
echo "lines written: $want, records received: $(wc -l <"$tmp/got")," \
    "duplicates: $(($(wc -l <"$tmp/got") - $(wc -l <"$tmp/got.uniq")))," \
    "missing: $missing, corrupted: $extra"
[ "$missing" -eq 0 ] || fail "$missing lines lost"
[ "$extra" -eq 0 ] || fail "$extra records that were never written"
echo "PASS: backlog_flows"
