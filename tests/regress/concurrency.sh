#!/usr/bin/env bash
# Several requests in flight per flow (issue 12): fakeaws holds each answer
# a random 0-40 ms, so answers come back in random order.  sluiced is
# killed (SIGKILL) in the middle and restarted:
# since the spool cursor moves only over a contiguous acknowledged prefix,
# nothing is lost (a restart resends what was in flight: duplicates are
# counted, not failed).  More than two requests must have been in flight
# at once (the old fixed limit), and at most maxSendingThreads.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/errors_lib.sh"

N=20000
ERRORS_BATCH=50
start_fakeaws -s errs -o "$tmp/received.b64" -S "$tmp/fake.stats" \
    --delay-random-ms 40 --seed 12
errors_config
sed -i "s/^log.statusReportingPeriodSeconds: 2$/&\nmaxSendingThreads: 8/" \
    "$tmp/sluice.yaml"
grep -q '^maxSendingThreads: 8$' "$tmp/sluice.yaml" || fail "config edit"
"$SLUICED" -n -c "$tmp/sluice.yaml" >/dev/null || fail "config rejected"
start_sluiced "$tmp/sluice.yaml"
errors_write 0 $((N / 2))
wait_for 60 errors_have $((N / 4)) || fail "nothing delivered"
kill -KILL "$sluiced_pid"
wait "$sluiced_pid" 2>/dev/null || true
echo "killed sluiced after $(errors_received | sort -u | wc -l) lines"
start_sluiced "$tmp/sluice.yaml"
errors_write $((N / 2)) $N
wait_for 120 errors_have $N || true
stop_sluiced
held=$(sed -n 's/^max_held=//p' "$tmp/fake.stats")
echo "requests in flight at once, at most: $held"
errors_check "$tmp/logs/a.log" 1
[ "${held:-0}" -gt 2 ] || fail "never more than 2 requests in flight"
[ "$held" -le 8 ] || fail "$held requests in flight, over maxSendingThreads"
echo "PASS: concurrency"
