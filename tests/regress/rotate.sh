#!/usr/bin/env bash
# Rotation, deletion and truncation while sluiced runs (README.md, invariant
# 4): a file renamed away is read to its end, including lines its writer
# adds after the rename; a file deleted with unread bytes is read to its
# end; a file truncated in place after it was read starts again at 0.
# Every line must arrive at fakeaws.
. "$(dirname "$0")/lib.sh"

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs"
{
	config_head
	cat <<YAML
flows:
  - filePattern: $tmp/logs/app.log
    kinesisStream: rot
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
  - filePattern: $tmp/logs/*/x.log
    kinesisStream: globdir
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
YAML
} >"$tmp/sluice.yaml"

lines() { # lines TAG FROM TO
	awk -v t="$1" -v a="$2" -v b="$3" 'BEGIN { for (i = a; i < b; i++) printf "%s line %06d\n", t, i }'
}
: >"$tmp/expected"
emit() { # emit TAG FROM TO >>file: also records what is expected
	lines "$@" | tee -a "$tmp/expected"
}
received_count() {
	[ -f "$tmp/received.b64" ] && wc -l <"$tmp/received.b64" || echo 0
}
received_at_least() {
	[ "$(received_count)" -ge "$1" ]
}

# Its first scan before any write: a file renamed before sluiced saw it
# is not the flow's (lib.sh).
start_sluiced_tailing "$tmp/sluice.yaml" "$tmp/logs/app.log"

# 1. Rename (logrotate "create"): the writer keeps its descriptor.
exec 3>>"$tmp/logs/app.log"
emit rot 0 1000 >&3
mv "$tmp/logs/app.log" "$tmp/logs/app.log.1"
emit rot 1000 2000 >&3		# written to the renamed file
emit new 0 1000 >>"$tmp/logs/app.log"
exec 3>&-

# 2. Deletion with unread bytes: the open descriptor is read to its end.
wait_for 20 received_at_least 3000 || fail "rotation: only $(received_count) records"
emit del 0 1 >>"$tmp/logs/app.log"
sleep 0.5
emit del 1 30000 >>"$tmp/logs/app.log"
rm "$tmp/logs/app.log"

# 3. A new file appears under a directory that did not exist at start.
mkdir -p "$tmp/logs/sub"
emit sub 0 500 >>"$tmp/logs/sub/x.log"

# 4. Truncation in place after everything was read (copytruncate).
emit ct 0 500 >>"$tmp/logs/app.log"
wait_for 30 received_at_least 34000 || fail "before truncation: only $(received_count) records"
: >"$tmp/logs/app.log"
emit ct2 0 500 >>"$tmp/logs/app.log"

total=$(wc -l <"$tmp/expected")
check() {
	decode_records "$tmp/received.b64" | sort -u >"$tmp/got.uniq"
	[ "$(wc -l <"$tmp/got.uniq")" -ge "$total" ]
}
wait_for 60 check || true
"$SLUICECTL" -s "$tmp/sluice.sock" status -j >"$tmp/status.json" || fail "status"
stop_sluiced
sort -u "$tmp/expected" >"$tmp/expected.sorted"
missing=$(comm -23 "$tmp/expected.sorted" "$tmp/got.uniq" | wc -l)
extra=$(comm -13 "$tmp/expected.sorted" "$tmp/got.uniq" | wc -l)
echo "expected $total lines; missing $missing; unexpected $extra"
if [ "$missing" -ne 0 ]; then
	comm -23 "$tmp/expected.sorted" "$tmp/got.uniq" | head -n 5 >&2
	fail "$missing lines lost in rotation/deletion/truncation"
fi
[ "$extra" -eq 0 ] || fail "$extra unexpected records"
grep -q '"bytesLost":0' "$tmp/status.json" || fail "bytes reported lost: $(cat "$tmp/status.json")"
echo "PASS: rotate"
