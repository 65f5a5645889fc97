#!/usr/bin/env bash
# Crash safety (README.md, invariant 5): sluiced is killed with SIGKILL
# twice while it reads and sends, and the endpoint drops connections and
# fails requests meanwhile.  After a last clean run every line must have
# arrived, byte for byte; duplicates are allowed and counted.
. "$(dirname "$0")/lib.sh"

LINES=${CRASH_LINES:-30000}
start_fakeaws -o "$tmp/received.b64" --throttle 0.1 --error503 0.05 \
    --drop 0.05 --seed 11
mkdir -p "$tmp/logs"
{
	config_head
	cat <<YAML
spool.fsyncIntervalMillis: 50
flows:
  - filePattern: $tmp/logs/*.log
    kinesisStream: crash
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    retryInitialBackoffMillis: 10
    retryMaxBackoffMillis: 100
YAML
} >"$tmp/sluice.yaml"

gen() {
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i < b; i++) printf "crash id=%07d %s\n", i, substr("0123456789abcdefghij", 1, i % 20) }'
}
start_sluiced "$tmp/sluice.yaml"
third=$((LINES / 3))
for part in 0 1 2; do
	gen $((part * third)) $(((part + 1) * third)) >>"$tmp/logs/c.log"
	sleep 0.7
	if [ "$part" -lt 2 ]; then
		kill -KILL "$sluiced_pid"
		wait "$sluiced_pid" 2>/dev/null || true
		echo "killed sluiced (SIGKILL) after part $part"
		start_sluiced "$tmp/sluice.yaml"
	fi
done
total=$((3 * third))
check() {
	[ -f "$tmp/received.b64" ] || return 1
	decode_records "$tmp/received.b64" | sort -u >"$tmp/got.uniq"
	[ "$(wc -l <"$tmp/got.uniq")" -ge "$total" ]
}
wait_for 90 check || true
stop_sluiced
sort -u "$tmp/logs/c.log" >"$tmp/want"
decode_records "$tmp/received.b64" >"$tmp/got"
sort -u "$tmp/got" >"$tmp/got.uniq"
missing=$(comm -23 "$tmp/want" "$tmp/got.uniq" | wc -l)
extra=$(comm -13 "$tmp/want" "$tmp/got.uniq" | wc -l)
echo "lines written: $total, records received: $(wc -l <"$tmp/got")," \
    "duplicates: $(($(wc -l <"$tmp/got") - $(wc -l <"$tmp/got.uniq")))," \
    "missing: $missing, corrupted: $extra"
[ "$missing" -eq 0 ] || fail "$missing lines lost across SIGKILL"
[ "$extra" -eq 0 ] || fail "$extra records that were never written"
echo "PASS: crash"
