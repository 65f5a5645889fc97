#!/usr/bin/env bash
# Running out of file descriptors (issue 8, case 6).  sluiced runs under
# `ulimit -n 256` (soft and hard) with more matched files than that:
#
# - 300 files exist before it starts: the control socket must still come
#   up (it is opened before any file), and the daemon must not exit;
# - FDS_DIRS directories of FDS_FILES files each are created after the
#   start, under a glob in the directory part, written, left idle past
#   closeInactiveMillis, then written again.
#
# Files wait for a descriptor (maxOpenFiles, half the limit) rather than
# being skipped, and glob/open failing with EMFILE never makes a known file
# look deleted.  Every line (each has a unique id) must reach fakeaws; the
# duplicates are counted.  `sluicectl status` must answer throughout.
#
# First, with a soft limit of 256 under a higher hard limit, the daemon
# must raise the soft limit to the hard one.
#
# Environment: FDS_DIRS (default 20) and FDS_FILES (default 50) per
# directory, FDS_PRE (default 300).  FDS_MAXOPEN sets maxOpenFiles past
# what the limit allows, so that open and glob fail with EMFILE: then the
# rest of the daemon may run short for a moment too, and status may fail
# while it lasts (counted, not an error), but it must answer at the end.
# make check-long runs 100 x 100 files, with and without FDS_MAXOPEN.
. "$(dirname "$0")/lib.sh"

ndirs=${FDS_DIRS:-20}
nfiles=${FDS_FILES:-50}
npre=${FDS_PRE:-300}

start_fakeaws -o "$tmp/received.b64"

# sluiced under the given limits (soft, hard), in the background.
start_limited() { # start_limited SOFT HARD ARGS...
	local soft=$1 hard=$2
	shift 2
	bash -c 'ulimit -Sn "$2" && ulimit -Hn "$1" && shift 2 && exec "$@"' \
	    limited "$hard" "$soft" "$SLUICED" "$@" >>"$tmp/sluiced.log" 2>&1 &
	sluiced_pid=$!
	bg_pids+=($sluiced_pid)
}
status_ok() {
	sluicectl_st -s "$tmp/sluice.sock" status -j >"$tmp/status.json" 2>&1
}

# 1. The soft limit is raised to the hard one.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 4096 ]; then
	hard=4096
fi
if [ "$hard" -le 256 ]; then
	echo "SKIP: the hard limit on open files is $hard, not over 256"
	exit 77
fi
mkdir -p "$tmp/none"
{
	config_head
	cat <<YAML
flows:
  - filePattern: $tmp/none/*.log
    kinesisStream: none
YAML
} >"$tmp/raise.yaml"
start_limited 256 "$hard" -v -c "$tmp/raise.yaml"
wait_for 10 status_ok || fail "sluiced (soft limit 256) did not start"
stop_sluiced
grep -q "open files limit raised from 256 to $hard" "$tmp/sluiced.log" ||
    fail "the soft limit was not raised to $hard"
grep -q "maxOpenFiles: $((hard / 2)) log files per flow" "$tmp/sluiced.log" ||
    fail "maxOpenFiles is not half the raised limit"

# 2. More files than descriptors, at start and after it.
mkdir -p "$tmp/pre" "$tmp/logs"
# write ROOT NDIRS NFILES FROM TO: appends lines FROM..TO-1 to every file.
write() {
	perl -e '
	my ($root, $nd, $nf, $from, $to) = @ARGV;
	my $pad = "x" x 40;
	for my $d (0 .. $nd - 1) {
		my $dir = $nd > 1 ? "$root/d$d" : $root;
		mkdir $dir;
		for my $f (0 .. $nf - 1) {
			open(my $fh, ">>", "$dir/app$f.log") or die "$dir: $!";
			print $fh "$root d$d f$f line $_ $pad\n" for $from .. $to - 1;
			close $fh;
		}
	}' "$@"
}
write "$tmp/pre" 1 "$npre" 0 20
{
	config_head
	[ -z "${FDS_MAXOPEN:-}" ] || echo "maxOpenFiles: $FDS_MAXOPEN"
	cat <<YAML
flows:
  - filePattern: $tmp/pre/app*.log
    kinesisStream: pre
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
  - filePattern: $tmp/logs/*/app*.log
    kinesisStream: logs
    maxBufferAgeMillis: 1000
    closeInactiveMillis: 1000
YAML
} >"$tmp/sluice.yaml"
rm -f "$tmp/sluice.sock"
start_limited 256 256 -v -c "$tmp/sluice.yaml"
wait_for 10 test -S "$tmp/sluice.sock" ||
    fail "no control socket with $npre files and 256 descriptors"
wait_for 10 status_ok || fail "sluicectl status failed at start"

# Status must answer, and the daemon live, all along.
watcher() {
	while :; do
		kill -0 "$sluiced_pid" 2>/dev/null || { echo exited; return; }
		sluicectl_st -s "$tmp/sluice.sock" status -j >/dev/null 2>&1 ||
		    echo "status failed at $(date +%T.%N)"
		sleep 0.2
	done
}
watcher >"$tmp/watch.out" &
watch_pid=$!
bg_pids+=($watch_pid)

expect() {
	find "$tmp/pre" "$tmp/logs" -name 'app*.log' -exec cat {} + |
	    sort >"$tmp/expected"
	total=$(wc -l <"$tmp/expected")
}
check() {
	[ -f "$tmp/received.b64" ] || return 1
	decode_records "$tmp/received.b64" | sort >"$tmp/got"
	sort -u "$tmp/got" >"$tmp/got.uniq"
	[ "$(comm -23 "$tmp/expected" "$tmp/got.uniq" | wc -l)" -eq 0 ]
}

write "$tmp/logs" "$ndirs" "$nfiles" 0 20
expect
wait_for 60 check || fail "first round: not every line arrived"
# Past closeInactiveMillis, with more files than maxOpenFiles: most are
# closed, and they are reopened as they grow.
sleep 1.5
status_ok || fail "sluicectl status failed"
grep -q '"state":"closed"' "$tmp/status.json" ||
    fail "no file was closed: $(head -c 300 "$tmp/status.json")"
write "$tmp/logs" "$ndirs" "$nfiles" 20 40
write "$tmp/pre" 1 "$npre" 20 40
expect
wait_for 60 check || true
status_ok || fail "sluicectl status failed at the end"
kill "$watch_pid"
wait "$watch_pid" 2>/dev/null || true
stop_sluiced

missing=$(comm -23 "$tmp/expected" "$tmp/got.uniq" | wc -l)
extra=$(comm -13 "$tmp/expected" "$tmp/got.uniq" | wc -l)
echo "expected $total lines in $((ndirs * nfiles + npre)) files;" \
    "duplicates $(($(wc -l <"$tmp/got") - $(wc -l <"$tmp/got.uniq")));" \
    "missing $missing; unexpected $extra"
if [ -n "${FDS_MAXOPEN:-}" ]; then
	echo "status failed $(grep -c '^status failed' "$tmp/watch.out") times"
	! grep -q '^exited' "$tmp/watch.out" || fail "the daemon exited"
elif grep -q . "$tmp/watch.out"; then
	head -n 5 "$tmp/watch.out" >&2
	fail "the daemon exited or status failed while it ran"
fi
if [ "$missing" -ne 0 ]; then
	comm -23 "$tmp/expected" "$tmp/got.uniq" | head -n 5 >&2
	fail "$missing lines lost"
fi
[ "$extra" -eq 0 ] || fail "$extra unexpected records"
echo "PASS: fds"
