#!/usr/bin/env bash
# make check-long (issue 9): an outage longer than the spool.  OUTAGE_MB
# (2,000 by default) of lines are written while fakeaws refuses every
# request (503).  The spool fills to spool.maxBytes (256 MiB) and stops
# there, the rest of the files wait unread, and sluiced's peak RSS
# (VmHWM) stays under 32 MB.  Then fakeaws accepts, and every line
# arrives, byte for byte; duplicates are counted.  Prints the figures:
# time, RSS, spool peak.  Needs 6 GB free where $tmp lives (the lines,
# the spool and what fakeaws records, in base64); skips otherwise.
. "$(dirname "$0")/lib.sh"

MB=${OUTAGE_MB:-2000}
MAX_RSS_KB=${OUTAGE_MAX_RSS_KB:-32768}
SPOOL_MAX=$((256 * 1024 * 1024))
need_kb=$((MB * 1024 * 3 + 1024 * 1024))
[ "$MB" -lt 2000 ] || need_kb=$((6 * 1024 * 1024))
free_kb=$(df -Pk "$tmp" | awk 'NR == 2 { print $4 }')
if [ "$free_kb" -lt "$need_kb" ]; then
	echo "SKIP: $((free_kb / 1024)) MiB free in $tmp, $((need_kb / 1024))" \
	    "MiB needed"
	exit 77
fi
command -v perl >/dev/null || fail "perl is needed"

echo "error503=1" >"$tmp/faults"
start_fakeaws -o "$tmp/received.b64" -c "$tmp/faults" -S "$tmp/fake.stats"
mkdir -p "$tmp/logs"
{
	config_head
	cat <<YAML
spool.maxBytes: 256MiB
flows:
  - filePattern: $tmp/logs/*.log
    kinesisStream: outage
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    retryInitialBackoffMillis: 100
    retryMaxBackoffMillis: 1000
YAML
} >"$tmp/sluice.yaml"

now_s() { date +%s; }
t0=$(now_s)
start_sluiced "$tmp/sluice.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not start"

# Lines of 56 to 116 bytes with unique ids, in 4 files; the record for
# id i is gen(i), which the check below recomputes.
files=4
per=$((MB * 1024 * 1024 / 86 / files))
for ((f = 0; f < files; f++)); do
	awk -v a=$((f * per)) -v b=$(((f + 1) * per)) 'BEGIN {
		fill = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
		for (i = a; i < b; i++)
			printf "out id=%010d %s\n", i, substr(fill, 1, 40 + i % 61)
	}' >"$tmp/logs/f$f.log"
done
total=$((per * files))
bytes=$(cat "$tmp"/logs/*.log | wc -c)
t_written=$(now_s)
echo "written: $total lines, $((bytes / 1024 / 1024)) MiB in $((t_written - t0)) s"

status() {
	sluicectl_st -s "$tmp/sluice.sock" status -j 2>/dev/null
}
spool_bytes() {
	status | perl -MJSON::PP -e 'my $d = decode_json(join "", <STDIN>);
	    print $d->{flows}[0]{spoolBytes}, "\n"' 2>/dev/null || echo 0
}
read_bytes() {
	status | perl -MJSON::PP -e 'my $d = decode_json(join "", <STDIN>);
	    print $d->{flows}[0]{bytesRead}, "\n"' 2>/dev/null || echo 0
}
perl -MJSON::PP -e 1 || fail "perl's JSON::PP is needed"
spool_peak=0
spool_disk_peak=0
sample() {
	local s d
	s=$(spool_bytes)
	[ "${s:-0}" -le "$spool_peak" ] || spool_peak=$s
	d=$(du -sk "$tmp/state" | awk '{ print $1 * 1024 }')
	[ "$d" -le "$spool_disk_peak" ] || spool_disk_peak=$d
}
# The spool fills to its limit, then reading stops.
full() {
	sample
	[ "$spool_peak" -ge $((SPOOL_MAX - 2 * 1024 * 1024)) ]
}
wait_for 600 full || fail "the spool did not fill ($spool_peak bytes)"
t_full=$(now_s)
for ((i = 0; i < 3; i++)); do
	sample
	sleep 1
done
r1=$(read_bytes)
for ((i = 0; i < 10; i++)); do
	sample
	sleep 1
done
r2=$(read_bytes)
echo "spool full after $((t_full - t0)) s: $((spool_peak / 1024 / 1024))" \
    "MiB pending, $((spool_disk_peak / 1024 / 1024)) MiB on disk;" \
    "read $((r2 / 1024 / 1024)) of $((bytes / 1024 / 1024)) MiB"
[ "$spool_peak" -le "$SPOOL_MAX" ] ||
    fail "the spool holds $spool_peak bytes, past spool.maxBytes"
[ "$r1" = "$r2" ] || fail "reading went on with a full spool ($r1, $r2)"
[ "$r2" -lt "$bytes" ] || fail "every file was read: the outage proved nothing"
[ -s "$tmp/received.b64" ] && fail "fakeaws accepted records during the outage"

# The destination comes back.
echo "error503=0" >"$tmp/faults.new"
mv "$tmp/faults.new" "$tmp/faults"
t_back=$(now_s)
accepted() {
	[ -f "$tmp/fake.stats" ] &&
	    [ "$(sed -n 's/^records_accepted=//p' "$tmp/fake.stats")" -ge "$total" ]
}
wait_for 1800 accepted || fail "not everything arrived within 30 minutes"
t_done=$(now_s)
rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$sluiced_pid/status")
stop_sluiced

# Every line, byte for byte: id i's record is gen(i).  A bitmap, not a
# sort, keeps the check small for 2 GB.
perl -MMIME::Base64 -e '
	my ($total) = @ARGV;
	my $fill = "abcdefghijklmnopqrstuvwxyz" x 3;
	my ($seen, $n, $dups, $bad) = ("", 0, 0, 0);
	while (my $l = <STDIN>) {
		my $r = decode_base64($l);
		$n++;
		if ($r !~ /^out id=(\d{10}) / || $1 >= $total ||
		    $r ne sprintf("out id=%010d %s\n", $1,
		    substr($fill, 0, 40 + $1 % 61))) {
			$bad++;
			next;
		}
		if (vec($seen, $1, 1)) { $dups++ } else { vec($seen, $1, 1) = 1 }
	}
	my $unique = unpack("%32b*", $seen);
	printf "records received: %d, duplicates: %d, missing: %d, " .
	    "corrupted: %d\n", $n, $dups, $total - $unique, $bad;
	exit($total == $unique && $bad == 0 ? 0 : 1);
' "$total" <"$tmp/received.b64" || fail "lines lost or corrupted"
echo "outage: $((bytes / 1024 / 1024)) MiB, $total lines; spool peak" \
    "$((spool_peak / 1024 / 1024)) MiB ($((spool_disk_peak / 1024 / 1024))" \
    "MiB on disk); delivered in $((t_done - t_back)) s after the" \
    "outage; sluiced peak RSS $((rss / 1024)) MiB (VmHWM $rss kB)"
[ "$rss" -lt "$MAX_RSS_KB" ] ||
    fail "sluiced's peak RSS $rss kB is not under $MAX_RSS_KB kB"
echo "PASS: outage_long"
