#!/usr/bin/env bash
# InvalidSignatureException, the two ways it can mean (creds.h,
# creds_report):
# 1. After a refresh, rotated keys: the instance role's credentials are
#    refreshed once (they first expire in 6 s), then last an hour, so no
#    schedule would fetch them again for 55 minutes.  The provider then
#    rotates them and fakeaws refuses the old keys as AWS does, 400
#    {"__type":"InvalidSignatureException","message":"The request signature
#    we calculated does not match..."}.  sluiced must fetch them again at
#    once, deliver every line (lost 0), and say why in the log and status;
#    one refetch, not a storm.
# 2. Static keys with the wrong secret: an operator's error.  Loud, with
#    the fix, in status and the log, retried at the maximum backoff, and no
#    refresh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/creds_lib.sh"

# aws_control LINES...: fakeaws's control: the credentials it expects
# are those issue wrote last, plus LINES.
aws_control() {
	write_control "$tmp/aws.control" "expect-key=$akid" \
	    "expect-secret=$secret" "expect-token=$token" "$@"
}
# issue_rotated KEY SECRET TOKEN [LINES...]: as issue, and fakeaws answers
# keys other than these InvalidSignatureException.
issue_rotated() {
	akid=$1 secret=$2 token=$3
	issue "$@"
	aws_control sig-error=InvalidSignatureException
}

issue_rotated ASIAINVSIG0000000001 invSecret/Inv+0001 invToken0001 \
    "role shipper-role" "expires_in 6"
creds_config invsig
export AWS_EC2_METADATA_DISABLED= AWS_EC2_METADATA_SERVICE_ENDPOINT=$imds_url
start_named invsig

fetched_at_least() {
	[ "$(imds_role_fetches)" -ge "$1" ]
}

n=0
write_lines invsig 0 100
n=100
wait_for 30 all_arrived invsig $n || fail "the first lines did not arrive"

# A refresh on schedule, to credentials that last an hour.
issue_rotated ASIAINVSIG0000000001 invSecret/Inv+0001 invToken0001 \
    "role shipper-role" "expires_in 3600"
f=$(imds_role_fetches)
wait_for 20 fetched_at_least $((f + 1)) ||
    fail "the credentials were not refreshed on schedule"
write_lines invsig $n $((n + 100))
n=$((n + 100))
wait_for 30 all_arrived invsig $n || fail "lines did not arrive after the refresh"

# Rotated: the old keys are refused with InvalidSignatureException.
f=$(imds_role_fetches)
issue_rotated ASIAINVSIG0000000002 invSecret/Inv+0002 invToken0002 \
    "role shipper-role" "expires_in 3600"
write_lines invsig $n $((n + 200))
n=$((n + 200))
wait_for 30 all_arrived invsig $n ||
    fail "not every line arrived after the rotation: no refresh on InvalidSignatureException"
grep -q "^sig_failed=[1-9]" "$tmp/aws.stats" ||
    fail "fakeaws refused no request: the rotation proved nothing"
grep -q "AWS refused a signature made with refreshed credentials (InvalidSignatureException, instance role shipper-role.*): refreshing them at once" \
    "$tmp/sluiced-invsig.log" || fail "the log does not say why it refreshed"
grep -q "InvalidSignatureException.*retrying with refreshed AWS credentials" \
    "$tmp/sluiced-invsig.log" || fail "the flow's log does not say why"
# One refetch for the rotation (two at most, if a scheduled one raced).
sleep 2
refetches=$(( $(imds_role_fetches) - f ))
echo "credential fetches after the rotation: $refetches"
[ "$refetches" -ge 1 ] && [ "$refetches" -le 2 ] ||
    fail "$refetches fetches after the rotation"
status_of invsig >"$tmp/invsig.status.json"
cat "$tmp/invsig.status.json" >>"$tmp/status-all.json"
grep -q '"credentials": *"instance role shipper-role' "$tmp/invsig.status.json" ||
    fail "status does not name the source"
stop_sluiced
check_delivered invsig $n
grep -q "delivery refused" "$tmp/sluiced-invsig.log" &&
    fail "rotated keys were taken for an operator's error"

# 2. Static keys, wrong secret: no refresh can help.
akid=AKIDSTATIC0000000003 secret=rightSecret/Static+03 token=
secrets+=("$secret" "wrongSecret/Static+03")
aws_control
creds_config static "awsAccessKeyId: AKIDSTATIC0000000003" \
    "awsSecretAccessKey: wrongSecret/Static+03"
write_lines static 0 50
start_named static
loud() {
	status_of static >"$tmp/static.status.json" 2>/dev/null || return 1
	grep -q "InvalidSignatureException.*to fix: check the credentials in use" \
	    "$tmp/static.status.json"
}
wait_for 30 loud || fail "status does not name the cause and the fix"
s0=$(sed -n 's/^sig_failed=//p' "$tmp/aws.stats")
t0=$(date +%s%N)
sleep 3
s1=$(sed -n 's/^sig_failed=//p' "$tmp/aws.stats")
t1=$(date +%s%N)
# At the maximum backoff (500 ms, drawn in [250, 500]): one batch.
max=$(( (t1 - t0) / 250000000 + 2 ))
echo "refused requests in $(( (t1 - t0) / 1000000 )) ms: $((s1 - s0)) (at most $max)"
[ $((s1 - s0)) -le "$max" ] || fail "retried faster than the maximum backoff"
cat "$tmp/static.status.json" >>"$tmp/status-all.json"
stop_sluiced
grep -q "delivery refused: PutRecords: HTTP 400 InvalidSignatureException" \
    "$tmp/sluiced-static.log" || fail "the log does not say delivery is refused"
grep -q "refreshing" "$tmp/sluiced-static.log" &&
    fail "static keys were refreshed"
[ -z "$(received static)" ] || fail "records accepted with a wrong secret"
no_secrets
echo "creds_invsig: all passed"
