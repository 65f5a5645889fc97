#!/usr/bin/env bash
# A full spool pauses reading and never discards (README.md, invariant 3):
# with the stream missing (ResourceNotFoundException) the spool fills to
# spool.maxBytes and reading stops; once the stream exists, everything is
# delivered, byte for byte.  A record offered again after a full spool is
# counted once: two more flows cut every record (ADDBRACKETS past
# maxRecordSizeBytes) or fail to convert it (REGEXTOJSON out of JIT stack,
# as in tests/data/converters/regextojson-match-error), and their counters
# end equal to their lines.
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
  - name: cut
    filePattern: $tmp/logs/cut.log
    kinesisStream: cut
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    retryInitialBackoffMillis: 50
    retryMaxBackoffMillis: 200
    maxRecordSizeBytes: 8192
    dataProcessingOptions:
      - optionName: ADDBRACKETS
  - name: raw
    filePattern: $tmp/logs/raw.log
    kinesisStream: raw
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    retryInitialBackoffMillis: 50
    retryMaxBackoffMillis: 200
    dataProcessingOptions:
      - optionName: REGEXTOJSON
        pattern: '(?<a>((((((((((((((((x|y))))))))))))))))*)z'
YAML
} >"$tmp/sluice.yaml"
# About 4 MiB: four times what the spool may hold.
awk 'BEGIN { for (i = 0; i < 40000; i++) printf "full id=%06d %s\n", i, "padding-padding-padding-padding-padding-padding-padding-padding-padding" }' \
    >"$tmp/logs/big.log"
size=$(stat -c %s "$tmp/logs/big.log")
# About 5 MiB each: 600 lines cut to 8160 bytes, 40 sent as they were read.
awk 'BEGIN { for (i = 0; i < 600; i++) { printf "cut %06d ", i
	for (j = 0; j < 150; j++) printf "padding-padding-padding-padding-padding-padding-padding-padding-"
	printf "\n" } }' >"$tmp/logs/cut.log"
perl -e 'print "x" x 130000, "z\n" for 1 .. 40' >"$tmp/logs/raw.log"
start_sluiced "$tmp/sluice.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not start"
sleep 3
sluicectl_st -s "$tmp/sluice.sock" status -j >"$tmp/status.json" || fail "status"
# flow_stat FLOW KEY: a flow's counter from sluicectl status -j (0 if none).
flow_stat() {
	sluicectl_st -s "$tmp/sluice.sock" status -j 2>/dev/null |
	    perl -MJSON::PP -e 'my $j = eval { decode_json(join "", <STDIN>) };
		for my $f (@{ $j ? $j->{flows} : [] }) {
			print $f->{$ARGV[1]} // 0 if $f->{name} eq $ARGV[0];
		}' "$1" "$2"
}
read_bytes=$(flow_stat full bytesRead)
spool=$(flow_stat full spoolBytes)
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
# Each counter once the last records are synced (the truncations are
# published then).
counted() {
	local want
	for want in "full recordsSpooled 40000" "full linesRead 40000" \
	    "cut recordsSpooled 600" "cut linesRead 600" \
	    "cut recordsTruncated 600" "cut recordsUnconverted 0" \
	    "raw recordsSpooled 40" "raw recordsUnconverted 40" \
	    "raw recordsTruncated 0"; do
		set -- $want
		got=$(flow_stat "$1" "$2")
		[ "$got" = "$3" ] || { why="$1 $2 is $got, want $3"; return 1; }
	done
}
wait_for 20 counted || fail "counters: $why"
stop_sluiced
# The records of the other flows begin with "{" (cut) and "x" (raw).
decode_records "$tmp/received.b64" | grep -av -e '^{' -e '^x' |
    sort -u >"$tmp/got.uniq"
sort -u "$tmp/logs/big.log" >"$tmp/want"
missing=$(comm -23 "$tmp/want" "$tmp/got.uniq" | wc -l)
extra=$(comm -13 "$tmp/want" "$tmp/got.uniq" | wc -l)
echo "lines: 40000, missing: $missing, corrupted: $extra"
[ "$missing" -eq 0 ] || fail "$missing lines lost behind a full spool"
[ "$extra" -eq 0 ] || fail "$extra unexpected records"
echo "PASS: spoolfull"
