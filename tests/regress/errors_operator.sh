#!/usr/bin/env bash
# Errors by class, an operator's: fakeaws answers AccessDeniedException
# for a while.  The flow says so once, with the fix, in the log and in
# status, retries at the maximum backoff (not faster), and once access is
# granted delivers everything; the problem ends once.  Then every request
# is refused with ValidationException whatever it holds: every record
# fails alone the same way, so the request is at fault, and that too is
# an operator's error, retried, with nothing dead-lettered.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/errors_lib.sh"

N=1000
ERRORS_BATCH=20
start_fakeaws -s errs -o "$tmp/received.b64" -c "$tmp/fake.ctl" \
    -S "$tmp/fake.stats" --seed 3
errors_ctl error=AccessDeniedException
errors_config
start_sluiced "$tmp/sluice.yaml"
errors_write 0 $((N / 2))

refused() {
	errors_status || return 1
	errors_flow 'join "\n", map { "$_->{what}: $_->{detail}" } @{$f->{health}}' |
	    grep -q 'grant kinesis:PutRecords on arn:aws:kinesis:us-east-1:\*:stream/errs'
}
wait_for 30 refused || fail "status never showed the fix"
t0=$(date +%s%N)
k0=$(sed -n 's/^knob_errors=//p' "$tmp/fake.stats")
sleep 3
k1=$(sed -n 's/^knob_errors=//p' "$tmp/fake.stats")
t1=$(date +%s%N)
# At the maximum backoff (400 ms, drawn in [200, 400]), at most 2 batches
# retry: 2 * 3 s / 0.2 s, plus one each in progress.
max=$(( 2 * (t1 - t0) / 200000000 + 2 ))
echo "refused requests in $(( (t1 - t0) / 1000000 )) ms: $((k1 - k0)) (at most $max)"
[ $((k1 - k0)) -le "$max" ] || fail "retried faster than the maximum backoff"
[ "$(errors_received | wc -l)" -eq 0 ] || fail "records accepted while refused"

errors_ctl
wait_for 60 errors_have $((N / 2)) || fail "not delivered once access was granted"
ended() {
	grep -q 'healthy again after .* of delivery refused' \
	    "$tmp/sluiced.log"
}
wait_for 30 ended || fail "the problem never ended"
starts=$(grep -c 'delivery refused: PutRecords: HTTP 400 AccessDeniedException' "$tmp/sluiced.log" || true)
ends=$(grep -c 'healthy again after .* of delivery refused' "$tmp/sluiced.log" || true)
echo "problem logged $starts time(s) at its start, $ends at its end"
[ "$starts" -eq 1 ] || fail "the problem's start was logged $starts times"
[ "$ends" -eq 1 ] || fail "the problem's end was logged $ends times"

# The request itself is refused, whatever its records.
errors_ctl error=ValidationException
errors_write $((N / 2)) $N
request_bad() {
	grep -q 'every record of a request is refused alone' "$tmp/sluiced.log"
}
wait_for 60 request_bad || fail "a request refused whole was not an operator's error"
errors_ctl
wait_for 60 errors_have $N || true
errors_status
dead=$(errors_flow '$f->{recordsDeadLettered}')
stop_sluiced
errors_check "$tmp/logs/a.log"
[ "$dead" = 0 ] || fail "$dead records dead-lettered for the request's fault"
[ ! -s "$tmp/state/flows/errs/deadletter" ] || fail "a dead-letter file was written"
echo "PASS: errors_operator"
