#!/usr/bin/env bash
# A file the registry knows that cannot be opened after a restart (here
# EACCES; the same holds for one waiting for a descriptor) is listed by
# `sluicectl files` with the registry's offset, the bytes already read,
# and `sluicectl status` counts only the bytes after it as behind (issue
# 8, the new-user walkthrough: they showed offset 0, and every byte of
# the file behind).  The reason it is not open is listed.  Once it is
# readable again, the lines written while it was not are shipped, and
# nothing is lost.
#
# Permission bits do not stop root, so sluiced runs as nobody: the test
# needs root and setpriv(1), else it is skipped.
. "$(dirname "$0")/lib.sh"

need_nobody unopened

start_fakeaws -o "$tmp/received.b64"
chmod 755 "$tmp"
mkdir -p "$tmp/run" "$tmp/d"
chown nobody "$tmp/run"
# lines FROM TO: unique lines of ~100 bytes.
lines() {
	perl -e 'printf("un id=%08d %s\n", $_, "x" x 88)
	    for $ARGV[0] .. $ARGV[1]' "$1" "$2"
}
lines 1 2000 >"$tmp/d/app.log"
chmod 644 "$tmp/d/app.log"
{
	config_head | sed "s|^stateDirectory: .*|stateDirectory: $tmp/run/state|
	    s|^controlSocket: .*|controlSocket: $tmp/run/sluice.sock|"
	printf '%s\n' "flows:" "  - filePattern: $tmp/d/*.log" \
	    "    kinesisStream: s" "    initialPosition: START_OF_FILE" \
	    "    maxBufferAgeMillis: 500"
} >"$tmp/c.yaml"
chmod 644 "$tmp/c.yaml"
start() {
	setpriv --reuid=nobody --regid="$grp" --clear-groups \
	    "$SLUICED" -c "$tmp/c.yaml" >>"$tmp/sluiced.log" 2>&1 &
	sluiced_pid=$!
	bg_pids+=($sluiced_pid)
}
ctl() { sluicectl_st -s "$tmp/run/sluice.sock" "$@"; }
arrived() { # N: N distinct lines reached fakeaws
	[ -f "$tmp/received.b64" ] &&
	    [ "$(decode_records "$tmp/received.b64" | sort -u |
	    wc -l)" -ge "$1" ]
}

start
wait_for 20 arrived 2000 || fail "the first 2000 lines did not arrive"
stop_sluiced
read1=$(stat -c %s "$tmp/d/app.log")

# While stopped: 1000 more lines, and the file becomes unreadable.
lines 2001 3000 >>"$tmp/d/app.log"
size=$(stat -c %s "$tmp/d/app.log")
chmod 000 "$tmp/d/app.log"
start
listed() { ctl status -j 2>/dev/null | grep -q '"unreadable"'; }
wait_for 20 listed || fail "sluicectl status does not list app.log"
ctl files -j >"$tmp/files.json"
ctl status -j >"$tmp/status.json"
ctl files >"$tmp/files.txt"
cat "$tmp/files.txt"
for j in files status; do
	perl -MJSON::PP -e '
	    my ($read, $size) = @ARGV;
	    local $/; my $d = decode_json(<STDIN>);
	    my $fl = $d->{flows}[0];
	    my ($f) = grep { $_->{path} =~ m{/app\.log$} } @{$fl->{files}};
	    die "app.log not listed\n" unless $f;
	    die "state $f->{state}, not unreadable\n"
		unless $f->{state} eq "unreadable";
	    die "no reason\n" unless ($f->{reason} // "") =~ /permission/;
	    die "offset $f->{offset}, not the $read bytes read\n"
		unless $f->{offset} == $read;
	    die "size $f->{size}, not $size\n" unless $f->{size} == $size;
	    die "bytesBehind $fl->{bytesBehind}, not " . ($size - $read) . "\n"
		if exists $fl->{bytesBehind} &&
		$fl->{bytesBehind} != $size - $read;
	' "$read1" "$size" <"$tmp/$j.json" ||
	    fail "sluicectl $j -j: $(cat "$tmp/$j.json")"
done
grep -q '"bytesBehind":'"$((size - read1))"'[,}]' "$tmp/status.json" ||
    fail "status: bytesBehind is not $((size - read1)):" \
    "$(cat "$tmp/status.json")"
grep -q 'app.log .*unreadable: permission denied' "$tmp/files.txt" ||
    fail "sluicectl files gives no reason: $(cat "$tmp/files.txt")"
echo "unreadable after the restart: offset $read1 of $size bytes," \
    "$((size - read1)) behind"

chmod 644 "$tmp/d/app.log"
wait_for 20 arrived 3000 || true
stop_sluiced
lines 1 3000 >"$tmp/want"
check_all_arrived "$tmp/want"
echo "PASS: unopened"
