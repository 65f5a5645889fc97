#!/usr/bin/env bash
# Truncation while sluiced is stopped (issue 8): the registry saves the
# bytes just before each file's offset (its tail), and the first open
# after a start checks them.  Every generation of the file starts with
# the same banner, longer than the 1 KiB fingerprint, and the new file is
# longer than the offset: size and first bytes match, only the tail tells
# the new file from the old.  The spool (1 MiB) fills while the stream is
# missing, so reading stops part-way through the old file; sluiced is
# stopped, the file is copytruncated (the copy, app.log.1, is out of the
# pattern) and written again at once, then sluiced starts with the stream
# present.  Every line of the new file must arrive; the old file's unread
# bytes are lost to the truncation itself, and must be exactly what
# bytesLost counts and the log reports.
. "$(dirname "$0")/lib.sh"

echo "notfound=1" >"$tmp/faults"
start_fakeaws -o "$tmp/received.b64" -c "$tmp/faults"
mkdir -p "$tmp/logs"
{
	config_head
	cat <<YAML
spool.maxBytes: 1MiB
shutdownTimeoutMillis: 1000
flows:
  - filePattern: $tmp/logs/app.log
    kinesisStream: ts
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    retryInitialBackoffMillis: 50
    retryMaxBackoffMillis: 200
YAML
} >"$tmp/sluice.yaml"
# A line ends with its generation: the tail is the last 64 bytes before
# the offset, and the lines of both files are as long, so without it the
# tail would show only the padding and an id's last digits, the same at
# the same offset in both.
banner_lines old 30000 " old" >"$tmp/logs/app.log"
cp "$tmp/logs/app.log" "$tmp/old.all"
start_sluiced "$tmp/sluice.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not start"

wait_for 30 reading_paused || fail "reading did not pause"
read_before=$(flow_stat bytesRead)
old_size=$(stat -c %s "$tmp/logs/app.log")
[ "$read_before" -lt $((old_size / 2)) ] ||
    fail "$read_before of $old_size bytes read: the spool did not fill"
stop_sluiced

# Copytruncate while stopped, and the file written again past the offset.
cp "$tmp/logs/app.log" "$tmp/logs/app.log.1"
banner_lines new 30000 " new" >"$tmp/new"
rewrite_in_place "$tmp/logs/app.log" "$tmp/new"
[ "$(stat -c %s "$tmp/logs/app.log")" -gt "$read_before" ] ||
    fail "the new file is not past the offset"
echo "notfound=0" >"$tmp/faults.new" && mv "$tmp/faults.new" "$tmp/faults"
rm -f "$tmp/sluice.sock"
start_sluiced "$tmp/sluice.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not restart"

check_rewrite_loss "$tmp/old.all" "truncated and written again while"
echo "PASS: truncate_stopped"
