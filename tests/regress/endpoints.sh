#!/usr/bin/env bash
# Region, endpoint and HTTP rules (issue 10, "Region and endpoint"): the
# region from the AWS profile and from instance metadata, never a silent
# us-east-1; endpoint URLs and stream names checked by sluiced -n; HTTP_PROXY
# and NO_PROXY; HTTPS checked against caFile and AWS_CA_BUNDLE; the
# User-Agent.  tests/regress/httppeer.py stands between sluiced and fakeaws
# (as a forward proxy, or as a TLS endpoint) and logs the User-Agent and the
# SigV4 credential scope of each request; every line written must reach
# fakeaws.
. "$(dirname "$0")/lib.sh"
: "${FAKEIMDS:=$top_builddir/tests/fakeimds/fakeimds}"
PY=/usr/bin/python3
PEER="$top_srcdir/tests/regress/httppeer.py"
[ -x "$PY" ] || fail "$PY is missing (Debian package python3)"
command -v openssl >/dev/null || fail "openssl is missing"
[ -x "$FAKEIMDS" ] || fail "$FAKEIMDS not built"

unset AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE AWS_CONFIG_FILE \
    AWS_SHARED_CREDENTIALS_FILE AWS_CA_BUNDLE AWS_EC2_METADATA_SERVICE_ENDPOINT \
    http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy \
    NO_PROXY no_proxy
export AWS_EC2_METADATA_DISABLED=true
export HOME="$tmp/home"
mkdir -p "$HOME"
version=$("$SLUICED" -V | awk '{print $NF}')

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs"

# peer MODE NAME [ARGS]: starts httppeer.py, sets $peer_port.
peer() {
	local mode=$1 name=$2
	shift 2
	"$PY" "$PEER" "$mode" "$fake_port" "$tmp/$name.port" \
	    "$tmp/$name.requests" "$@" 2>"$tmp/$name.log" &
	bg_pids+=($!)
	wait_for 10 test -s "$tmp/$name.port" || fail "$name did not start"
	peer_port=$(cat "$tmp/$name.port")
}

# conf FILE ENDPOINT EXTRA...: one flow reading $tmp/logs/$run.log.
conf() {
	local file=$1 endpoint=$2
	shift 2
	{
		echo "stateDirectory: $tmp/state"
		echo "controlSocket: $tmp/sluice.sock"
		echo "kinesis.endpoint: $endpoint"
		echo "awsAccessKeyId: AKIDEXAMPLE"
		echo "awsSecretAccessKey: wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
		printf '%s\n' "$@"
		echo "flows:"
		echo "  - filePattern: $tmp/logs/*.log"
		echo "    kinesisStream: s"
		echo "    initialPosition: START_OF_FILE"
		echo "    maxBufferAgeMillis: 1000"
		echo "cloudwatch.emitMetrics: false"
	} >"$file"
}

# ship RUN CONFIG: writes 100 lines tagged RUN, runs sluiced until all of
# them reached fakeaws, stops it.
ship() {
	local run=$1 i
	for ((i = 0; i < 100; i++)); do
		printf '%s line %03d\n' "$run" "$i"
	done >>"$tmp/logs/$run.log"
	start_sluiced "$2"
	arrived() {
		[ -f "$tmp/received.b64" ] &&
		    [ "$(decode_records "$tmp/received.b64" |
		    grep -ac "^$run line ")" -ge 100 ]
	}
	wait_for 30 arrived || fail "$run: lines did not arrive"
	stop_sluiced
	[ "$(decode_records "$tmp/received.b64" | grep -a "^$run line " |
	    sort -u | wc -l)" -eq 100 ] || fail "$run: lines lost"
}

# 1. sluiced -n checks endpoints and stream names, with file:line:column.
conf "$tmp/bad1.yaml" "127.0.0.1:$fake_port"
if "$SLUICED" -n -c "$tmp/bad1.yaml" >"$tmp/n1.out" 2>&1; then
	fail "-n accepted an endpoint without a scheme"
fi
grep -q "bad1.yaml:3:19: key \"kinesis.endpoint\" must be a URL that starts with http:// or https://" \
    "$tmp/n1.out" || fail "no located scheme error: $(cat "$tmp/n1.out")"
conf "$tmp/bad2.yaml" "htp://127.0.0.1:$fake_port"
! "$SLUICED" -n -c "$tmp/bad2.yaml" >"$tmp/n2.out" 2>&1 ||
    fail "-n accepted htp://"
grep -q 'must use http:// or https://' "$tmp/n2.out" ||
    fail "no scheme error: $(cat "$tmp/n2.out")"
sed 's/kinesisStream: s$/kinesisStream: web access!/' "$tmp/bad1.yaml" |
    sed "s|127.0.0.1:$fake_port|http://127.0.0.1:$fake_port|" >"$tmp/bad3.yaml"
! "$SLUICED" -n -c "$tmp/bad3.yaml" >"$tmp/n3.out" 2>&1 ||
    fail "-n accepted the stream name 'web access!'"
grep -q ':9:20: key "kinesisStream": stream names have only' "$tmp/n3.out" ||
    fail "no located stream-name error: $(cat "$tmp/n3.out")"
echo "ok: -n checks endpoints and stream names"

# 2. No region anywhere: -n warns, the start refuses and says how to set it.
conf "$tmp/noregion.yaml" "http://127.0.0.1:$fake_port"
"$SLUICED" -n -c "$tmp/noregion.yaml" >"$tmp/n4.out" 2>&1 ||
    fail "-n refused a config without a region: $(cat "$tmp/n4.out")"
grep -q "no region for Kinesis" "$tmp/n4.out" || fail "-n did not warn"
if "$SLUICED" -c "$tmp/noregion.yaml" >"$tmp/start.out" 2>&1; then
	fail "sluiced started without a region"
fi
grep -q "no region for Kinesis: set kinesis.region in $tmp/noregion.yaml, or AWS_REGION" \
    "$tmp/start.out" || fail "unclear no-region error: $(cat "$tmp/start.out")"
echo "ok: no silent us-east-1"

# 3. The profile's region, through HTTP_PROXY, with userAgent.
peer proxy proxy
printf '[default]\nregion = us-east-2\n[profile web]\nregion = eu-west-3\n' \
    >"$tmp/awsconfig"
conf "$tmp/profile.yaml" "http://127.0.0.1:$fake_port" "userAgent: team-web"
AWS_CONFIG_FILE="$tmp/awsconfig" AWS_PROFILE=web \
    HTTP_PROXY="http://127.0.0.1:$peer_port" ship profile "$tmp/profile.yaml"
grep -q "Kinesis region eu-west-3 (from $tmp/awsconfig, profile web)" \
    "$tmp/sluiced.log" || fail "region source not logged"
[ -s "$tmp/proxy.requests" ] || fail "HTTP_PROXY was not used"
grep -q "\"scope\": \"AKIDEXAMPLE/[0-9]*/eu-west-3/kinesis/aws4_request\"" \
    "$tmp/proxy.requests" || fail "not signed for eu-west-3: $(head -1 "$tmp/proxy.requests")"
grep -q "\"user_agent\": \"sluice/$version team-web\"" "$tmp/proxy.requests" ||
    fail "User-Agent: $(head -1 "$tmp/proxy.requests")"
echo "ok: profile region, HTTP_PROXY, userAgent"

# 4. NO_PROXY wins; AWS_REGION wins over the profile.
before=$(wc -l <"$tmp/proxy.requests")
AWS_CONFIG_FILE="$tmp/awsconfig" AWS_REGION=ap-south-1 \
    HTTP_PROXY="http://127.0.0.1:$peer_port" NO_PROXY=127.0.0.1 \
    ship noproxy "$tmp/profile.yaml"
[ "$(wc -l <"$tmp/proxy.requests")" -eq "$before" ] ||
    fail "NO_PROXY was ignored"
grep -q "Kinesis region ap-south-1 (from AWS_REGION)" "$tmp/sluiced.log" ||
    fail "AWS_REGION did not win"
echo "ok: NO_PROXY, AWS_REGION"

# 5. The instance's region, when nothing else names one.
"$FAKEIMDS" -p 0 -P "$tmp/imds.port" 2>"$tmp/fakeimds.log" &
bg_pids+=($!)
wait_for 10 test -s "$tmp/imds.port" || fail "fakeimds did not start"
AWS_EC2_METADATA_DISABLED=false \
    AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$(cat "$tmp/imds.port")" \
    HTTP_PROXY="http://127.0.0.1:$peer_port" ship imds "$tmp/noregion.yaml"
grep -q "Kinesis region us-west-2 (from instance metadata)" "$tmp/sluiced.log" ||
    fail "instance region not used"
tail -1 "$tmp/proxy.requests" | grep -q "/us-west-2/kinesis/" ||
    fail "not signed for the instance's region"
echo "ok: instance metadata region"

# 6. HTTPS: certificates are checked; caFile and AWS_CA_BUNDLE add a CA.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$tmp/key.pem" \
    -out "$tmp/cert.pem" >/dev/null 2>&1 || fail "openssl req failed"
peer tls tls "$tmp/cert.pem" "$tmp/key.pem"
conf "$tmp/tls.yaml" "https://127.0.0.1:$peer_port" "kinesis.region: us-east-1" \
    "userAgentOverride: my-agent/1.0"
printf 'untrusted line\n' >>"$tmp/logs/untrusted.log"
start_sluiced "$tmp/tls.yaml"
wait_for 20 grep -qi "certificate" "$tmp/sluiced.log" ||
    fail "an untrusted certificate gave no error"
stop_sluiced
decode_records "$tmp/received.b64" | grep -q "^untrusted line" &&
    fail "sent to an endpoint whose certificate is not trusted"
rm -f "$tmp/logs/untrusted.log"
conf "$tmp/tlsca.yaml" "https://127.0.0.1:$peer_port" \
    "kinesis.region: us-east-1" "caFile: $tmp/cert.pem" \
    "userAgentOverride: my-agent/1.0"
ship tls "$tmp/tlsca.yaml"
grep -q '"user_agent": "my-agent/1.0"' "$tmp/tls.requests" ||
    fail "userAgentOverride: $(tail -1 "$tmp/tls.requests")"
AWS_CA_BUNDLE="$tmp/cert.pem" ship bundle "$tmp/tls.yaml"
echo "ok: HTTPS with caFile and AWS_CA_BUNDLE, userAgentOverride"
echo "PASS: endpoints"
