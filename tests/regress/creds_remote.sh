#!/usr/bin/env bash
# Credential sources that fetch from a service, each end to end through
# fakeaws's SigV4 check with the exact credentials the fake service
# issued: web identity (STS AssumeRoleWithWebIdentity), the container
# endpoint by _FULL_URI with a token and with a token file, a profile's
# role_arn with source_profile (AssumeRole signed with the source's keys),
# and the instance role with IMDSv2, and with IMDSv1 only when
# imdsV1Fallback allows it.  Then no secret may appear in the daemon's logs
# or status.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/creds_lib.sh"

# 1. Web identity: the token file's content goes to STS, unsigned, at
# AWS_ENDPOINT_URL_STS; Kinesis at AWS_ENDPOINT_URL.
role=arn:aws:iam::123456789012:role/irsa
echo "eyJwebIdentityToken.0001" >"$tmp/web-token"
secrets+=(eyJwebIdentityToken.0001)
issue ASIAWEBIDENTITY00001 webSecret/Web+0001 webToken0001 \
    "web_token eyJwebIdentityToken.0001" "role_arn $role" "expires_in 3600"
ENV_ENDPOINTS=1 creds_config webid
AWS_ENDPOINT_URL_STS=$imds_url AWS_ENDPOINT_URL=http://127.0.0.1:$fake_port \
    AWS_WEB_IDENTITY_TOKEN_FILE="$tmp/web-token" AWS_ROLE_ARN=$role \
    AWS_ROLE_SESSION_NAME=sluice-test \
    deliver_with webid "web identity role $role"
grep -q "POST /sts/AssumeRoleWithWebIdentity 200" "$tmp/imds.requests" ||
    fail "webid: no AssumeRoleWithWebIdentity reached the fake STS"

# 2. The container endpoint, _FULL_URI with the token in the environment.
secrets+=(containerAuth0002)
issue ASIACONTAINER0000002 ctrSecret/Ctr+0002 ctrToken0002 \
    "container_auth containerAuth0002" "expires_in 3600"
creds_config container
AWS_CONTAINER_CREDENTIALS_FULL_URI="$imds_url/container/creds" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN=containerAuth0002 \
    deliver_with container "container endpoint $imds_url/container/creds"

# 3. The same with the token in a file (EKS Pod Identity), which wins.
echo "containerAuthFile0003" >"$tmp/ctr-token"
secrets+=(containerAuthFile0003)
issue ASIACONTAINER0000003 ctrSecret/Ctr+0003 ctrToken0003 \
    "container_auth containerAuthFile0003" "expires_in 3600"
creds_config ctrfile
AWS_CONTAINER_CREDENTIALS_FULL_URI="$imds_url/container/creds" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong \
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$tmp/ctr-token" \
    deliver_with ctrfile "container endpoint"

# 4. A profile's role_arn, assumed with its source_profile's keys.
role=arn:aws:iam::123456789012:role/from-profile
issue ASIAPROFILEROLE00004 prSecret/Pr+0004 prToken0004 \
    "sts_key AKIDSOURCE0000000004" "sts_secret srcSecret/Src+0004" \
    "sts_token -" "role_arn $role" "expires_in 3600"
secrets+=(srcSecret/Src+0004)
mkdir -p "$HOME/.aws"
cat >"$HOME/.aws/credentials" <<INI
[base]
aws_access_key_id = AKIDSOURCE0000000004
aws_secret_access_key = srcSecret/Src+0004
INI
cat >"$HOME/.aws/config" <<INI
[profile shipper]
role_arn = $role
source_profile = base
region = us-east-1
INI
creds_config rolearn
AWS_PROFILE=shipper deliver_with rolearn "profile shipper: role $role via"
rm "$HOME/.aws/credentials" "$HOME/.aws/config"

# 5. The instance role, IMDSv2: a token PUT, then the role.
issue ASIAINSTANCEROLE0005 imdsSecret/Imds+0005 imdsToken0005 \
    "role shipper-role" "expires_in 21600"
creds_config imds
AWS_EC2_METADATA_DISABLED= AWS_EC2_METADATA_SERVICE_ENDPOINT=$imds_url \
    deliver_with imds "instance role shipper-role (IMDSv2), expires in [56]h"
grep -q "PUT /latest/api/token 200" "$tmp/imds.requests" ||
    fail "imds: no token was asked for"

# 6. IMDSv1 only: refused without imdsV1Fallback (no credentials, and
# status says why), used with it.
issue ASIAINSTANCEROLE0006 imdsSecret/Imds+0006 imdsToken0006 \
    "role shipper-role" "imds v1" "expires_in 21600"
creds_config imdsv1off
AWS_EC2_METADATA_DISABLED= AWS_EC2_METADATA_SERVICE_ENDPOINT=$imds_url \
    "$SLUICED" -c "$tmp/imdsv1off.yaml" >>"$tmp/sluiced-imdsv1off.log" 2>&1 &
sluiced_pid=$!
bg_pids+=($sluiced_pid)
wait_for 20 test -S "$tmp/imdsv1off.sock" || fail "imdsv1off: no socket"
wait_for 20 grep -q "no AWS credentials" "$tmp/sluiced-imdsv1off.log" ||
    fail "imdsv1off: no \"no AWS credentials\" in the log"
status_of imdsv1off | tee -a "$tmp/status-all.json" |
    grep -q '"credentials": *"none: .*imdsV1Fallback' ||
    fail "imdsv1off: status does not say why there are no credentials"
stop_sluiced
[ -z "$(received imdsv1off)" ] || fail "imdsv1off: records were sent"
creds_config imdsv1 "imdsV1Fallback: true"
AWS_EC2_METADATA_DISABLED= AWS_EC2_METADATA_SERVICE_ENDPOINT=$imds_url \
    deliver_with imdsv1 "instance role shipper-role (IMDSv1)"

no_secrets
echo "creds_remote: all passed"
