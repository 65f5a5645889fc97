#!/usr/bin/env bash
# systemd's notify protocol without systemd: a listener of our own on a
# unix datagram socket stands for $NOTIFY_SOCKET.  sluiced sends READY=1
# once started, WATCHDOG=1 every half of $WATCHDOG_USEC (only when
# $WATCHDOG_PID is unset or its own pid), and STOPPING=1 at a stop.  Under
# journald ($JOURNAL_STREAM names stderr's device and inode) each log line
# carries its "<N>" priority; anywhere else it does not.
# SIGHUP (a reload) sends RELOADING=1 with MONOTONIC_USEC, then READY=1
# (tests/regress/reload.sh checks them at every reload).
. "$(dirname "$0")/lib.sh"

command -v perl >/dev/null || fail "perl is missing"

# listen SOCKET OUT: writes each datagram to OUT, one a line ("\n" -> "|").
listen() {
	perl -MIO::Socket::UNIX -e '
		$| = 1;
		my ($path, $out) = @ARGV;
		my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM,
		    Local => $path) or die "listen $path: $!\n";
		open(my $fh, ">", $out) or die "$out: $!\n";
		$fh->autoflush(1);
		while (defined $s->recv(my $msg, 4096)) {
			$msg =~ s/\n/|/g;
			print $fh "$msg\n";
		}' "$1" "$2" &
	bg_pids+=($!)
	wait_for 10 test -S "$1" || fail "the listener did not start"
}

cat >"$tmp/sluice.yaml" <<YAML
stateDirectory: $tmp/state
controlSocket: $tmp/sluice.sock
YAML

# 1. READY, WATCHDOG and STOPPING, with journald's priority prefixes.
listen "$tmp/notify.sock" "$tmp/notify.out"
: >"$tmp/sluiced.log"
stream=$(stat -c '%d:%i' "$tmp/sluiced.log")
NOTIFY_SOCKET="$tmp/notify.sock" WATCHDOG_USEC=200000 \
    JOURNAL_STREAM="$stream" "$SLUICED" -c "$tmp/sluice.yaml" \
    2>>"$tmp/sluiced.log" &
sluiced_pid=$!
bg_pids+=($sluiced_pid)
wait_for 20 grep -qx 'READY=1' "$tmp/notify.out" || fail "no READY=1"
watchdogs() { test "$(grep -cx 'WATCHDOG=1' "$tmp/notify.out")" -ge "$1"; }
wait_for 20 watchdogs 4 ||
    fail "fewer than 4 WATCHDOG=1 (every 100 ms): $(cat "$tmp/notify.out")"
grep -q '^<6>sluiced: started' "$tmp/sluiced.log" ||
    fail "no <6> before an info line: $(cat "$tmp/sluiced.log")"
# A reload of an invalid config logs warnings, and RELOADING=1 ... READY=1.
cp "$tmp/sluice.yaml" "$tmp/sluice.yaml.good"
echo "nosuchKey: 1" >>"$tmp/sluice.yaml"
kill -HUP "$sluiced_pid"
wait_for 10 grep -q '^<4>sluiced: warning: reload: ' "$tmp/sluiced.log" ||
    fail "no <4> before a warning: $(cat "$tmp/sluiced.log")"
mv "$tmp/sluice.yaml.good" "$tmp/sluice.yaml"
wait_for 10 grep -q '^RELOADING=1|MONOTONIC_USEC=[0-9]' "$tmp/notify.out" ||
    fail "no RELOADING=1 with MONOTONIC_USEC"
stop_sluiced
grep -qx 'STOPPING=1' "$tmp/notify.out" || fail "no STOPPING=1"
# READY before the first WATCHDOG, STOPPING last.
first=$(head -n 1 "$tmp/notify.out")
last=$(tail -n 1 "$tmp/notify.out")
[ "$first" = READY=1 ] || fail "first message '$first', want READY=1"
[ "$last" = STOPPING=1 ] || fail "last message '$last', want STOPPING=1"
grep -v '^<[0-9]>' "$tmp/sluiced.log" && fail "a line without a priority"

# 2. Another process's watchdog, and a stderr that is not journald's:
#    no WATCHDOG=1, no prefixes.
listen "$tmp/notify2.sock" "$tmp/notify2.out"
: >"$tmp/sluiced.log"
: >"$tmp/other"
NOTIFY_SOCKET="$tmp/notify2.sock" WATCHDOG_USEC=200000 WATCHDOG_PID=1 \
    JOURNAL_STREAM="$(stat -c '%d:%i' "$tmp/other")" \
    "$SLUICED" -c "$tmp/sluice.yaml" \
    2>>"$tmp/sluiced.log" &
sluiced_pid=$!
bg_pids+=($sluiced_pid)
wait_for 20 grep -qx 'READY=1' "$tmp/notify2.out" || fail "no READY=1 (2)"
sleep 0.5	# five periods in which nothing may come
stop_sluiced
if grep -qx 'WATCHDOG=1' "$tmp/notify2.out"; then
	fail "WATCHDOG=1 sent for WATCHDOG_PID=1"
fi
grep -q '^sluiced: started' "$tmp/sluiced.log" ||
    fail "prefix on a stream that is not journald's: $(cat "$tmp/sluiced.log")"
echo "PASS: notify"
