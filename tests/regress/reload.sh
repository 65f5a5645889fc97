#!/usr/bin/env bash
# Reload (issue 11): `sluicectl reload` and SIGHUP re-read the config.
# Under load (writer.pl, 20,000 lines/s a file): a flow is added, a kept
# flow's key changes (it stops cleanly and starts again from its state), a
# flow is removed (its state becomes orphaned state) and added again (it
# claims its state and goes on from its offsets).  An invalid config is
# refused with its errors and the old one stays in force; a new
# stateDirectory needs a restart.  In the end every line written reached
# fakeaws, and none twice.  A NOTIFY_SOCKET listener sees RELOADING=1 with
# MONOTONIC_USEC, then READY=1, for each reload.
. "$(dirname "$0")/lib.sh"

RATE=${RELOAD_RATE:-20000}
command -v perl >/dev/null || fail "perl is needed (writer.pl, the listener)"

perl -MIO::Socket::UNIX -e '
	$| = 1;
	my ($path, $out) = @ARGV;
	my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $path)
	    or die "listen $path: $!\n";
	open(my $fh, ">", $out) or die "$out: $!\n";
	$fh->autoflush(1);
	while (defined $s->recv(my $msg, 4096)) {
		$msg =~ s/\n/|/g;
		print $fh "$msg\n";
	}' "$tmp/notify.sock" "$tmp/notify.out" &
bg_pids+=($!)
wait_for 10 test -S "$tmp/notify.sock" || fail "the listener did not start"

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs"

# config FLOWS [EXTRA]: flows a and/or b; a's maxBufferAgeMillis is $age.
age=1000
config() {
	config_head
	echo "${2:-}"
	echo "flows:"
	case $1 in
	*a*) cat <<YAML
  - name: a
    filePattern: $tmp/logs/a.log
    kinesisStream: sa
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: $age
YAML
	esac
	case $1 in
	*b*) cat <<YAML
  - name: b
    filePattern: $tmp/logs/b.log
    kinesisStream: sb
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
YAML
	esac
}

received() {
	if [ -f "$tmp/received.b64" ]; then wc -l <"$tmp/received.b64"; else echo 0; fi
}
received_over() { [ "$(received)" -gt "$1" ]; }
readies() { [ "$(grep -c '^READY=1$' "$tmp/notify.out")" -ge "$1" ]; }

# reload N: sluicectl reload, then the Nth READY=1.
reload() {
	"$SLUICECTL" -s "$tmp/sluice.sock" reload >"$tmp/reload.out" \
	    2>"$tmp/reload.err" || fail "sluicectl reload: $(cat "$tmp/reload.err")"
	cat "$tmp/reload.out"
	wait_for 30 readies "$1" || fail "no READY=1 after reload $1"
}

config a >"$tmp/sluice.yaml"
NOTIFY_SOCKET="$tmp/notify.sock" "$SLUICED" -c "$tmp/sluice.yaml" \
    >>"$tmp/sluiced.log" 2>&1 &
sluiced_pid=$!
bg_pids+=($sluiced_pid)
wait_for 20 readies 1 || fail "no READY=1 at start"
perl "$top_srcdir/tests/regress/writer.pl" "$tmp/logs/a.log" a "$RATE" &
wa=$!
bg_pids+=($wa)
wait_for 30 received_over 2000 || fail "nothing delivered"

# 1. A flow is added, with sluicectl reload: a is kept.
config ab >"$tmp/sluice.yaml"
perl "$top_srcdir/tests/regress/writer.pl" "$tmp/logs/b.log" b "$RATE" &
wb=$!
bg_pids+=($wb)
reload 2
grep -q 'added: b' "$tmp/reload.out" || fail "b not added"
grep -q 'kept: a' "$tmp/reload.out" || fail "a not kept"
n=$(received)
wait_for 30 received_over $((n + 5000)) || fail "no delivery after adding b"

# 2. A key of a changes, with SIGHUP: a restarts from its state.
age=1500
config ab >"$tmp/sluice.yaml"
kill -HUP "$sluiced_pid"
wait_for 30 readies 3 || fail "no READY=1 after SIGHUP"
wait_for 10 grep -q 'reloaded .*restarted 1' "$tmp/sluiced.log" ||
    fail "a was not restarted"

# 3. An invalid config: refused with its error, the old one runs on.
{ config ab; echo "  - nosuchKey: 1"; } >"$tmp/sluice.yaml"
if "$SLUICECTL" -s "$tmp/sluice.sock" reload >"$tmp/bad.out" \
    2>"$tmp/bad.err"; then
	fail "an invalid config was accepted"
fi
cat "$tmp/bad.err"
grep -q "invalid configuration" "$tmp/bad.err" || fail "no reason given"
grep -q "$tmp/sluice.yaml:[0-9]*:[0-9]*: unknown key" "$tmp/bad.err" ||
    fail "the error is not located"
grep -q "is not valid; still running" "$tmp/sluiced.log" ||
    fail "the log does not say the config was refused"
wait_for 30 readies 4 || fail "no READY=1 after the refused reload"
kill -0 "$sluiced_pid" || fail "sluiced died"
n=$(received)
wait_for 30 received_over $((n + 5000)) || fail "no delivery after a refused reload"

# 4. b is removed under load: its state is orphaned, then claimed again.
config a >"$tmp/sluice.yaml"
reload 5
grep -q 'removed (state kept, orphaned): b' "$tmp/reload.out" ||
    fail "b not removed"
"$SLUICECTL" -s "$tmp/sluice.sock" state >"$tmp/state.out" || true
grep -q '^ *b ' "$tmp/state.out" || grep -q '\bb\b' "$tmp/state.out" ||
    fail "b's state is not listed as orphaned: $(cat "$tmp/state.out")"
sleep 1
config ab >"$tmp/sluice.yaml"
reload 6
grep -q 'added: b' "$tmp/reload.out" || fail "b not added again"

# 5. A new stateDirectory needs a restart; the old one stays in use.
config ab | sed "s|^stateDirectory: .*|stateDirectory: $tmp/state2|" >"$tmp/sluice.yaml"
reload 7
grep -q 'stateDirectory changed .*restart sluiced' "$tmp/reload.out" ||
    fail "no restart-needed message: $(cat "$tmp/reload.out")"
grep -q 'stateDirectory changed .*restart sluiced' "$tmp/sluiced.log" ||
    fail "the log does not say a restart is needed"
[ -e "$tmp/state2" ] && fail "the new stateDirectory was used"

# The end: every line arrived, none twice.
sleep 1
kill -TERM "$wa" "$wb"
wait "$wa" || fail "writer a failed"
wait "$wb" || fail "writer b failed"
sort "$tmp/logs/a.log" "$tmp/logs/b.log" >"$tmp/want"
all_arrived() {
	[ -f "$tmp/received.b64" ] || return 1
	decode_records "$tmp/received.b64" | sort -u >"$tmp/got.uniq"
	[ "$(comm -23 "$tmp/want" "$tmp/got.uniq" | wc -l)" -eq 0 ]
}
wait_for 60 all_arrived || true
stop_sluiced
decode_records "$tmp/received.b64" >"$tmp/got"
sort -u "$tmp/got" >"$tmp/got.uniq"
for f in a b; do
	grep "^$f " "$tmp/want" >"$tmp/want.$f"
	grep "^$f " "$tmp/got" >"$tmp/got.$f" || true
	sort -u "$tmp/got.$f" >"$tmp/got.$f.uniq"
	lost=$(comm -23 "$tmp/want.$f" "$tmp/got.$f.uniq" | wc -l)
	extra=$(comm -13 "$tmp/want.$f" "$tmp/got.$f.uniq" | wc -l)
	dups=$(($(wc -l <"$tmp/got.$f") - $(wc -l <"$tmp/got.$f.uniq")))
	echo "flow $f: written $(wc -l <"$tmp/want.$f"), received" \
	    "$(wc -l <"$tmp/got.$f"), lost $lost, duplicates $dups, corrupted $extra"
	[ "$lost" -eq 0 ] || fail "flow $f: $lost lines lost"
	[ "$extra" -eq 0 ] || fail "flow $f: $extra records never written"
	[ "$dups" -eq 0 ] || fail "flow $f: $dups duplicates"
done
[ "$(wc -l <"$tmp/want.a")" -gt 20000 ] || fail "the writers wrote too little"

# RELOADING=1 with MONOTONIC_USEC before each READY=1 after the first.
reloading=$(grep -c '^RELOADING=1|MONOTONIC_USEC=[0-9][0-9]*|\?$' "$tmp/notify.out" || true)
[ "$reloading" -eq 6 ] || fail "$reloading RELOADING=1, want 6: $(cat "$tmp/notify.out")"
awk '/^RELOADING=1/ { if (r) exit 1; r = 1 } /^READY=1/ { r = 0 }
    END { exit r }' "$tmp/notify.out" || fail "RELOADING=1 without READY=1 after it"
exit 0
