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
# gen GENERATION LINES: the banner, then LINES unique lines of ~100
# bytes.  A line ends with its generation: the tail is the last 64 bytes
# before the offset, and the lines of both files are as long, so without
# it the tail would show only the padding and an id's last digits, the
# same at the same offset in both.
gen() {
	awk -v g="$1" -v n="$2" 'BEGIN {
		for (i = 0; i < 40; i++)
			printf "# banner %02d: the same at the start of each file\n", i
		pad = sprintf("%60s", ""); gsub(/ /, "p", pad)
		for (i = 0; i < n; i++)
			printf "%s id=%08d %s %s\n", g, i, pad, g
	}'
}
gen old 30000 >"$tmp/logs/app.log"
start_sluiced "$tmp/sluice.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not start"

flow_stat() {
	"$SLUICECTL" -s "$tmp/sluice.sock" status -j 2>/dev/null |
	    perl -ne "print \$1 if /\"$1\":(\\d+)/" || true
}
# Reading has paused once bytesRead stays the same for a second.
paused() {
	local a b
	a=$(flow_stat bytesRead)
	sleep 1
	b=$(flow_stat bytesRead)
	[ -n "$a" ] && [ "$a" -gt 0 ] && [ "$a" = "$b" ]
}
wait_for 30 paused || fail "reading did not pause"
read_before=$(flow_stat bytesRead)
old_size=$(stat -c %s "$tmp/logs/app.log")
[ "$read_before" -lt $((old_size / 2)) ] ||
    fail "$read_before of $old_size bytes read: the spool did not fill"
stop_sluiced

# Copytruncate while stopped, and the file written again past the offset.
cp "$tmp/logs/app.log" "$tmp/logs/app.log.1"
gen new 30000 >"$tmp/new"
perl -e 'open(my $f, "+<", $ARGV[0]) or die "$!";
	truncate($f, 0) or die "$!";
	open(my $n, "<", $ARGV[1]) or die "$!";
	local $/; my $b = <$n>; syswrite($f, $b) == length($b) or die "$!";' \
    "$tmp/logs/app.log" "$tmp/new"
[ "$(stat -c %s "$tmp/logs/app.log")" -gt "$read_before" ] ||
    fail "the new file is not past the offset"
echo "notfound=0" >"$tmp/faults.new" && mv "$tmp/faults.new" "$tmp/faults"
rm -f "$tmp/sluice.sock"
start_sluiced "$tmp/sluice.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not restart"

received() { decode_records "$tmp/received.b64" 2>/dev/null; }
grep '^new ' "$tmp/new" | sort >"$tmp/want"
have_new() {
	[ -f "$tmp/received.b64" ] || return 1
	[ "$(received | grep -c '^new ')" -ge "$(wc -l <"$tmp/want")" ]
}
wait_for 60 have_new || true
sleep 1
lost=$(flow_stat bytesLost)
stop_sluiced
received >"$tmp/got"
grep '^new ' "$tmp/got" | sort -u >"$tmp/got.new"
missing=$(comm -23 "$tmp/want" "$tmp/got.new" | wc -l)
dups=$(($(wc -l <"$tmp/got") - $(sort -u "$tmp/got" | wc -l)))
# The old file's lines that never arrived, in bytes.
gen old 30000 | grep '^old ' | sort >"$tmp/old"
grep '^old ' "$tmp/got" | sort -u >"$tmp/got.old"
old_lost=$(comm -23 "$tmp/old" "$tmp/got.old" | wc -c)
echo "new lines: $(wc -l <"$tmp/want"), records received:" \
    "$(wc -l <"$tmp/got"), duplicates: $dups (the banner is in both" \
    "files), new lines missing: $missing;" \
    "old bytes never read: $old_lost, bytesLost: ${lost:-?}"
[ "$missing" -eq 0 ] || fail "$missing lines of the new file lost"
[ "$old_lost" -gt 0 ] || fail "the old file was read whole: no pause?"
[ "${lost:-0}" -eq "$old_lost" ] ||
    fail "bytesLost is ${lost:-?}, $old_lost bytes of the old file were lost"
grep "file=$tmp/logs/app.log: truncated and written again while" \
    "$tmp/sluiced.log" | grep -q "($old_lost unread bytes lost)" ||
    fail "the lost bytes were not logged"
echo "PASS: truncate_stopped"
