#!/usr/bin/env bash
# Errors by class, per entry: fakeaws fails a third of the entries of each
# PutRecords with KMSThrottlingException, then InternalFailure.  Only the
# failed entries are sent again (fakeaws records accepted entries only, so
# a whole batch sent again would show as duplicates): every line arrives
# exactly once, and status counts each error code.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/errors_lib.sh"

N=3000
start_fakeaws -s errs -o "$tmp/received.b64" -c "$tmp/fake.ctl" --seed 5
errors_ctl throttle=0.3 entry-error=KMSThrottlingException
errors_config
start_sluiced "$tmp/sluice.yaml"
errors_write 0 $((N / 2))
wait_for 60 errors_have $((N / 2)) || fail "first half not delivered"
errors_ctl throttle=0.3 entry-error=InternalFailure
errors_write $((N / 2)) $N
wait_for 60 errors_have $N || true
errors_status
kms=$(errors_flow '$f->{errorCodes}{KMSThrottlingException}')
internal=$(errors_flow '$f->{errorCodes}{InternalFailure}')
failed=$(errors_flow '$f->{recordsFailed}')
echo "errorCodes: KMSThrottlingException=$kms InternalFailure=$internal" \
    "recordsFailed=$failed"
stop_sluiced
errors_check "$tmp/logs/a.log"
[ "${kms:-0}" -gt 0 ] || fail "no KMSThrottlingException counted"
[ "${internal:-0}" -gt 0 ] || fail "no InternalFailure counted"
[ $((kms + internal)) -eq "$failed" ] ||
    fail "error codes $kms + $internal != recordsFailed $failed"
echo "PASS: errors_entries"
