#!/usr/bin/env bash
# ADDEC2METADATA end to end: `sluiced -p` with the AWS SDK environment
# variables pointing at tests/fakeimds/fakeimds (IMDSv2 and DescribeTags on
# one local port).  Checks the exact output bytes (metadataTimestamp is
# checked for its format, then masked), COMPACT and PRETTYPRINT, the raw
# fallback for a record that is not a JSON object, and the pass-through with
# one warning when there is no metadata, and that `sluiced -n` asks the
# metadata service nothing.  Never talks to AWS.
. "$(dirname "$0")/lib.sh"

: "${FAKEIMDS:=$top_builddir/tests/fakeimds/fakeimds}"
[ -x "$FAKEIMDS" ] || fail "$FAKEIMDS not built"

"$FAKEIMDS" -p 0 -P "$tmp/imds.port" -c "$tmp/control" -o "$tmp/requests" \
    2>"$tmp/fakeimds.log" &
bg_pids+=($!)
wait_for 10 test -s "$tmp/imds.port" || fail "fakeimds did not start"
port=$(cat "$tmp/imds.port")

# The SDK environment, and nothing that could reach AWS or a proxy.
unset AWS_ACCESS_KEY_ID AWS_ACCESS_KEY AWS_SECRET_ACCESS_KEY AWS_SECRET_KEY \
    AWS_SESSION_TOKEN AWS_REGION AWS_EC2_METADATA_DISABLED AWS_ENDPOINT_URL \
    http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$port"
export AWS_ENDPOINT_URL_EC2="http://127.0.0.1:$port"
export TZ=UTC

# config NAME OPTIONS...: a config with one flow "ec2" whose
# ADDEC2METADATA option has the extra lines given.
config() {
	local name=$1 line
	shift
	{
		echo "stateDirectory: $tmp/state"
		echo "controlSocket: $tmp/sluice.sock"
		echo "flows:"
		echo "  - name: ec2"
		echo "    filePattern: /nonexistent/app.log"
		echo "    kinesisStream: ec2"
		echo "    dataProcessingOptions:"
		echo "      - optionName: ADDEC2METADATA"
		echo "        logFormat: RFC3339SYSLOG"
		for line in "$@"; do
			echo "        $line"
		done
		echo "cloudwatch.emitMetrics: false"
	} >"$tmp/$name.yaml"
}

# run NAME: sluiced -p with $tmp/NAME.in, output in NAME.out, NAME.err.
run() {
	timeout 30 "$SLUICED" -c "$tmp/$1.yaml" -p ec2 <"$tmp/$1.in" \
	    >"$tmp/$1.out" 2>"$tmp/$1.err" ||
	    { cat "$tmp/$1.err" >&2; fail "$1: sluiced -p exited non-zero"; }
}

# mask FILE: checks every metadataTimestamp's format and replaces it by TS.
ts_re='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4}'
mask() {
	sed -E "s/(\"metadataTimestamp\" ?: ?\")$ts_re\"/\\1TS\"/g" "$1"
}

# compare NAME EXPECTED-FILE
compare() {
	if ! mask "$tmp/$1.out" | cmp -s - "$2"; then
		echo "--- expected" >&2
		cat "$2" >&2
		echo "--- got" >&2
		cat "$tmp/$1.out" >&2
		fail "$1: output differs"
	fi
}

counts() {
	grep -qxF "$2" "$tmp/$1.err" ||
	    fail "$1: counts: want '$2', got '$(tail -n 1 "$tmp/$1.err")'"
}

fields='"privateIp":"10.1.2.3","availabilityZone":"us-west-2b","instanceId":"i-0fake1234567890ab","instanceType":"t3.micro","accountId":"123456789012","amiId":"ami-0fake0123456789a"'
tags='"tags":{"name":"web-1","team":"Prod & <Ops> \"quoted\"","aws:autoscaling:groupname":"asg-1","emptytag":"","ünit":"café"}'

# 0. Checking a config with ADDEC2METADATA asks IMDS nothing: the client
# starts with the first record, and -n converts none.
: >"$tmp/control"
config check "metadataTTL: 1"
"$SLUICED" -n -c "$tmp/check.yaml" >"$tmp/check.out" 2>&1 ||
    { cat "$tmp/check.out" >&2; fail "check: sluiced -n failed"; }
[ ! -s "$tmp/requests" ] || fail "check: sluiced -n asked IMDS"

# 1. COMPACT: objects get the metadata (same-named keys keep their place),
# a record that is not an object is sent raw and counted as failed.
: >"$tmp/control"
config compact "metadataTTL: 3600"
printf '%s\n' '{"msg":"hello","level":"info"}' 'not json' \
    '{"region":"mine","n":[1,2.5,true,null],"o":{}}' '{}' >"$tmp/compact.in"
{
	printf '%s\n' "{\"msg\":\"hello\",\"level\":\"info\",$fields,\"region\":\"us-west-2\",\"metadataTimestamp\":\"TS\",$tags}"
	printf '%s\n' 'not json'
	printf '%s\n' "{\"region\":\"us-west-2\",\"n\":[1,2.5,true,null],\"o\":{},$fields,\"metadataTimestamp\":\"TS\",$tags}"
	printf '%s\n' "{$fields,\"region\":\"us-west-2\",\"metadataTimestamp\":\"TS\",$tags}"
} >"$tmp/compact.want"
run compact
grep -Eq "\"metadataTimestamp\":\"$ts_re\"" "$tmp/compact.out" ||
    fail "compact: no well-formed metadataTimestamp"
compare compact "$tmp/compact.want"
counts compact "records=4 dropped=0 failed=1 truncated=0"
# IMDSv2: a token first, and every GET carried it.
grep -qx 'PUT /latest/api/token 200' "$tmp/requests" ||
    fail "no IMDSv2 token request"
! grep -q ' 401$' "$tmp/requests" || fail "a request was refused"
grep -qx 'POST / 200' "$tmp/requests" || fail "no signed DescribeTags"

# 2. PRETTYPRINT, Jackson's DefaultPrettyPrinter layout.
config pretty "jsonFormat: PRETTYPRINT"
printf '%s\n' '{"a":[1,2],"b":{"c":null}}' >"$tmp/pretty.in"
cat >"$tmp/pretty.want" <<'EOF'
{
  "a" : [ 1, 2 ],
  "b" : {
    "c" : null
  },
  "privateIp" : "10.1.2.3",
  "availabilityZone" : "us-west-2b",
  "instanceId" : "i-0fake1234567890ab",
  "instanceType" : "t3.micro",
  "accountId" : "123456789012",
  "amiId" : "ami-0fake0123456789a",
  "region" : "us-west-2",
  "metadataTimestamp" : "TS",
  "tags" : {
    "name" : "web-1",
    "team" : "Prod & <Ops> \"quoted\"",
    "aws:autoscaling:groupname" : "asg-1",
    "emptytag" : "",
    "ünit" : "café"
  }
}
EOF
run pretty
compare pretty "$tmp/pretty.want"
counts pretty "records=1 dropped=0 failed=0 truncated=0"

# 3. No metadata (IMDS answers 500): every record passes unchanged, with
# one warning for all of them.
echo "imds down" >"$tmp/control"
config down
printf '%s\n' '{"a":1}' 'not json' '{"b":2}' >"$tmp/down.in"
run down
cmp -s "$tmp/down.in" "$tmp/down.out" || fail "down: records changed"
[ "$(grep -c 'no EC2 metadata' "$tmp/down.err")" = 1 ] ||
    { cat "$tmp/down.err" >&2; fail "down: want exactly one warning"; }
counts down "records=3 dropped=0 failed=0 truncated=0"

# 4. DescribeTags denied: the identity without "tags", one warning.
echo "tags deny" >"$tmp/control"
config denied
printf '%s\n' '{"a":1}' '{"b":2}' >"$tmp/denied.in"
printf '%s\n' "{\"a\":1,$fields,\"region\":\"us-west-2\",\"metadataTimestamp\":\"TS\"}" \
    "{\"b\":2,$fields,\"region\":\"us-west-2\",\"metadataTimestamp\":\"TS\"}" \
    >"$tmp/denied.want"
run denied
compare denied "$tmp/denied.want"
[ "$(grep -c "cannot read the instance's tags" "$tmp/denied.err")" = 1 ] ||
    fail "denied: want exactly one warning"

# 5. sluiced -n checks the config without starting the fetcher: against
# an IMDS that never answers (a second fakeimds, stopped, whose port still
# accepts connections) it returns at once, and asks it nothing.  It used to
# start the fetcher and wait 2 s for it.
"$FAKEIMDS" -p 0 -P "$tmp/stalled.port" -c "$tmp/control" \
    -o "$tmp/stalled.requests" 2>"$tmp/stalled.log" &
stalled=$!
bg_pids+=($stalled)
wait_for 10 test -s "$tmp/stalled.port" || fail "second fakeimds did not start"
kill -STOP "$stalled"
config check
rc=0
t0=$(date +%s%N)
AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$(cat "$tmp/stalled.port")" \
    timeout 30 "$SLUICED" -n -c "$tmp/check.yaml" >"$tmp/check.out" \
    2>"$tmp/check.err" || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
kill -CONT "$stalled"
[ "$rc" = 0 ] || { cat "$tmp/check.err" >&2; fail "-n exited $rc"; }
[ "$(cat "$tmp/check.out")" = "$tmp/check.yaml: configuration OK" ] ||
    fail "-n printed '$(cat "$tmp/check.out")'"
[ "$ms" -lt 1000 ] || fail "-n took $ms ms against an IMDS that never answers"
sleep 0.3
[ ! -s "$tmp/stalled.requests" ] ||
    fail "-n asked IMDS: $(cat "$tmp/stalled.requests")"

echo "ec2meta: all passed"
