#!/usr/bin/env bash
# Errors by class, clock skew: fakeaws's clock runs an hour ahead, and it
# refuses signatures more than 5 minutes off it ("Signature expired", as
# Kinesis answers).  The sender takes AWS's time from the answer's Date
# header, as the AWS SDKs do, signs again, and delivers every line exactly
# once; the log says the clock is off.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/errors_lib.sh"

N=1000
start_fakeaws -s errs -o "$tmp/received.b64" -S "$tmp/fake.stats" \
    --clock-ahead 3600
errors_config
start_sluiced "$tmp/sluice.yaml"
errors_write 0 $N
wait_for 60 errors_have $N || true
stop_sluiced
errors_check "$tmp/logs/a.log"
skewed=$(sed -n 's/^skewed=//p' "$tmp/fake.stats")
echo "requests refused for their signing time: $skewed"
[ "${skewed:-0}" -ge 1 ] || fail "fakeaws refused nothing; the test proved nothing"
grep -q "clock skewed: .*this host's clock is -3[56][0-9][0-9] s off AWS's" \
    "$tmp/sluiced.log" || fail "the skew was not logged"
echo "PASS: errors_skew"
