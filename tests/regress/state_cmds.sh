#!/usr/bin/env bash
# A flow whose state cannot be opened is refused with the reason, and the
# other flows run (issue 9): here a spool segment of a newer format.  The
# refused flow shows in `sluicectl status` and `sluicectl state` (text and
# -j), its state is not an orphan, and the other flow delivers every line.
. "$(dirname "$0")/lib.sh"

N=200
ctl() { sluicectl_st -s "$tmp/sluice.sock" "$@"; }
start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/ok" "$tmp/new" "$tmp/state/flows/newer/spool"
for ((i = 0; i < N; i++)); do printf 'ok-%05d\n' "$i"; done >"$tmp/ok/app.log"
# A segment header of spool format 99 (spool.h: magic, u32 version, u32 0).
printf 'SLUICESG\143\0\0\0\0\0\0\0' \
    >"$tmp/state/flows/newer/spool/0000000000000001.seg"
{
	config_head
	printf '%s\n' "flows:" \
	    "  - name: newer" "    filePattern: $tmp/new/app.log" \
	    "    kinesisStream: s1" \
	    "  - name: ok" "    filePattern: $tmp/ok/app.log" \
	    "    kinesisStream: s2" "    initialPosition: START_OF_FILE" \
	    "    maxBufferAgeMillis: 1000"
} >"$tmp/c.yaml"
start_sluiced "$tmp/c.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not start"
got() {
	decode_records "$tmp/received.b64" 2>/dev/null | grep -a '^ok-' |
	    sort -u | wc -l
}
wait_for 20 eval '[ "$(got)" = $N ]' || fail "flow ok: $(got) of $N lines"
kill -0 "$sluiced_pid" || fail "sluiced exited"
grep -q "flow=newer: refused, the other flows run: " "$tmp/sluiced.log" ||
    fail "refusal not logged"

ctl status >"$tmp/status.txt" || fail "status"
grep -q "^refused flow newer: " "$tmp/status.txt" ||
    fail "status: $(cat "$tmp/status.txt")"
ctl state >"$tmp/state.txt" || fail "state"
grep -q "^no orphaned state$" "$tmp/state.txt" &&
    grep -q "^refused flow newer: " "$tmp/state.txt" ||
    fail "state: $(cat "$tmp/state.txt")"
[ "$(ctl state -j | jq -r '.refusedFlows[0].name')" = newer ] ||
    fail "state -j: $(ctl state -j)"
[ "$(ctl status -j | jq '.flows | length')" = 1 ] || fail "status -j flows"
if ctl state adopt x newer 2>"$tmp/err"; then fail "adopt x newer"; fi
if ctl state discard newer 2>"$tmp/err"; then fail "discard newer"; fi
grep -q "configured flow's: never discarded" "$tmp/err" ||
    fail "discard newer: $(cat "$tmp/err")"
[ -f "$tmp/state/flows/newer/spool/0000000000000001.seg" ] ||
    fail "the refused state was touched"
stop_sluiced
echo "refused flow reported; other flow: $N lines delivered, lost 0"
echo "PASS: state_cmds"
