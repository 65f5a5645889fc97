#!/usr/bin/env bash
# End to end against fakeaws: 100,000 lines with unique ids in two files,
# sluiced restarted once in the middle, 20% of records throttled.  Every
# line must reach the endpoint byte for byte; duplicates are counted.
. "$(dirname "$0")/lib.sh"

LINES=${E2E_LINES:-100000}
CHUNKS=20

start_fakeaws -s e2e -o "$tmp/received.b64" --throttle 0.2 --seed 7

mkdir -p "$tmp/logs"
{
	config_head
	cat <<YAML
flows:
  - filePattern: $tmp/logs/*.log
    kinesisStream: e2e
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    retryInitialBackoffMillis: 20
    retryMaxBackoffMillis: 200
YAML
} >"$tmp/sluice.yaml"
"$SLUICED" -n -c "$tmp/sluice.yaml" >/dev/null || fail "config rejected"

# Lines vary in length and content; ids make each one unique.
gen() {
	awk -v from="$1" -v to="$2" -v f="$3" 'BEGIN {
		for (i = from; i < to; i++) {
			pad = substr("abcdefghijklmnopqrstuvwxyz0123456789\"\\\t{}", 1, i % 40)
			printf "%s id=%08d \"GET /p/%d HTTP/1.1\" %s\n", f, i, i * 7, pad
		}
	}'
}

start_sluiced "$tmp/sluice.yaml"
per=$((LINES / CHUNKS))
for ((c = 0; c < CHUNKS; c++)); do
	from=$((c * per))
	to=$(((c + 1) * per))
	if ((c % 2 == 0)); then f=a; else f=b; fi
	gen "$from" "$to" "$f" >>"$tmp/logs/$f.log"
	if ((c == CHUNKS / 2)); then
		sluicectl_st -s "$tmp/sluice.sock" status >"$tmp/status.txt" ||
		    fail "sluicectl status failed"
		cat "$tmp/status.txt"
		stop_sluiced
		echo "restarted sluiced after chunk $c"
		start_sluiced "$tmp/sluice.yaml"
	fi
	sleep 0.1
done
cat "$tmp"/logs/a.log "$tmp"/logs/b.log | sort >"$tmp/expected"
[ "$(wc -l <"$tmp/expected")" -eq "$LINES" ] || fail "generator wrote wrong count"

check_all() {
	[ -f "$tmp/received.b64" ] || return 1
	[ "$(wc -l <"$tmp/received.b64")" -ge "$LINES" ] || return 1
	decode_records "$tmp/received.b64" | sort -u >"$tmp/got.uniq"
	[ "$(wc -l <"$tmp/got.uniq")" -ge "$LINES" ]
}
wait_for 120 check_all || true
stop_sluiced

decode_records "$tmp/received.b64" >"$tmp/got"
sort -u "$tmp/got" >"$tmp/got.uniq"
received=$(wc -l <"$tmp/got")
unique=$(wc -l <"$tmp/got.uniq")
missing=$(comm -23 "$tmp/expected" "$tmp/got.uniq" | wc -l)
extra=$(comm -13 "$tmp/expected" "$tmp/got.uniq" | wc -l)
kill -USR1 "$fake_pid" 2>/dev/null || true
sleep 0.2
echo "lines written: $LINES, records received: $received, unique: $unique," \
    "duplicates: $((received - unique)), missing: $missing, corrupted: $extra"
grep -h 'fakeaws:' "$tmp/fakeaws.log" | tail -n 1 || true
throttled=$(grep -o 'records_failed=[0-9]*' "$tmp/fakeaws.log" | tail -n 1 | cut -d= -f2)
[ "$missing" -eq 0 ] || fail "$missing lines never arrived"
[ "$extra" -eq 0 ] || fail "$extra records arrived that were never written"
[ "${throttled:-0}" -gt 0 ] || fail "fakeaws throttled nothing; the test proved nothing"
echo "PASS: e2e_fakeaws"
