#!/usr/bin/env bash
# A full state disk pauses ingest, then heals (README.md, invariant 5; issue
# 9): the state directory is a small tmpfs, spool.maxBytes is larger than
# the disk, and the endpoint refuses everything for longer than the disk
# holds.  Status must say "state disk full", the daemon must keep running,
# and once the endpoint accepts, every line arrives.  Then a start on a
# full disk (a filler file takes the rest) must work and deliver
# everything once the filler goes.  Mounting needs root: without it the
# test is skipped, saying why.
. "$(dirname "$0")/lib.sh"

mkdir -p "$tmp/state" "$tmp/logs"
if ! mount -t tmpfs -o size=6m tmpfs "$tmp/state" 2>"$tmp/mount.err"; then
	echo "SKIP: cannot mount a tmpfs for the state directory:" \
	    "$(cat "$tmp/mount.err")"
	exit 77
fi
unmount_state() {
	# sluiced must be gone first: the cleanup below stops it.
	cleanup
	umount "$tmp/state" 2>/dev/null || umount -l "$tmp/state" || true
	rm -rf "$tmp"
}
trap unmount_state EXIT
KEEP_TMP=1	# cleanup leaves $tmp for unmount_state to remove

echo "notfound=1" >"$tmp/faults"
start_fakeaws -o "$tmp/received.b64" -c "$tmp/faults"
{
	config_head
	cat <<YAML
spool.maxBytes: 64MiB
log.statusReportingPeriodSeconds: 1
flows:
  - filePattern: $tmp/logs/*.log
    kinesisStream: diskfull
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    retryInitialBackoffMillis: 50
    retryMaxBackoffMillis: 200
YAML
} >"$tmp/sluice.yaml"

gen() {
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i < b; i++) printf "diskfull id=%07d %s\n", i, "padding-padding-padding-padding-padding-padding" }'
}
# About 10 MB of lines, 14 MB spooled: more than the 6 MiB disk.
gen 0 120000 >"$tmp/logs/a.log"

status_field() {
	"$SLUICECTL" -s "$tmp/sluice.sock" status -j 2>/dev/null |
	    perl -MJSON::PP -e 'my $j = eval { decode_json(join "", <STDIN>) };
		for my $f (@{ $j ? $j->{flows} : [] }) {
			print $f->{$ARGV[0]} // "";
		}' "$1"
}
is_full() {
	[ "$(status_field spoolState)" = "state disk full" ]
}
alive() {
	kill -0 "$sluiced_pid" 2>/dev/null || fail "sluiced exited"
}
received() {
	[ -f "$tmp/received.b64" ] || { echo 0; return; }
	decode_records "$tmp/received.b64" | sort -u >"$tmp/got.uniq"
	wc -l <"$tmp/got.uniq"
}
have() {
	alive
	[ "$(received)" -ge "$1" ]
}

start_sluiced "$tmp/sluice.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not start"
wait_for 30 is_full || fail "status never said \"state disk full\""
echo "status: state disk full, spool $(status_field spoolBytes) bytes," \
    "$(status_field spoolRecords) records"
sleep 2
alive
grep -q "state disk full" "$tmp/sluiced.log" ||
    fail "no log line for the full disk"
summaries=$(grep -c "state disk full for" "$tmp/sluiced.log" || true)
echo "summaries while full: $summaries"

# The outage ends: deliveries free the disk, ingest resumes.
echo "notfound=0" >"$tmp/faults.new" && mv "$tmp/faults.new" "$tmp/faults"
wait_for 120 have 120000 || fail "only $(received) of 120000 lines arrived"
wait_for 20 grep -q "has space again" "$tmp/sluiced.log" ||
    fail "no log line when the disk had space again"

# A start on a full disk: what is spooled is delivered, appends wait.
echo "notfound=1" >"$tmp/faults.new" && mv "$tmp/faults.new" "$tmp/faults"
gen 120000 130000 >"$tmp/logs/b.log"
spooled() {
	[ "$(status_field spoolRecords)" -ge 10000 ]
}
wait_for 30 spooled || fail "the second part was not spooled"
stop_sluiced
dd if=/dev/zero of="$tmp/state/filler" bs=64k 2>/dev/null || true
echo "disk filled: $(df -k "$tmp/state" | awk 'NR == 2 { print $4 }') KiB free"
gen 130000 140000 >"$tmp/logs/c.log"
echo "notfound=0" >"$tmp/faults.new" && mv "$tmp/faults.new" "$tmp/faults"
start_sluiced "$tmp/sluice.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not start on a full disk"
wait_for 60 have 130000 || fail "the spool was not delivered on a full disk: $(received) lines"
alive
rm -f "$tmp/state/filler"
wait_for 60 have 140000 || fail "only $(received) of 140000 lines after the filler went"
stop_sluiced

cat "$tmp"/logs/*.log | sort -u >"$tmp/want"
decode_records "$tmp/received.b64" >"$tmp/got"
sort -u "$tmp/got" >"$tmp/got.uniq"
missing=$(comm -23 "$tmp/want" "$tmp/got.uniq" | wc -l)
extra=$(comm -13 "$tmp/want" "$tmp/got.uniq" | wc -l)
echo "lines written: 140000, records received: $(wc -l <"$tmp/got")," \
    "duplicates: $(($(wc -l <"$tmp/got") - $(wc -l <"$tmp/got.uniq")))," \
    "lost: $missing, corrupted: $extra"
[ "$missing" -eq 0 ] || fail "$missing lines lost"
[ "$extra" -eq 0 ] || fail "$extra records that were never written"
echo "PASS: diskfull"
