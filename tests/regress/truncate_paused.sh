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
# gen GENERATION LINES: the banner, then LINES unique lines of ~100 bytes.
gen() {
	awk -v g="$1" -v n="$2" 'BEGIN {
		for (i = 0; i < 40; i++)
			printf "# banner %02d: the same at the start of each file\n", i
		pad = sprintf("%60s", ""); gsub(/ /, "p", pad)
		for (i = 0; i < n; i++)
			printf "%s id=%08d %s\n", g, i, pad
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

# Copytruncate, and the file written again past the offset at once.
gen new 30000 >"$tmp/new"
perl -e 'open(my $f, "+<", $ARGV[0]) or die "$!";
	truncate($f, 0) or die "$!";
	open(my $n, "<", $ARGV[1]) or die "$!";
	local $/; my $b = <$n>; syswrite($f, $b) == length($b) or die "$!";' \
    "$tmp/logs/app.log" "$tmp/new"
[ "$(stat -c %s "$tmp/logs/app.log")" -gt "$read_before" ] ||
    fail "the new file is not past the offset"
echo "notfound=0" >"$tmp/faults.new" && mv "$tmp/faults.new" "$tmp/faults"

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
grep "file=$tmp/logs/app.log: truncated" "$tmp/sluiced.log" |
    grep -q "($old_lost unread bytes lost)" ||
    fail "the lost bytes were not logged"
echo "PASS: truncate_paused"
