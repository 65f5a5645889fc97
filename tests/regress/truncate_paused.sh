#!/usr/bin/env bash
# Truncation seen by content (issue 8, case 3): copytruncate while reading
# is paused by a full spool, and the file grows back past the offset read
# before the next read.  Every generation of the file starts with the same
# banner, longer than the 1 KiB fingerprint, so only the bytes just before
# the offset tell the new file from the old.  The spool (1 MiB) fills
# while the stream is missing; once reading has stopped, the file is
# truncated and written again at once (3 MiB), then the stream appears.
# Every line of the new file must arrive; the old file's unread bytes are
# lost to the truncation itself, and must be exactly what bytesLost counts
# and the log reports.
. "$(dirname "$0")/lib.sh"

echo "notfound=1" >"$tmp/faults"
start_fakeaws -o "$tmp/received.b64" -c "$tmp/faults"
mkdir -p "$tmp/logs"
{
	config_head
	cat <<YAML
spool.maxBytes: 1MiB
flows:
  - filePattern: $tmp/logs/app.log
    kinesisStream: tp
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    retryInitialBackoffMillis: 50
    retryMaxBackoffMillis: 200
YAML
} >"$tmp/sluice.yaml"
banner_lines old 30000 >"$tmp/logs/app.log"
cp "$tmp/logs/app.log" "$tmp/old.all"
start_sluiced "$tmp/sluice.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not start"

wait_for 30 reading_paused || fail "reading did not pause"
read_before=$(flow_stat bytesRead)
old_size=$(stat -c %s "$tmp/logs/app.log")
[ "$read_before" -lt $((old_size / 2)) ] ||
    fail "$read_before of $old_size bytes read: the spool did not fill"

# Copytruncate, and the file written again past the offset at once.
banner_lines new 30000 >"$tmp/new"
rewrite_in_place "$tmp/logs/app.log" "$tmp/new"
[ "$(stat -c %s "$tmp/logs/app.log")" -gt "$read_before" ] ||
    fail "the new file is not past the offset"
echo "notfound=0" >"$tmp/faults.new" && mv "$tmp/faults.new" "$tmp/faults"

check_rewrite_loss "$tmp/old.all" truncated
echo "PASS: truncate_paused"
