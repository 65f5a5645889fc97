#!/usr/bin/env bash
# The daemon's framer and converters end to end: multi-line records (a
# pending record is sent after multiLineFlushMillis of quiet), header lines
# skipped, and a converter chain, all checked at fakeaws byte for byte.
. "$(dirname "$0")/lib.sh"

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs"
{
	config_head
	cat <<YAML
flows:
  - name: java
    filePattern: $tmp/logs/app.log
    kinesisStream: ml
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    multiLineStartPattern: '\d{4}-\d{2}-\d{2} '
    multiLineFlushMillis: 300
    skipHeaderLines: 1
  - name: csv
    filePattern: $tmp/logs/data.csv
    kinesisStream: csv
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    dataProcessingOptions:
      - optionName: CSVTOJSON
        customFieldNames: [id, name]
      - optionName: ADDBRACKETS
YAML
} >"$tmp/sluice.yaml"
"$SLUICED" -n -c "$tmp/sluice.yaml" >/dev/null || fail "config rejected"

printf 'HEADER line to skip\n' >"$tmp/logs/app.log"
printf '2026-11-26 10:00:00 ERROR boom\n\tat a.b(C.java:1)\n\tat d.e(F.java:2)\n' >>"$tmp/logs/app.log"
printf '2026-11-26 10:00:01 INFO ok\n' >>"$tmp/logs/app.log"
printf '2026-11-26 10:00:02 WARN last\n\tcontinued\n' >>"$tmp/logs/app.log"
printf 'id,name\n1,alpha\n2,"b"\n' >"$tmp/logs/data.csv"

start_sluiced "$tmp/sluice.yaml"
# The last record has no start line after it: only the flush timer ends it.
have() { [ -f "$tmp/received.b64" ] && [ "$(wc -l <"$tmp/received.b64")" -ge "$1" ]; }
wait_for 20 have 6 || fail "only $(wc -l <"$tmp/received.b64" 2>/dev/null) records arrived"
# The skipped header line is counted in status.
skipped() {
	"$SLUICECTL" -s "$tmp/sluice.sock" status -j >"$tmp/status.json" &&
	    grep -q '"name":"java"[^]]*\]*[^}]*"linesSkipped":1' "$tmp/status.json"
}
wait_for 10 skipped || fail "header line not counted: $(cat "$tmp/status.json")"
stop_sluiced

decode_records "$tmp/received.b64" >"$tmp/got"
{
	printf '2026-11-26 10:00:00 ERROR boom\n\tat a.b(C.java:1)\n\tat d.e(F.java:2)\n'
	printf '2026-11-26 10:00:01 INFO ok\n'
	printf '2026-11-26 10:00:02 WARN last\n\tcontinued\n'
	printf '{{"id":"id","name":"name"}\n}'
	printf '{{"id":"1","name":"alpha"}\n}'
	printf '{{"id":"2","name":"\\"b\\""}\n}'
} >"$tmp/want"
# Records of two flows interleave; compare each flow's records in order.
perl -MMIME::Base64 -ne 'my $r = decode_base64($_); print "$r\0"' \
    "$tmp/received.b64" | sort -z >"$tmp/got.sorted"
perl -e 'local $/; my $w = <STDIN>;
    my @r = ($w =~ /(\d{4}-\d\d-\d\d [^\n]*\n(?:\t[^\n]*\n)*|\{\{[^\n]*\n\})/g);
    print "$_\0" for @r' <"$tmp/want" | sort -z >"$tmp/want.sorted"
if ! cmp -s "$tmp/got.sorted" "$tmp/want.sorted"; then
	echo "--- want"; tr '\0' '|' <"$tmp/want.sorted"; echo
	echo "--- got"; tr '\0' '|' <"$tmp/got.sorted"; echo
	fail "records differ"
fi
echo "PASS: multiline"
