#!/usr/bin/env bash
# A start with no credentials anywhere: sluiced starts anyway, reads and
# spools, says "no AWS credentials" in status and in the log (once when it
# starts, then a summary every log.statusReportingPeriodSeconds), and
# looks again every credentialsRetrySeconds; once a credentials file
# appears, everything spooled meanwhile is delivered through fakeaws's
# SigV4 check, and the log says the credentials were found.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/creds_lib.sh"

expect_aws AKIDLATE000000000001 lateSecret/Late+0001
creds_config none "credentialsRetrySeconds: 1"
write_lines none 0 300
start_named none
wait_for 20 test -S "$tmp/none.sock" || fail "no control socket: not started"

# Spooled, not sent, and said so.
wait_for 20 grep -q "still no AWS credentials" "$tmp/sluiced-none.log" ||
    fail "no summary while the credentials are missing"
st=$(status_of none) || fail "no status"
echo "$st" >>"$tmp/status-all.json"
echo "$st" | grep -q '"credentials": *"none: no AWS credentials found' ||
    fail "status does not say there are no credentials: $st"
[ -z "$(received none)" ] || fail "records were sent without credentials"
[ "$(grep -c "warning: no AWS credentials" "$tmp/sluiced-none.log")" -eq 1 ] ||
    fail "\"no AWS credentials\" is not logged exactly once"
write_lines none 300 400

# Credentials appear: the spooled lines go, and the log says so.
mkdir -p "$HOME/.aws"
printf '[default]\naws_access_key_id = AKIDLATE000000000001\naws_secret_access_key = lateSecret/Late+0001\n' \
    >"$HOME/.aws/credentials.tmp"
mv "$HOME/.aws/credentials.tmp" "$HOME/.aws/credentials"
wait_for 30 all_arrived none 400 || fail "not every line arrived"
grep -q "AWS credentials found after [0-9]* attempts: profile default" \
    "$tmp/sluiced-none.log" || fail "the log does not say credentials were found"
status_of none | grep -q '"credentials": *"profile default (static keys)' ||
    fail "status does not name the new source"
stop_sluiced
check_delivered none 400
no_secrets
echo "creds_none: all passed"
