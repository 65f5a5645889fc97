#!/usr/bin/env bash
# A full spool pauses reading and never discards (README.md, invariant 3):
# with the stream missing (ResourceNotFoundException) the spool fills to
# spool.maxBytes and reading stops; once the stream exists, everything is
# delivered, byte for byte.
. "$(dirname "$0")/lib.sh"

echo "notfound=1" >"$tmp/faults"
start_fakeaws -o "$tmp/received.b64" -c "$tmp/faults"
mkdir -p "$tmp/logs"
{
	config_head
	cat <<YAML
spool.maxBytes: 1MiB
flows:
  - filePattern: $tmp/logs/big.log
    kinesisStream: full
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    retryInitialBackoffMillis: 50
    retryMaxBackoffMillis: 200
YAML
} >"$tmp/sluice.yaml"
# About 4 MiB: four times what the spool may hold.
awk 'BEGIN { for (i = 0; i < 40000; i++) printf "full id=%06d %s\n", i, "padding-padding-padding-padding-padding-padding-padding-padding-padding" }' \
    >"$tmp/logs/big.log"
size=$(stat -c %s "$tmp/logs/big.log")
start_sluiced "$tmp/sluice.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not start"
sleep 3
"$SLUICECTL" -s "$tmp/sluice.sock" status -j >"$tmp/status.json" || fail "status"
read_bytes=$(perl -ne 'print $1 if /"bytesRead":(\d+)/' "$tmp/status.json")
spool=$(perl -ne 'print $1 if /"spoolBytes":(\d+)/' "$tmp/status.json")
echo "while the stream is missing: read $read_bytes of $size bytes, spool $spool bytes"
[ "$read_bytes" -lt "$size" ] || fail "reading did not pause on a full spool"
[ "$spool" -gt $((512 * 1024)) ] || fail "status shows a spool of $spool bytes"
[ "$spool" -le $((2 * 1024 * 1024)) ] || fail "spool grew to $spool bytes"
[ ! -s "$tmp/received.b64" ] || fail "records accepted while the stream was missing"

echo "notfound=0" >"$tmp/faults.new" && mv "$tmp/faults.new" "$tmp/faults"
have_all() {
	[ -f "$tmp/received.b64" ] &&
	    [ "$(decode_records "$tmp/received.b64" | sort -u | wc -l)" -ge 40000 ]
}
wait_for 60 have_all || true
stop_sluiced
decode_records "$tmp/received.b64" | sort -u >"$tmp/got.uniq"
sort -u "$tmp/logs/big.log" >"$tmp/want"
missing=$(comm -23 "$tmp/want" "$tmp/got.uniq" | wc -l)
extra=$(comm -13 "$tmp/want" "$tmp/got.uniq" | wc -l)
echo "lines: 40000, missing: $missing, corrupted: $extra"
[ "$missing" -eq 0 ] || fail "$missing lines lost behind a full spool"
[ "$extra" -eq 0 ] || fail "$extra unexpected records"
echo "PASS: spoolfull"
