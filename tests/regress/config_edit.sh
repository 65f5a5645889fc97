#!/usr/bin/env bash
# A flow's state belongs to its name (issue 9; README.md invariant 7).
# With the streams missing, lines are spooled; then the config is edited:
# an unnamed flow's pattern widened (app.log -> *.log), a named flow's
# stream changed, two flows removed, and a flow's state moved back to the
# old hash-named layout (state_old_dir_name) as sluice 0.x left it.  At the
# next start, with the log files gone (their lines only spooled) and only
# the new streams existing, every line is delivered
# (the named flow's to its new stream: its old one does not exist), the
# old directory is migrated, the removed flows' states are reported with
# their counts in the log and in `sluicectl status`, `state adopt` delivers
# one through a running flow and `state discard` removes the other.
. "$(dirname "$0")/lib.sh"

N=300
ctl() { sluicectl_st -s "$tmp/sluice.sock" "$@"; }
# The sluice 0.x directory name of a Kinesis flow (state.c).
old_name() {
	perl -e 'my ($s, $p) = @ARGV; my $h = 2166136261;
	    for (unpack "C*", "kinesis:$s:$p") {
		$h = (($h ^ $_) * 16777619) % 4294967296 }
	    (my $c = $s) =~ s/[^A-Za-z0-9._-]/_/g;
	    printf "kinesis-%s-%08x\n", $c, $h' "$1" "$2"
}
spooled() {
	ctl status -j | jq '[.flows[].recordsSpooled] | add'
}

echo "notfound=1" >"$tmp/faults"
start_fakeaws -o "$tmp/received.b64" -c "$tmp/faults"
mkdir -p "$tmp/a" "$tmp/n" "$tmp/g" "$tmp/h" "$tmp/e"
for f in a n g h e; do
	for ((i = 0; i < N; i++)); do printf '%s-%05d\n' "$f" "$i"; done \
	    >"$tmp/$f/app.log"
done
flow() {	# name-or-"-" stream pattern
	[ "$1" = - ] || echo "  - name: $1"
	[ "$1" = - ] && printf '  - ' || printf '    '
	echo "filePattern: $3"
	printf '%s\n' "    kinesisStream: $2" \
	    "    initialPosition: START_OF_FILE" \
	    "    maxBufferAgeMillis: 1000" \
	    "    retryInitialBackoffMillis: 50" \
	    "    retryMaxBackoffMillis: 200"
}
{
	config_head
	echo "flows:"
	flow - sa "$tmp/a/app.log"
	flow named old-s "$tmp/n/app.log"
	flow gone sg "$tmp/g/app.log"
	flow gone2 sh "$tmp/h/app.log"
	flow - se "$tmp/e/app.log"
} >"$tmp/c1.yaml"
start_sluiced "$tmp/c1.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not start"
wait_for 30 eval '[ "$(spooled)" = $((5 * N)) ]' ||
    fail "not every line spooled: $(spooled)"
stop_sluiced
kill "$fake_pid"
wait "$fake_pid" 2>/dev/null || true
[ ! -s "$tmp/received.b64" ] || fail "records delivered while refused"
# Their lines now live only in the spools (as after a rotation), so a
# start that loses a spool cannot read them again.
rm -f "$tmp"/[anghe]/app.log

# sluice 0.x's layout for the flow to stream se.
st=$tmp/state
old=$(old_name se "$tmp/e/app.log")
mv "$st/flows/se" "$st/$old"

rm -f "$tmp/fake.port"
start_fakeaws -o "$tmp/received.b64" -s sa -s new-s -s se
{
	config_head
	echo "flows:"
	flow - sa "$tmp/a/*.log"
	flow named new-s "$tmp/n/app.log"
	flow - se "$tmp/e/app.log"
} >"$tmp/c2.yaml"
for ((i = 0; i < N; i++)); do printf 'a2-%05d\n' "$i"; done >"$tmp/a/new.log"
"$SLUICED" -n -c "$tmp/c2.yaml" >/dev/null || fail "-n rejected c2.yaml"
start_sluiced "$tmp/c2.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not restart"
got() {
	decode_records "$tmp/received.b64" 2>/dev/null | tr -d '\r' |
	    grep -a "^$1-" | sort -u | wc -l
}
wait_for 30 eval '[ "$(got a)" = $N ] && [ "$(got a2)" = $N ] &&
    [ "$(got n)" = $N ] && [ "$(got e)" = $N ]' ||
    fail "edited flows: a $(got a) a2 $(got a2) n $(got n) e $(got e) of $N"
[ ! -e "$st/$old" ] && [ -d "$st/flows/se" ] || fail "$old not migrated"
grep -q "state migrated from $st/$old" "$tmp/sluiced.log" ||
    fail "migration not logged"

# The removed flows' state: reported, with its count, never sent alone.
grep -q "state gone at $st/flows/gone: $N unsent records" \
    "$tmp/sluiced.log" || fail "orphan gone not reported in the log"
grep -q "state gone2 at $st/flows/gone2: $N unsent records" \
    "$tmp/sluiced.log" || fail "orphan gone2 not reported in the log"
ctl status >"$tmp/status.txt" || fail "status"
grep -Eq "^  gone +$N " "$tmp/status.txt" ||
    fail "status lacks orphan gone: $(cat "$tmp/status.txt")"
[ "$(ctl status -j | jq '[.orphanedState[].records] | add')" = $((2 * N)) ] ||
    fail "status -j orphans: $(ctl status -j | jq -c .orphanedState)"
[ "$(got g)" = 0 ] && [ "$(got h)" = 0 ] || fail "orphans were sent"

# Errors: unknown names, a live flow's state, bad usage.
if ctl state discard nope 2>"$tmp/err"; then fail "discard nope"; fi
grep -q 'no orphaned state named "nope"' "$tmp/err" || fail "$(cat "$tmp/err")"
if ctl state discard sa 2>"$tmp/err"; then fail "discard of a live flow"; fi
grep -q "configured flow's: never discarded" "$tmp/err" || fail "$(cat "$tmp/err")"
if ctl state adopt gone nope 2>"$tmp/err"; then fail "adopt into nope"; fi
grep -q 'no running flow named "nope"' "$tmp/err" || fail "$(cat "$tmp/err")"
if ctl state adopt 2>/dev/null; then fail "adopt without names"; fi
[ -d "$st/flows/gone" ] || fail "a failed command removed state"

ctl state adopt gone sa >"$tmp/adopt.txt" || fail "adopt gone sa"
grep -q "adopting state gone into flow sa: $N records" "$tmp/adopt.txt" ||
    fail "adopt said: $(cat "$tmp/adopt.txt")"
wait_for 30 eval '[ "$(got g)" = $N ]' || fail "adopted: $(got g) of $N"
wait_for 10 eval '[ ! -e "$st/flows/gone" ]' || fail "gone not removed"
ctl state discard gone2 >"$tmp/discard.txt" || fail "discard gone2"
grep -q "discarded state gone2 ($N records)" "$tmp/discard.txt" ||
    fail "discard said: $(cat "$tmp/discard.txt")"
[ ! -e "$st/flows/gone2" ] || fail "gone2 not removed"
[ "$(ctl state)" = "no orphaned state" ] || fail "state: $(ctl state)"
[ "$(ctl state -j | jq -c .orphanedState)" = "[]" ] || fail "state -j"
stop_sluiced

decode_records "$tmp/received.b64" | tr -d '\r' >"$tmp/got"
total=$(wc -l <"$tmp/got")
uniq=$(sort -u "$tmp/got" | wc -l)
for f in a a2 n e g; do
	for ((i = 0; i < N; i++)); do printf '%s-%05d\n' "$f" "$i"; done
done | sort >"$tmp/want"
lost=$(comm -23 "$tmp/want" <(sort -u "$tmp/got") | wc -l)
extra=$(comm -13 "$tmp/want" <(sort -u "$tmp/got") | wc -l)
echo "lines: $((5 * N)) delivered, received $total, lost $lost," \
    "duplicates $((total - uniq)), unexpected $extra"
[ "$lost" = 0 ] || fail "$lost lines lost"
[ "$extra" = 0 ] || fail "$extra unexpected lines (a discarded one sent?)"
echo "PASS: config_edit"
