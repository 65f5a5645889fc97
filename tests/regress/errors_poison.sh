#!/usr/bin/env bash
# Errors by class, content: fakeaws refuses any request holding one poison
# record (ValidationException, the whole request).  The sender splits the
# refused requests until the record stands alone, puts it in the flow's
# dead-letter file with the error, and delivers every other line, exactly
# once.  The poison record is in the dead-letter file and nowhere else,
# and `sluicectl state` lists it.  Once the destination takes it,
# `sluicectl state replay` sends it, and the dead-letter file is gone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/errors_lib.sh"

N=2000
POISON=00000777
start_fakeaws -s errs -o "$tmp/received.b64" -c "$tmp/fake.ctl" --seed 4
errors_ctl "poison=id=$POISON "
errors_config
start_sluiced "$tmp/sluice.yaml"
errors_write 0 $N
grep -v "id=$POISON " "$tmp/logs/a.log" >"$tmp/expected"
grep "id=$POISON " "$tmp/logs/a.log" >"$tmp/poison"
[ "$(wc -l <"$tmp/poison")" -eq 1 ] || fail "no poison line written"
wait_for 60 errors_have $((N - 1)) || fail "the good lines were not delivered"
dead_counted() {
	errors_status &&
	    [ "$(errors_flow '$f->{recordsDeadLettered}')" = 1 ]
}
wait_for 30 dead_counted || fail "status does not count the dead letter"
errors_deadletters "$tmp/state/flows/errs/deadletter" >"$tmp/dead"
cut -f2- "$tmp/dead" >"$tmp/dead.records"
cmp -s "$tmp/dead.records" "$tmp/poison" ||
    fail "dead-letter file holds $(cat "$tmp/dead.records"), not the poison line"
grep -q 'ValidationException' "$tmp/dead" || fail "the error was not kept"
grep -q 'refused for its content put in' "$tmp/sluiced.log" ||
    fail "the dead letter was not logged"
errors_check "$tmp/expected"
if errors_received | grep -q "id=$POISON "; then
	fail "the poison record reached the destination"
fi
"$SLUICECTL" -s "$tmp/sluice.sock" state >"$tmp/state.txt" ||
    fail "sluicectl state failed"
cat "$tmp/state.txt"
grep -q "flow errs: 1 records, .* at $tmp/state/flows/errs/deadletter" \
    "$tmp/state.txt" || fail "sluicectl state does not list the dead letter"

# The destination now takes the record: replay it.
errors_ctl
"$SLUICECTL" -s "$tmp/sluice.sock" state replay errs || fail "replay failed"
wait_for 30 errors_have $N || fail "the replayed record did not arrive"
gone() {
	[ ! -e "$tmp/state/flows/errs/deadletter.replay" ] &&
	    [ ! -s "$tmp/state/flows/errs/deadletter" ]
}
wait_for 30 gone || fail "the dead letters were not removed after the replay"
"$SLUICECTL" -s "$tmp/sluice.sock" state replay errs 2>"$tmp/replay.err" &&
    fail "a replay with no dead letters succeeded"
grep -q 'no dead letters' "$tmp/replay.err" || fail "$(cat "$tmp/replay.err")"
stop_sluiced
errors_check "$tmp/logs/a.log"
echo "PASS: errors_poison"
