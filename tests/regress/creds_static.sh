#!/usr/bin/env bash
# Credential sources without a remote service, each end to end through
# fakeaws's SigV4 check with the exact credentials expected: the config
# keys (with awsSessionToken), the environment, a profile's static keys,
# a profile's credential_process, and assumeRoleARN wrapping the config
# keys (STS AssumeRole at fakeimds, signed with them).  Then no secret may
# appear in the daemon's logs or status.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/creds_lib.sh"

# 1. Config keys, and the session token that goes with them.
expect_aws AKIDCONFIG0000000001 cfgSecret/Config+0001 cfgToken0001
creds_config config "awsAccessKeyId: AKIDCONFIG0000000001" \
    "awsSecretAccessKey: cfgSecret/Config+0001" \
    "awsSessionToken: cfgToken0001"
# The environment comes second: present, but not used.
AWS_ACCESS_KEY_ID=AKIDENVWRONG AWS_SECRET_ACCESS_KEY=wrong \
    deliver_with config "config keys"

# 2. The environment, with the endpoint from AWS_ENDPOINT_URL_KINESIS.
expect_aws AKIDENV0000000000002 envSecret/Env+0002 envToken0002
ENV_ENDPOINTS=1 creds_config env
AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:$fake_port \
    AWS_ACCESS_KEY_ID=AKIDENV0000000000002 \
    AWS_SECRET_ACCESS_KEY=envSecret/Env+0002 \
    AWS_SESSION_TOKEN=envToken0002 deliver_with env "environment"

# 3. A profile's static keys, the file named by the environment.
expect_aws AKIDPROFILE000000003 profSecret/Prof+0003
cat >"$tmp/aws-credentials" <<INI
[default]
aws_access_key_id = AKIDWRONGDEFAULT
aws_secret_access_key = wrong
[logs]
aws_access_key_id = AKIDPROFILE000000003
aws_secret_access_key = profSecret/Prof+0003
INI
creds_config profile
AWS_SHARED_CREDENTIALS_FILE="$tmp/aws-credentials" AWS_PROFILE=logs \
    deliver_with profile "profile logs (static keys)"

# 4. credential_process, through the shell, in ~/.aws/config.
expect_aws AKIDPROCESS000000004 procSecret/Proc+0004 procToken0004
mkdir -p "$HOME/.aws"
cat >"$tmp/creds-process.sh" <<'SH'
#!/bin/sh
echo "credential_process ran" >&2
cat <<JSON
{"Version": 1, "AccessKeyId": "AKIDPROCESS000000004",
 "SecretAccessKey": "procSecret/Proc+0004",
 "SessionToken": "procToken0004",
 "Expiration": "2099-01-01T00:00:00Z"}
JSON
SH
chmod +x "$tmp/creds-process.sh"
printf '[default]\ncredential_process = sh "%s"\n' "$tmp/creds-process.sh" \
    >"$HOME/.aws/config"
creds_config process
deliver_with process "profile default (credential_process)"
rm "$HOME/.aws/config"

# 5. assumeRoleARN wraps the config keys: STS AssumeRole must be signed
# with them, and Kinesis requests with the role's.
role=arn:aws:iam::123456789012:role/log-shipper
issue ASIAASSUMED000000005 roleSecret/Role+0005 roleToken0005 \
    "sts_key AKIDBASE000000000005" "sts_secret baseSecret/Base+0005" \
    "sts_token -" "role_arn $role" "external_id ext-0005" \
    "expires_in 3600"
secrets+=(baseSecret/Base+0005)
creds_config assume "awsAccessKeyId: AKIDBASE000000000005" \
    "awsSecretAccessKey: baseSecret/Base+0005" "assumeRoleARN: $role" \
    "assumeRoleExternalId: ext-0005" "sts.region: us-east-1"
deliver_with assume "role $role (assumeRoleARN), from config keys"
grep -q "POST /sts/AssumeRole 200" "$tmp/imds.requests" ||
    fail "assume: no AssumeRole reached the fake STS"

no_secrets
echo "creds_static: all passed"
