#!/bin/bash
# End-to-end interop test of sluice's data path against third-party peers:
# sluiced tails two growing log files and ships every line to kinesalite
# through sigproxy, which checks every request's SigV4 signature and fails
# 20% of the records with ProvisionedThroughputExceededException.  sluiced
# is restarted once in the middle.  Afterwards the AWS SDK reads the stream
# back and every line written must be there byte for byte (duplicates are
# allowed and counted), with no request rejected.
#
# Env: SLUICED, SLUICECTL (default: the binaries at the top of the tree),
# INTEROP_LINES (default 100000), INTEROP_KEEP=1 keeps the temp dir.
# Bounded to 240 s; fails when sluiced is not built.

if [ -z "${INTEROP_TIMEOUT_SET:-}" ]; then
	export INTEROP_TIMEOUT_SET=1
	exec timeout -k 10 240 bash "$0" "$@"
fi
set -u
# CloudWatch metrics that a config forgot to turn off go to a closed port
# on 127.0.0.1, never to AWS (tests/regress/no_real_aws.sh checks the
# configs themselves).
export AWS_ENDPOINT_URL_CLOUDWATCH=http://127.0.0.1:9
. "$(dirname "$0")/common.sh"

SLUICED=${SLUICED:-$top/sluiced}
SLUICECTL=${SLUICECTL:-$top/sluicectl}
lines=${INTEROP_LINES:-100000}
chunks=20
chunk=$(( (lines + chunks - 1) / chunks ))

if [ ! -x "$SLUICED" ]; then
	echo "FAIL: no sluiced at $SLUICED (build it, or set SLUICED)"
	exit 1
fi

sluiced_pid=""
sluiced_runs=0

start_sluiced() {
	sluiced_runs=$((sluiced_runs + 1))
	echo "--- sluiced run $sluiced_runs" >>"$tmp/sluiced.log"
	"$SLUICED" -c "$tmp/sluice.yaml" >>"$tmp/sluiced.log" 2>&1 &
	sluiced_pid=$!
	children="$children $sluiced_pid"
	say "sluiced started (pid $sluiced_pid)"
}

# stop_sluiced: SIGTERM, then up to 30 s for a clean exit with status 0.
stop_sluiced() {
	local i status
	kill -TERM "$sluiced_pid" 2>/dev/null
	for i in $(seq 300); do
		kill -0 "$sluiced_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$sluiced_pid" 2>/dev/null; then
		kill -KILL "$sluiced_pid"
		check "sluiced exits within 30 s of SIGTERM" false
	fi
	wait "$sluiced_pid"
	status=$?
	children=${children/ $sluiced_pid/}
	check "sluiced (run $sluiced_runs) exits 0 on SIGTERM" \
	    test "$status" = 0
	say "sluiced stopped (status $status)"
}

ensure_node_modules
start_kinesalite interop:2
token="IQoJb3JpZ2luX2VjEXAMPLE/session+token=="
start_sigproxy --throttle 0.2 --seed 7 --session-token "$token"

mkdir "$tmp/logs" "$tmp/state"
cat >"$tmp/sluice.yaml" <<YAML
# Written by tests/interop/run.sh.  Temporary keys: the proxy checks the
# session token too.
stateDirectory: "$tmp/state"
controlSocket: "$tmp/sluice.sock"
kinesis.endpoint: "http://127.0.0.1:$proxy_port"
kinesis.region: us-east-1
awsAccessKeyId: AKIDEXAMPLE
awsSecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
awsSessionToken: "$token"
# Never real AWS: no CloudWatch metrics.
cloudwatch.emitMetrics: false
flows:
  - filePattern: "$tmp/logs/*.log"
    kinesisStream: interop
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
YAML
"$SLUICED" -n -c "$tmp/sluice.yaml" >"$tmp/check.out" 2>&1
check "sluiced -n accepts the config" test $? = 0 ||
    cat "$tmp/check.out"

start_sluiced
say "writing $lines lines to a.log and b.log in $chunks chunks"
from=1
for n in $(seq $chunks); do
	to=$((from + chunk))
	[ "$to" -gt $((lines + 1)) ] && to=$((lines + 1))
	node "$here/genlines.js" --from "$from" --to "$to" \
	    "$tmp/logs/a.log" "$tmp/logs/b.log" || die "genlines failed"
	from=$to
	sleep 0.3
	if [ "$n" -eq $((chunks / 4)) ] && [ -x "$SLUICECTL" ]; then
		say "sluicectl status"
		timeout 10 "$SLUICECTL" -s "$tmp/sluice.sock" status
		# 1 is degraded: the proxy throttles records on purpose.
		rc=$?
		check "sluicectl status answers" test "$rc" = 0 -o "$rc" = 1
	fi
	if [ "$n" -eq $((chunks / 2)) ]; then
		say "restarting sluiced after $((from - 1)) lines"
		stop_sluiced
		start_sluiced
	fi
done
check "sluiced is still running after all lines were written" \
    kill -0 "$sluiced_pid"

say "waiting for every line to arrive (up to 120 s)"
timeout 150 node "$here/readback.js" \
    --endpoint "http://127.0.0.1:$kin_port" --stream interop \
    --out "$tmp/received.b64" --expect "$lines" --timeout-ms 120000 \
    --deaggregate
check "the stream holds $lines distinct records" test $? = 0
if [ -x "$SLUICECTL" ]; then
	timeout 10 "$SLUICECTL" -s "$tmp/sluice.sock" status
fi
stop_sluiced

# One more pass after sluiced stopped, to count late duplicates too.
timeout 60 node "$here/readback.js" --endpoint "http://127.0.0.1:$kin_port" \
    --stream interop --out "$tmp/received.b64" --timeout-ms 30000 \
    --deaggregate ||
    die "final readback failed"
check "every line arrived byte for byte, none missing, none corrupted" \
    timeout 60 node "$here/compare.js" --received "$tmp/received.b64" \
    "$tmp/logs/a.log" "$tmp/logs/b.log"

rejected=$(proxy_stat rejected)
throttled=$(proxy_stat recordsThrottled)
verified=$(proxy_stat verified)
seen=$(proxy_stat recordsSeen)
say "proxy: $verified requests verified, $rejected rejected," \
    "$seen records offered, $throttled throttled"
check "the proxy rejected no request" test "$rejected" = 0
check "the proxy throttled some records" test "$throttled" -gt 0
if [ "$rejected" != 0 ]; then
	grep -A12 REJECTED "$tmp/sigproxy.log" | head -40
fi
if [ "$checks_failed" -gt 0 ]; then
	echo "--- last lines of the sluiced log"
	tail -40 "$tmp/sluiced.log"
fi
# Firehose: the same signature check, with the session token, in front of
# tests/fakeaws serving PutRecordBatch (kinesalite has no Firehose).
FAKEAWS=${FAKEAWS:-$top/tests/fakeaws/fakeaws}
if [ ! -x "$FAKEAWS" ]; then
	check "tests/fakeaws/fakeaws is built (FAKEAWS)" false
	summary interop
fi
"$FAKEAWS" -p 0 -P "$tmp/fh.port" -d interop-fh -o "$tmp/fh.b64" \
    >/dev/null 2>"$tmp/fakeaws.log" &
children="$children $!"
wait_file "$tmp/fh.port" 10 $! || die "fakeaws did not start"
rm -f "$tmp/sigproxy.port"	# the Kinesis proxy's
proxy_target="http://127.0.0.1:$(cat "$tmp/fh.port")" \
    start_sigproxy --seed 8 --session-token "$token"
mkdir "$tmp/fhlogs"
sed -e "s|^kinesis.endpoint: .*|firehose.endpoint: \"http://127.0.0.1:$proxy_port\"|" \
    -e "s|^kinesis.region: .*|firehose.region: us-east-1|" \
    -e "s|$tmp/logs/|$tmp/fhlogs/|" -e "s|kinesisStream: interop|deliveryStream: interop-fh|" \
    -e "s|$tmp/state|$tmp/fhstate|" "$tmp/sluice.yaml" >"$tmp/fh.yaml"
fhlines=5000
node "$here/genlines.js" --from 1 --to $((fhlines + 1)) "$tmp/fhlogs/a.log" \
    "$tmp/fhlogs/b.log" || die "genlines failed"
cp "$tmp/fh.yaml" "$tmp/sluice.yaml"
start_sluiced
fh_arrived() {
	[ -f "$tmp/fh.b64" ] && [ "$(wc -l <"$tmp/fh.b64")" -ge "$fhlines" ]
}
for i in $(seq 600); do fh_arrived && break; sleep 0.1; done
stop_sluiced
check "every line reached Firehose byte for byte through the proxy" \
    timeout 60 node "$here/compare.js" --received "$tmp/fh.b64" \
    "$tmp/fhlogs/a.log" "$tmp/fhlogs/b.log"
check "the Firehose proxy verified requests and rejected none" \
    test "$(proxy_stat verified)" -gt 0 -a "$(proxy_stat rejected)" = 0

summary interop
