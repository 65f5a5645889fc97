#!/usr/bin/env bash
# Errors by class, per request: fakeaws answers requests with 500, 503,
# 400 ThrottlingException, garbage, a truncated body, or drops them.  None
# of these records anything, so a sender that took a garbled answer as
# success would lose its records: every line must arrive, exactly once,
# and status counts the causes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/errors_lib.sh"

N=3000
# Small batches: many requests, so that every fault is drawn.
ERRORS_BATCH=10
start_fakeaws -s errs -o "$tmp/received.b64" -c "$tmp/fake.ctl" --seed 9
errors_ctl error500=0.1 error503=0.1 garbage=0.1 truncate=0.1 drop=0.05
errors_config
start_sluiced "$tmp/sluice.yaml"
errors_write 0 $((N / 2))
wait_for 60 errors_have $((N / 2)) || fail "first half not delivered"
errors_ctl error=ThrottlingException error-prob=0.3
errors_write $((N / 2)) $N
wait_for 60 errors_have $N || true
errors_status
for c in InternalFailure ServiceUnavailable malformedAnswer network \
    ThrottlingException; do
	v=$(errors_flow "\$f->{errorCodes}{$c}")
	echo "errorCodes: $c=${v:-0}"
	[ "${v:-0}" -gt 0 ] || fail "no $c counted"
done
stop_sluiced
errors_check "$tmp/logs/a.log"
echo "PASS: errors_request"
