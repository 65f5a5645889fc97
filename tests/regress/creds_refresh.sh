#!/usr/bin/env bash
# Temporary credentials are refreshed while lines flow: the instance
# role's expire in 6 s, so they are refreshed on schedule (halfway through
# so short a life); then, with credentials that last an hour, the fake
# rotates them and answers requests signed with the old ones
# ExpiredTokenException, which must make sluiced refresh at once.  Every line must arrive, each through fakeaws's SigV4 check
# with the credentials of the moment.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/creds_lib.sh"

issue ASIAREFRESH000000001 refSecret/Ref+0001 refToken0001 \
    "role shipper-role" "expires_in 6"
creds_config refresh
export AWS_EC2_METADATA_DISABLED= AWS_EC2_METADATA_SERVICE_ENDPOINT=$imds_url
start_named refresh


# Lines flow for the whole test, 50 every 0.2 s.
n=0
write_for() {
	local end=$((SECONDS + $1))
	while [ $SECONDS -lt $end ]; do
		write_lines refresh $n $((n + 50))
		n=$((n + 50))
		sleep 0.2
	done
}

# 1. Refreshed on schedule before they expire: the role's credentials
# are fetched again within their 6 s, and nothing fails meanwhile.
write_for 2
fetched_at_least() {
	[ "$(imds_role_fetches)" -ge "$1" ]
}
wait_for 20 fetched_at_least 2 ||
    fail "the credentials were not refreshed before they expired"
write_for 1

# 2. Rotated: from credentials that would last an hour, so that no
# schedule refreshes them, the fake moves to new ones and refuses the old
# token as expired; only a refresh on ExpiredTokenException delivers what
# follows.
issue ASIAREFRESH000000001 refSecret/Ref+0001 refToken0001 \
    "role shipper-role" "expires_in 3600"
f=$(imds_role_fetches)
wait_for 20 fetched_at_least $((f + 1)) ||
    fail "the credentials were not refreshed on schedule"
write_for 1
issue ASIAREFRESH000000002 refSecret/Ref+0002 refToken0002 \
    "role shipper-role" "expires_in 3600"
write_for 2
wait_for 30 all_arrived refresh $n ||
    fail "not every line arrived after the rotation"
grep -q "^sig_failed=[1-9]" "$tmp/aws.stats" ||
    fail "fakeaws refused no request: the rotation proved nothing"
sluicectl_st -s "$tmp/refresh.sock" status -j >>"$tmp/status-all.json"
grep -q "ASIAREFRESH\|refSecret" "$tmp/status-all.json" &&
    fail "a key or secret in status"
stop_sluiced
check_delivered refresh $n
fetches=$(imds_role_fetches)
echo "credential fetches from IMDS: $fetches"
[ "$fetches" -ge 4 ] || fail "too few refreshes: $fetches"
grep -q "no AWS credentials\|credentials expired" "$tmp/sluiced-refresh.log" &&
    fail "the daemon went without valid credentials"
no_secrets
echo "creds_refresh: all passed"
