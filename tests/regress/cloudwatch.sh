#!/usr/bin/env bash
# CloudWatch metrics, as the Kinesis Agent sends them: one fakeaws serves
# PutRecords (10% of records throttled) and PutMetricData, and checks the
# SigV4 signature of both with the exact test keys.
#
#  1. Every line reaches fakeaws; the datums' sums match what fakeaws
#     accepted: RecordsSent = records received, BytesSent = their bytes,
#     RecordSendAttempts = RecordsSent + RecordSendErrors (> 0: throttled),
#     ServiceErrors = 0; namespace, units and dimensions (Destination,
#     and Instance = the host name with tagInstance off EC2) are right.
#     The StatisticSets are the agent's, a sample per request: over all
#     periods, SampleCount, Minimum and Maximum of each metric are those
#     of the requests fakeaws answered (its -r log: records, accepted,
#     refused and bytes per request).
#  2. PutMetricData answers 500 while three batches are shipped: lines
#     are delivered as fast as in 1, the metrics are retried, and once
#     CloudWatch answers again every period's datums arrive (RecordsSent =
#     records received).
#  3. CloudWatch refuses connections: lines are delivered as fast, the
#     failure is logged once (not per retry), and sluiced stops cleanly.
. "$(dirname "$0")/lib.sh"

BATCH=3000
KEY=AKIDEXAMPLE
SECRET=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_EC2_METADATA_DISABLED=true

: >"$tmp/control"
start_fakeaws -s cw -o "$tmp/received.b64" -m "$tmp/metrics.tsv" \
    -r "$tmp/requests.tsv" \
    -S "$tmp/stats" -c "$tmp/control" --throttle 0.1 --seed 3 \
    --expect-key "$KEY" --expect-secret "$SECRET"
host=$(hostname)

# conf FILE CLOUDWATCH_URL: one flow, metrics every 300 ms to the URL.
conf() {
	cat >"$1" <<YAML
stateDirectory: $tmp/state
controlSocket: $tmp/sluice.sock
kinesis.endpoint: http://127.0.0.1:$fake_port
kinesis.region: us-east-1
awsAccessKeyId: $KEY
awsSecretAccessKey: $SECRET
log.statusReportingPeriodSeconds: 600
cloudwatch.emitMetrics: true
cloudwatch.endpoint: $2
cloudwatch.namespace: SluiceTest
cloudwatch.metricsBufferTimeMillis: 300
cloudwatch.tagInstance: true
flows:
  - filePattern: $tmp/logs/*.log
    kinesisStream: cw
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    retryInitialBackoffMillis: 20
    retryMaxBackoffMillis: 200
YAML
	"$SLUICED" -n -c "$1" >/dev/null || fail "$1: config rejected"
}

fake_stat() {
	sed -n "s/^$1=//p" "$tmp/stats"
}

# sum METRIC: the sum of METRIC's datums (field 6: StatisticValues.Sum).
sum() {
	awk -F '\t' -v m="$1" '$2 == m { s += $6 } END { printf "%d\n", s }' \
	    "$tmp/metrics.tsv" 2>/dev/null || echo 0
}

received() {
	wc -l <"$tmp/received.b64" 2>/dev/null || echo 0
}

all_received() {
	[ -f "$tmp/received.b64" ] || return 1
	decode_records "$tmp/received.b64" | sort -u | wc -l |
	    { read -r n; [ "$n" -ge "$written" ]; }
}

# batch N: appends BATCH lines tagged N, returns once all of them (and
# all before) were received; sets $took to the seconds it took.
written=0
batch() {
	local t0 t1
	t0=$(date +%s.%N)
	awk -v b="$1" -v n="$BATCH" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "batch=%s id=%06d %s\n", b, i,
			    substr("abcdefghijklmnopqrstuvwxyz0123456789", 1, i % 37)
	}' >>"$tmp/logs/a.log"
	written=$((written + BATCH))
	wait_for 60 all_received || fail "batch $1: lines missing after 60 s"
	t1=$(date +%s.%N)
	took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }')
}

metrics_caught_up() {
	[ "$(sum RecordsSent)" -eq "$(received)" ]
}

# datum_stats: per metric, the StatisticSet of all its datums merged:
# "NAME count sum min max", sorted.
datum_stats() {
	awk -F '\t' '{
		n = $2
		if (!(n in c) || $7 < lo[n]) lo[n] = $7
		if (!(n in c) || $8 > hi[n]) hi[n] = $8
		c[n] += $5; s[n] += $6
	} END { for (n in c) print n, c[n], s[n], lo[n], hi[n] }' \
	    "$tmp/metrics.tsv" | sort
}

# request_stats: the same, as the agent samples the requests fakeaws
# answered (none failed whole in part 1: ServiceErrors is 0 each time).
request_stats() {
	awk -F '\t' 'function add(n, v) {
		if (!(n in c) || v < lo[n]) lo[n] = v
		if (!(n in c) || v > hi[n]) hi[n] = v
		c[n]++; s[n] += v
	} {
		add("RecordSendAttempts", $1); add("RecordsSent", $2)
		add("RecordSendErrors", $3); add("BytesSent", $4)
		add("ServiceErrors", 0)
	} END { for (n in c) print n, c[n], s[n], lo[n], hi[n] }' \
	    "$tmp/requests.tsv" | sort
}

stats_match() {
	[ "$(datum_stats)" = "$(request_stats)" ]
}

mkdir -p "$tmp/logs"
conf "$tmp/sluice.yaml" "http://127.0.0.1:$fake_port"

# 1. Metrics that work.
start_sluiced "$tmp/sluice.yaml"
batch 1
t_ok=$took
echo "batch 1 delivered in ${t_ok}s with metrics working"
wait_for 20 metrics_caught_up ||
    fail "RecordsSent sums to $(sum RecordsSent), fakeaws took $(received)"
bytes=$(decode_records "$tmp/received.b64" | wc -c)
[ "$(sum BytesSent)" -eq "$bytes" ] ||
    fail "BytesSent sums to $(sum BytesSent), fakeaws took $bytes bytes"
[ "$(sum RecordSendErrors)" -gt 0 ] ||
    fail "no RecordSendErrors although 10% of records were throttled"
[ "$(sum RecordSendAttempts)" -eq \
    $(($(sum RecordsSent) + $(sum RecordSendErrors))) ] ||
    fail "RecordSendAttempts $(sum RecordSendAttempts) is not RecordsSent" \
    "$(sum RecordsSent) + RecordSendErrors $(sum RecordSendErrors)"
[ "$(sum ServiceErrors)" -eq 0 ] || fail "ServiceErrors in a clean run"
wait_for 20 stats_match || fail "the StatisticSets are not the requests':" \
    "datums $(datum_stats | tr '\n' ';') requests $(request_stats | tr '\n' ';')"
datum_stats | sed 's/^/statistics (name count sum min max): /'
datum_stats | awk '$1 == "RecordSendAttempts" { exit !($2 >= 2 && $4 < $5) }' ||
    fail "RecordSendAttempts is not sampled per request: $(datum_stats | head -1)"
awk -F '\t' -v h="$host" '
	$1 != "SluiceTest" { print "namespace " $1; bad = 1 }
	$3 != "Destination=KinesisStream:cw,Instance=" h {
		print "dimensions " $3; bad = 1 }
	($2 == "BytesSent") != ($4 == "Bytes") { print $2 " in " $4; bad = 1 }
	$4 != "Bytes" && $4 != "Count" { print "unit " $4; bad = 1 }
	$5 < 1 || $7 > $8 || $6 < $5 * $7 || $6 > $5 * $8 {
		print "statistics " $0; bad = 1 }
	$9 !~ /^[0-9-]+T[0-9:]+Z$/ { print "timestamp " $9; bad = 1 }
	{ names[$2] = 1 }
	END {
		split("RecordSendAttempts RecordsSent RecordSendErrors " \
		    "BytesSent ServiceErrors", want, " ")
		for (i in want)
			if (!(want[i] in names)) { print "no " want[i]; bad = 1 }
		exit bad
	}' "$tmp/metrics.tsv" >"$tmp/bad_datums" ||
    fail "datums not as the agent sends them: $(head -3 "$tmp/bad_datums")"
[ "$(fake_stat sig_failed)" -eq 0 ] || fail "$(fake_stat sig_failed) bad signatures"
echo "metrics: RecordsSent $(sum RecordsSent), RecordSendErrors" \
    "$(sum RecordSendErrors), RecordSendAttempts $(sum RecordSendAttempts)," \
    "BytesSent $(sum BytesSent), PutMetricData $(fake_stat put_metric_data)"

# 2. PutMetricData fails with 500, then recovers.
echo "cw-error500 = 1" >"$tmp/control.new"
mv "$tmp/control.new" "$tmp/control"
datums=$(wc -l <"$tmp/metrics.tsv")
errors0=$(fake_stat errors)
# Three batches, so that several periods wait for CloudWatch.
t_500=0
for b in 2 3 4; do
	batch $b
	echo "batch $b delivered in ${took}s with PutMetricData failing"
	t_500=$(awk -v a="$t_500" -v b="$took" 'BEGIN { print (b > a) ? b : a }')
	sleep 0.4
done
retried() {
	[ "$(fake_stat errors)" -ge $((errors0 + 3)) ]
}
wait_for 20 retried || fail "PutMetricData was not retried"
[ "$(wc -l <"$tmp/metrics.tsv")" -eq "$datums" ] ||
    fail "datums recorded while PutMetricData failed"
: >"$tmp/control.new"
mv "$tmp/control.new" "$tmp/control"
wait_for 30 metrics_caught_up || fail "after the failure, RecordsSent sums" \
    "to $(sum RecordsSent), fakeaws took $(received): periods lost"
stop_sluiced
grep -q 'cloudwatch: metrics not sent: PutMetricData .*HTTP 500 InternalFailure' \
    "$tmp/sluiced.log" || fail "the 500s were not logged"

# 2b. Reloads: the CloudWatch sender is made again over the flows as they
# are then (it must not read a freed flow's metrics); metrics go on.
start_sluiced "$tmp/sluice.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "no socket"
kill -HUP "$sluiced_pid"
"$SLUICECTL" -s "$tmp/sluice.sock" reload >/dev/null ||
    fail "sluicectl reload failed"
puts=$(fake_stat put_metric_data)
batch 4r
more_puts() { [ "$(fake_stat put_metric_data)" -gt "$puts" ]; }
wait_for 20 more_puts || fail "no PutMetricData after a reload"
kill -0 "$sluiced_pid" || fail "sluiced died after a reload"
stop_sluiced

# 3. A CloudWatch endpoint that refuses connections.
"$FAKEAWS" -p 0 -P "$tmp/dead.port" >/dev/null 2>&1 &
dead_pid=$!
bg_pids+=($dead_pid)
wait_for 10 test -s "$tmp/dead.port" || fail "second fakeaws did not start"
dead_port=$(cat "$tmp/dead.port")
kill "$dead_pid"
wait "$dead_pid" 2>/dev/null || true
conf "$tmp/dead.yaml" "http://127.0.0.1:$dead_port"
: >"$tmp/sluiced.log"
start_sluiced "$tmp/dead.yaml"
batch 5
t_dead=$took
echo "batch 5 delivered in ${t_dead}s with CloudWatch refusing connections"
sleep 2		# retries go on meanwhile; they must not be logged each
stop_sluiced
n=$(grep -c 'cloudwatch: metrics not sent' "$tmp/sluiced.log" || true)
[ "$n" -eq 1 ] || fail "the refused connections were logged $n times, not once"
grep -q 'Connection refused\|Could not connect\|Couldn.t connect' \
    "$tmp/sluiced.log" || fail "the log does not say the connection failed"

# The same pace: the failing runs take no longer than the first one, with
# a generous margin for a loaded machine.
for t in "$t_500" "$t_dead"; do
	awk -v a="$t_ok" -v b="$t" 'BEGIN { exit !(b <= 2 * a + 5) }' ||
	    fail "delivery took ${t}s with CloudWatch failing, ${t_ok}s without"
done
sort "$tmp/logs/a.log" >"$tmp/expected"
decode_records "$tmp/received.b64" | sort -u >"$tmp/got.uniq"
missing=$(comm -23 "$tmp/expected" "$tmp/got.uniq" | wc -l)
extra=$(comm -13 "$tmp/expected" "$tmp/got.uniq" | wc -l)
dups=$(($(received) - $(wc -l <"$tmp/got.uniq")))
echo "lines written: $written, records received: $(received)," \
    "duplicates: $dups, missing: $missing, corrupted: $extra"
[ "$missing" -eq 0 ] || fail "$missing lines never arrived"
[ "$extra" -eq 0 ] || fail "$extra records arrived that were never written"
echo "PASS: cloudwatch"
