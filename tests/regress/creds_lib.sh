# Shared by the tests/regress/creds_*.sh tests: one fakeaws that checks
# every Kinesis request's SigV4 signature with the exact credentials
# expected (its control file's expect-key, expect-secret, expect-token),
# and one fakeimds that serves IMDS, STS and the container endpoint, both
# on 127.0.0.1.  deliver_with NAME checks that a daemon set up by the
# caller's environment and config delivers every line through that
# check.  Source it after lib.sh.

: "${FAKEIMDS:=$top_builddir/tests/fakeimds/fakeimds}"
[ -x "$FAKEIMDS" ] || fail "$FAKEIMDS not built"

# Nothing of the machine's own AWS setup, nothing that reaches AWS or a
# proxy, and a HOME without ~/.aws.
unset AWS_ACCESS_KEY_ID AWS_ACCESS_KEY AWS_SECRET_ACCESS_KEY AWS_SECRET_KEY \
    AWS_SESSION_TOKEN AWS_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE \
    AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN AWS_ROLE_SESSION_NAME \
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI \
    AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \
    AWS_ENDPOINT_URL AWS_ENDPOINT_URL_STS AWS_ENDPOINT_URL_KINESIS \
    AWS_REGION AWS_DEFAULT_REGION AWS_EC2_METADATA_SERVICE_ENDPOINT \
    http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export HOME="$tmp/home"
mkdir -p "$HOME"
export AWS_EC2_METADATA_DISABLED=true

start_fakeaws -s creds -o "$tmp/received.b64" -c "$tmp/aws.control" \
    -S "$tmp/aws.stats"
"$FAKEIMDS" -p 0 -P "$tmp/imds.port" -c "$tmp/imds.control" \
    -o "$tmp/imds.requests" 2>"$tmp/fakeimds.log" &
bg_pids+=($!)
wait_for 10 test -s "$tmp/imds.port" || fail "fakeimds did not start"
imds_port=$(cat "$tmp/imds.port")
imds_url="http://127.0.0.1:$imds_port"

# Every secret a test hands out, to be looked for in logs and status.
secrets=()

# write_control FILE LINES...: replaces a control file atomically.
write_control() {
	local f=$1
	shift
	printf '%s\n' "$@" >"$f.tmp"
	mv "$f.tmp" "$f"
}

# expect_aws KEY SECRET [TOKEN]: the credentials fakeaws accepts.
expect_aws() {
	secrets+=("$2")
	[ -n "${3:-}" ] && secrets+=("$3")
	write_control "$tmp/aws.control" "expect-key=$1" "expect-secret=$2" \
	    "expect-token=${3:-}"
}

# issue KEY SECRET TOKEN [LINES...]: what fakeimds hands out (IMDS role,
# container, STS), plus other control lines; fakeaws then expects them.
issue() {
	local k=$1 s=$2 t=$3
	shift 3
	write_control "$tmp/imds.control" "key $k" "secret $s" "token $t" "$@"
	expect_aws "$k" "$s" "$t"
}

# creds_config NAME EXTRA...: a config with one flow, no credential keys.
# With ENV_ENDPOINTS=1 the endpoints are left to AWS_ENDPOINT_URL_KINESIS
# and AWS_ENDPOINT_URL_STS, which the caller sets.
creds_config() {
	local name=$1
	shift
	mkdir -p "$tmp/logs-$name"
	{
		echo "stateDirectory: $tmp/state-$name"
		echo "controlSocket: $tmp/$name.sock"
		if [ "${ENV_ENDPOINTS:-0}" != 1 ]; then
			echo "kinesis.endpoint: http://127.0.0.1:$fake_port"
			echo "sts.endpoint: $imds_url"
		fi
		echo "kinesis.region: us-east-1"
		echo "log.statusReportingPeriodSeconds: 2"
		printf '%s\n' "$@"
		echo "flows:"
		echo "  - filePattern: $tmp/logs-$name/*.log"
		echo "    kinesisStream: creds"
		echo "    initialPosition: START_OF_FILE"
		echo "    maxBufferAgeMillis: 1000"
		echo "    retryInitialBackoffMillis: 50"
		echo "    retryMaxBackoffMillis: 500"
		echo "cloudwatch.emitMetrics: false"
	} >"$tmp/$name.yaml"
	"$SLUICED" -n -c "$tmp/$name.yaml" >/dev/null 2>&1 ||
	    fail "$name: config rejected"
}

# write_lines NAME FROM TO: lines with unique ids into NAME's log.
write_lines() {
	local i
	for ((i = $2; i < $3; i++)); do
		printf '%s line id=%06d with some text\n' "$1" "$i"
	done >>"$tmp/logs-$1/app.log"
}

# received NAME: the records of NAME that reached fakeaws, one a line.
received() {
	[ -f "$tmp/received.b64" ] || return 0
	decode_records "$tmp/received.b64" | grep "^$1 line " || true
}

all_arrived() {
	[ "$(received "$1" | sort -u | wc -l)" -ge "$2" ]
}

# status_of NAME: the daemon's status, JSON.
status_of() {
	sluicectl_st -s "$tmp/$1.sock" status -j
}

# check_delivered NAME COUNT: every line arrived, byte for byte.
check_delivered() {
	local name=$1 n=$2 got uniq missing
	sort "$tmp/logs-$name/app.log" >"$tmp/$name.expected"
	received "$name" >"$tmp/$name.got"
	sort -u "$tmp/$name.got" >"$tmp/$name.uniq"
	got=$(wc -l <"$tmp/$name.got")
	uniq=$(wc -l <"$tmp/$name.uniq")
	missing=$(comm -23 "$tmp/$name.expected" "$tmp/$name.uniq" | wc -l)
	echo "$name: lines written: $n, received: $got, duplicates:" \
	    "$((got - uniq)), lost: $missing"
	[ "$missing" -eq 0 ] || fail "$name: $missing lines lost"
	[ "$(comm -13 "$tmp/$name.expected" "$tmp/$name.uniq" | wc -l)" -eq 0 ] ||
	    fail "$name: records arrived that were never written"
}

# start_named NAME: starts sluiced on NAME's config in the background,
# its log in $tmp/sluiced-NAME.log.
start_named() {
	"$SLUICED" -c "$tmp/$1.yaml" >>"$tmp/sluiced-$1.log" 2>&1 &
	sluiced_pid=$!
	bg_pids+=($sluiced_pid)
}

# imds_role_fetches: how many times the fake IMDS handed out the role's
# credentials.
imds_role_fetches() {
	grep -c "GET /latest/meta-data/iam/security-credentials/shipper-role 200" \
	    "$tmp/imds.requests" || true
}

# deliver_with NAME DESCRIPTION: starts sluiced on NAME's config (in the
# caller's environment), writes 200 lines, waits for them all, checks the
# source that status names, and stops it.
deliver_with() {
	local name=$1 want=$2 st
	write_lines "$name" 0 200
	start_named "$name"
	wait_for 30 all_arrived "$name" 200 ||
	    fail "$name: not every line arrived (fakeaws: $(cat "$tmp/fakeaws.log" | tail -n 3))"
	st=$(status_of "$name") || fail "$name: no status"
	echo "$st" >>"$tmp/status-all.json"
	echo "$st" | grep -q "\"credentials\": *\"[^\"]*$want" ||
	    fail "$name: status credentials is not \"$want...\": $st"
	grep -q "AWS credentials: .*$want" "$tmp/sluiced-$name.log" ||
	    fail "$name: the log does not name the source"
	stop_sluiced
	check_delivered "$name" 200
}

# no_secrets: none of the secrets handed out appears in a daemon's log or
# status.
no_secrets() {
	local s
	for s in "${secrets[@]}"; do
		if grep -qF -- "$s" "$tmp"/sluiced-*.log "$tmp/status-all.json" \
		    2>/dev/null; then
			fail "a secret appears in a log or status: ${s:0:4}..."
		fi
	done
	echo "no secret in ${#secrets[@]} checked appears in logs or status"
}
