#!/usr/bin/env bash
# A copy found at start keeps the tail of the file it continues (issue 8):
# with filePattern app.log*, app.log is read to its end, sluiced stops, and
# app.log is copytruncated.  At the start, the copy app.log.1 is found by
# its first bytes and goes on from the offset reached; its registry entry
# carries the last bytes read before that offset.  sluiced stops again,
# app.log.1 is truncated in place and written again past the offset with
# the same banner (longer than the 1 KiB fingerprint): size and first
# bytes match, only the tail tells the new content from the old.  At the
# next start every new line must arrive (without the tail, reading went
# on from the old offset and skipped them).
. "$(dirname "$0")/lib.sh"

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs"
{
	config_head
	cat <<YAML
flows:
  - filePattern: $tmp/logs/app.log*
    kinesisStream: ctail
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 500
YAML
} >"$tmp/sluice.yaml"
received_has() { # received_has LINE: it reached fakeaws
	[ -f "$tmp/received.b64" ] &&
	    decode_records "$tmp/received.b64" | grep -qxF "$1"
}

banner_lines old 3000 " old" >"$tmp/logs/app.log"
cp "$tmp/logs/app.log" "$tmp/expected"
start_sluiced_tailing "$tmp/sluice.yaml" "$tmp/logs/app.log"
wait_for 30 received_has "$(tail -n 1 "$tmp/logs/app.log")" ||
    fail "the old lines were not sent"
stop_sluiced

# Copytruncate while stopped: the copy carries every byte already read.
cp "$tmp/logs/app.log" "$tmp/logs/app.log.1"
: >"$tmp/logs/app.log"
start_sluiced "$tmp/sluice.yaml"
wait_for 20 grep -qF "file=$tmp/logs/app.log.1: a copy of $tmp/logs/app.log" \
    "$tmp/sluiced.log" || fail "the copy was not found at start"
stop_sluiced

# The copy truncated and written again past the offset, while stopped.
offset=$(stat -c %s "$tmp/logs/app.log.1")
banner_lines new 4000 " new" >"$tmp/new"
rewrite_in_place "$tmp/logs/app.log.1" "$tmp/new"
[ "$(stat -c %s "$tmp/logs/app.log.1")" -gt "$offset" ] ||
    fail "the test is wrong: the new content is not past the offset"
cat "$tmp/new" >>"$tmp/expected"
start_sluiced "$tmp/sluice.yaml"
wait_for 30 received_has "$(tail -n 1 "$tmp/new")" || true
stop_sluiced

grep -qF "file=$tmp/logs/app.log.1: truncated and written again while" \
    "$tmp/sluiced.log" || fail "the rewrite of the copy was not seen"
sort -u "$tmp/expected" >"$tmp/want"
check_all_arrived "$tmp/want"
echo "PASS: copy_tail"
