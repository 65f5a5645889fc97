#!/usr/bin/env bash
# Thousands of files (issue 8): MANY_FILES files (10,000 by default, in
# MANY_DIRS directories) match one flow's pattern when sluiced starts,
# under the default descriptor limit (soft 1024, the hard limit as it is),
# while a writer appends 20,000 lines a second to one more file.  Every
# file's lines must arrive, byte for byte; then one more line is appended
# to every file (most are closed by then, closeInactiveMillis) and must
# arrive too.  Printed: the start-up time (the first scan, and until every
# line arrived) and the time of a full rescan, from sluiced -v's "scan of
# N files took X ms".  make check runs 2,000 files (many_files.sh).
. "$(dirname "$0")/lib.sh"

nfiles=${MANY_FILES:-10000}
ndirs=${MANY_DIRS:-4}
RATE=${MANY_RATE:-20000}
WRITER="$top_srcdir/tests/regress/writer.pl"

start_fakeaws -o "$tmp/received.b64"
# write FROM TO: appends lines FROM..TO-1 to every file.
write() {
	perl -e '
	my ($root, $nd, $n, $from, $to) = @ARGV;
	my $pad = "x" x 40;
	for my $i (0 .. $n - 1) {
		my $dir = "$root/d" . ($i % $nd);
		mkdir $dir;
		open(my $fh, ">>", "$dir/f$i.log") or die "$dir: $!";
		print $fh "many f$i line $_ $pad\n" for $from .. $to - 1;
		close $fh;
	}' "$tmp/logs" "$ndirs" "$nfiles" "$@"
}
mkdir -p "$tmp/logs"
write 0 5
{
	config_head
	cat <<YAML
flows:
  - filePattern: $tmp/logs/d*/*.log
    kinesisStream: many
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    closeInactiveMillis: 2000
YAML
} >"$tmp/sluice.yaml"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
started=$(now_ms)
bash -c 'ulimit -Sn 1024 && exec "$@"' limited "$SLUICED" -v \
    -c "$tmp/sluice.yaml" >>"$tmp/sluiced.log" 2>&1 &
sluiced_pid=$!
bg_pids+=($sluiced_pid)
perl "$WRITER" "$tmp/logs/d0/busy.log" busy "$RATE" &
writer_pid=$!
bg_pids+=($writer_pid)

expect() {
	find "$tmp/logs" -name '*.log' -exec cat {} + | sort >"$tmp/expected"
}
check() {
	[ -f "$tmp/received.b64" ] || return 1
	decode_records "$tmp/received.b64" | sort >"$tmp/got"
	sort -u "$tmp/got" >"$tmp/got.uniq"
	[ "$(comm -23 "$tmp/expected" "$tmp/got.uniq" | wc -l)" -eq 0 ]
}
scan_ms() { # scan_ms first|last
	grep "scan of [0-9]* files took" "$tmp/sluiced.log" |
	    if [ "$1" = first ]; then head -n 1; else tail -n 1; fi |
	    sed 's/.*scan of \([0-9]*\) files took \([0-9]*\) ms.*/\1 files: \2 ms/'
}

wait_for 60 grep -q "scan of [0-9]* files took" "$tmp/sluiced.log" ||
    fail "no first scan in 60 s"
first=$(scan_ms first)
sleep 1
kill -TERM "$writer_pid"
wait "$writer_pid" || fail "writer failed"
expect
wait_for 300 check || fail "not every line arrived in 300 s"
all=$(($(now_ms) - started))
write 5 6
expect
# inotify finds the files that grew, closed ones too.
wait_for 300 check || true
# A periodic scan (every 5 s) of every file.
nscans=$(grep -c "scan of [0-9]* files took" "$tmp/sluiced.log")
wait_for 30 eval '[ "$(grep -c "scan of [0-9]* files took" \
    "$tmp/sluiced.log")" -gt "$nscans" ]' || fail "no periodic scan"
rescan=$(scan_ms last)
status=$(sluicectl_st -s "$tmp/sluice.sock" status -j)
stop_sluiced

missing=$(comm -23 "$tmp/expected" "$tmp/got.uniq" | wc -l)
extra=$(comm -13 "$tmp/expected" "$tmp/got.uniq" | wc -l)
echo "$nfiles files in $ndirs directories, soft limit 1024:" \
    "first scan ($first), every line in $all ms; a full rescan ($rescan)"
echo "lines written: $(wc -l <"$tmp/expected"), records received:" \
    "$(wc -l <"$tmp/got"), duplicates:" \
    "$(($(wc -l <"$tmp/got") - $(wc -l <"$tmp/got.uniq"))), missing:" \
    "$missing, corrupted: $extra"
if [ "$missing" -ne 0 ]; then
	comm -23 "$tmp/expected" "$tmp/got.uniq" | head -n 5 >&2
	fail "$missing lines lost"
fi
[ "$extra" -eq 0 ] || fail "$extra records never written"
case $status in
*'"bytesLost":0'*) ;;
*) fail "bytes reported lost" ;;
esac
echo "PASS: many_files"
