#!/usr/bin/env bash
# Self-test of tests/fakeaws: drives the fake endpoint with curl and checks
# its answers, the records it writes out and its fault injection, so the
# end-to-end tests can trust it.  Needs curl and perl (JSON::PP, MIME::Base64).
# FAKEAWS names the binary (default ./tests/fakeaws/fakeaws).
set -euo pipefail

# Bound the whole run, whatever hangs.
if [ -z "${FAKEAWS_SELFTEST_BOUNDED:-}" ]; then
	FAKEAWS_SELFTEST_BOUNDED=1 exec timeout -k 5 180 bash "$0" "$@"
fi

FAKEAWS=${FAKEAWS:-./tests/fakeaws/fakeaws}
[ -x "$FAKEAWS" ] || { echo "FAIL: no fakeaws binary at $FAKEAWS" >&2; exit 1; }

tmp=$(mktemp -d /tmp/fakeaws-selftest.XXXXXX)
fake_pid=
cleanup() {
	if [ -n "$fake_pid" ]; then
		kill "$fake_pid" 2>/dev/null || true
		wait "$fake_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$tmp/resp" ]; then
		echo "--- last response body:" >&2
		head -c 2000 "$tmp/resp" >&2 || true
		echo >&2
	fi
	if [ -f "$tmp/fakeaws.err" ]; then
		echo "--- fakeaws stderr:" >&2
		tail -n 30 "$tmp/fakeaws.err" >&2
	fi
	exit 1
}

pass() {
	echo "ok - $*"
}

# ctl LINES...: replaces the control file atomically.
ctl() {
	printf '%s\n' "$@" >"$tmp/ctl.new"
	mv "$tmp/ctl.new" "$tmp/ctl"
}

# jget FILE PATH: prints a JSON value at a dotted path ("Records.0.ErrorCode").
jget() {
	perl -MJSON::PP -e '
		local $/; my $j = decode_json(<STDIN>);
		for my $k (split /\./, $ARGV[0]) {
			$j = ref $j eq "ARRAY" ? $j->[$k] : $j->{$k};
		}
		if (!defined $j) { print "null" }
		elsif (JSON::PP::is_bool($j)) { print $j ? "true" : "false" }
		elsif (ref $j) { print encode_json($j) }
		else { print $j }' "$2" <"$1"
}

# jcount FILE LIST KEY: how many entries of LIST have KEY.
jcount() {
	perl -MJSON::PP -e '
		local $/; my $j = decode_json(<STDIN>);
		print scalar grep { exists $_->{$ARGV[1]} } @{$j->{$ARGV[0]}}' \
	    "$2" "$3" <"$1"
}

# gen KIND NAME COUNT SIZE [PKLEN]: writes a request body to $tmp/body and
# the records' base64 Data, one a line, to $tmp/expect.  Each record is
# SIZE bytes (at least the record number and a newline).
gen() {
	perl -MMIME::Base64 -e '
		my ($kind, $name, $n, $size, $pklen) = @ARGV;
		open(my $exp, ">", "'"$tmp"'/expect") or die;
		my @r;
		for my $i (0 .. $n - 1) {
			my $d = sprintf("rec %d %s", $i, "x" x $size);
			$d = substr($d, 0, $size - 1) . "\n" if $size > 0;
			$d = "" if $size == 0;
			my $b = encode_base64($d, "");
			print $exp "$b\n";
			if ($kind eq "kinesis") {
				my $pk = $pklen ? "k" x $pklen : "pk$i";
				push @r, "{\"Data\":\"$b\",\"PartitionKey\":\"$pk\"}";
			} else {
				push @r, "{\"Data\":\"$b\"}";
			}
		}
		my $key = $kind eq "kinesis" ? "StreamName" :
		    "DeliveryStreamName";
		print "{\"$key\":\"$name\",\"Records\":[", join(",", @r), "]}";
	' "$@" >"$tmp/body"
}

SIGN_AUTH='Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef'
SIGN_DATE='X-Amz-Date: 20240101T000000Z'
JSON_TYPE='Content-Type: application/x-amz-json-1.1'

# call TARGET [CURL ARGS...]: POSTs $tmp/body, signed; sets $code, body in
# $tmp/resp.
call() {
	local target=$1
	shift
	code=$(curl -sS --max-time 20 -o "$tmp/resp" -w '%{http_code}' \
	    -H "$SIGN_AUTH" -H "$SIGN_DATE" -H "$JSON_TYPE" \
	    -H "X-Amz-Target: $target" --data-binary @"$tmp/body" "$@" \
	    "http://127.0.0.1:$port/") || code=curl-failed
}
put() { call Kinesis_20131202.PutRecords "$@"; }
batch() { call Firehose_20150804.PutRecordBatch "$@"; }

# expect_error STATUS TYPE: checks the last answer is an AWS JSON error.
expect_error() {
	[ "$code" = "$1" ] || fail "expected HTTP $1 $2, got $code"
	[ "$(jget "$tmp/resp" __type)" = "$2" ] ||
	    fail "expected __type $2, got $(jget "$tmp/resp" __type)"
}

out_lines() {
	if [ -f "$tmp/out.b64" ]; then wc -l <"$tmp/out.b64"; else echo 0; fi
}

# raw TEXT: sends TEXT on a fresh connection, prints the status line.
raw() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
		    PeerPort => $ARGV[0], Timeout => 10) or die "connect: $!";
		print $s $ARGV[1];
		$s->shutdown(1) if $ARGV[2];
		local $SIG{ALRM} = sub { die "timeout\n" }; alarm 10;
		my $line = <$s>; $line = "" unless defined $line;
		$line =~ s/\r?\n$//; print $line;' "$port" "$1" "${2:-}"
}

stat_of() {
	sed -n "s/^$1=//p" "$tmp/stats"
}

# --- start ---------------------------------------------------------------
"$FAKEAWS" -p 0 -P "$tmp/port" -s teststream -s other -d testdelivery \
    -o "$tmp/out.b64" -S "$tmp/stats" -c "$tmp/ctl" --seed 42 \
    >"$tmp/fakeaws.out" 2>"$tmp/fakeaws.err" &
fake_pid=$!
for ((i = 0; i < 100; i++)); do
	[ -s "$tmp/port" ] && break
	kill -0 "$fake_pid" 2>/dev/null || fail "fakeaws exited at start"
	sleep 0.1
done
[ -s "$tmp/port" ] || fail "no port file after 10 s"
port=$(cat "$tmp/port")
[ "$(cat "$tmp/fakeaws.out")" = "fakeaws listening on 127.0.0.1:$port" ] ||
    fail "unexpected banner: $(cat "$tmp/fakeaws.out")"
pass "listening on port $port"

# --- PutRecords ----------------------------------------------------------
gen kinesis teststream 50 100
put
[ "$code" = 200 ] || fail "PutRecords: HTTP $code"
[ "$(jget "$tmp/resp" FailedRecordCount)" = 0 ] || fail "FailedRecordCount"
[ "$(jcount "$tmp/resp" Records SequenceNumber)" = 50 ] ||
    fail "expected 50 sequence numbers"
[ "$(jget "$tmp/resp" Records.0.ShardId)" = shardId-000000000000 ] ||
    fail "ShardId"
cmp -s "$tmp/expect" "$tmp/out.b64" || fail "output file differs from sent"
pass "PutRecords 50 records, output file exact"

gen kinesis teststream 3 0
put
[ "$code" = 200 ] || fail "empty Data: HTTP $code"
[ "$(out_lines)" = 53 ] || fail "empty records not recorded"
pass "PutRecords with empty Data"

before=$(out_lines)
gen kinesis teststream 501 10
put
expect_error 400 ValidationException
[ "$(out_lines)" = "$before" ] || fail "501 records: something was recorded"
pass "501 records rejected, nothing recorded"

gen kinesis teststream 500 10
put
[ "$code" = 200 ] || fail "500 records: HTTP $code"
before=$(out_lines)
pass "500 records accepted"

gen kinesis teststream 2 1048577
put
expect_error 400 ValidationException
gen kinesis teststream 1 1048576 1
put
expect_error 400 InvalidArgumentException
gen kinesis teststream 1 1048575 1
put
[ "$code" = 200 ] || fail "1 MiB record incl. key: HTTP $code"
gen kinesis teststream 6 1000000
put
expect_error 400 InvalidArgumentException
gen kinesis teststream 3 10 257
put
expect_error 400 ValidationException
gen kinesis teststream 3 10 256
put
[ "$code" = 200 ] || fail "256-char partition key: HTTP $code"
[ "$(out_lines)" = $((before + 4)) ] || fail "size limits: wrong records recorded"
before=$(out_lines)
pass "size limits (record, record+key, request, partition key)"

printf '{"StreamName":"teststream","Records":[]}' >"$tmp/body"
put
expect_error 400 ValidationException
printf '{"Records":[{"Data":"YQ==","PartitionKey":"a"}]}' >"$tmp/body"
put
expect_error 400 ValidationException
printf '{"StreamName":"teststream","Records":[{"Data":"YQ=","PartitionKey":"a"}]}' >"$tmp/body"
put
expect_error 400 SerializationException
printf '{"StreamName":"teststream","Records":[{"Data":"YQ==","PartitionKey":"a","ExplicitHashKey":"x1"}]}' >"$tmp/body"
put
expect_error 400 ValidationException
printf '{"StreamName":"nosuch","Records":[{"Data":"YQ==","PartitionKey":"a"}]}' >"$tmp/body"
put
expect_error 400 ResourceNotFoundException
grep -q 'Stream nosuch under account 123456789012 not found.' "$tmp/resp" ||
    fail "ResourceNotFoundException message"
printf '{"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/teststream","Records":[{"Data":"YQ==","PartitionKey":"a"}]}' >"$tmp/body"
put
[ "$code" = 200 ] || fail "StreamARN: HTTP $code"
[ "$(out_lines)" = $((before + 1)) ] || fail "validation: wrong records recorded"
before=$(out_lines)
pass "empty Records, missing StreamName, bad base64, bad hash key, unknown stream, ARN"

# --- faults --------------------------------------------------------------
gen kinesis teststream 20 10
ctl throttle=1
put
[ "$code" = 200 ] || fail "throttle=1: HTTP $code"
[ "$(jget "$tmp/resp" FailedRecordCount)" = 20 ] || fail "throttle=1: FailedRecordCount"
[ "$(jcount "$tmp/resp" Records ErrorCode)" = 20 ] || fail "throttle=1: entries"
[ "$(jget "$tmp/resp" Records.19.ErrorCode)" = ProvisionedThroughputExceededException ] ||
    fail "throttle=1: ErrorCode"
[ "$(out_lines)" = "$before" ] || fail "throttle=1: something was recorded"
pass "throttle=1: every entry failed, nothing recorded"

ctl throttle=0.5 seed=3
gen kinesis teststream 200 10
put
[ "$code" = 200 ] || fail "throttle=0.5: HTTP $code"
failed=$(jget "$tmp/resp" FailedRecordCount)
[ "$failed" -gt 40 ] && [ "$failed" -lt 160 ] || fail "throttle=0.5 failed $failed of 200"
[ "$(jcount "$tmp/resp" Records ErrorCode)" = "$failed" ] || fail "count mismatch"
[ "$(out_lines)" = $((before + 200 - failed)) ] || fail "throttle=0.5: wrong count recorded"
# The accepted entries are recorded in order.
perl -MJSON::PP -e '
	local $/; open(my $f, "<", $ARGV[0]) or die; my $j = decode_json(<$f>);
	open(my $e, "<", $ARGV[1]) or die; local $/ = "\n"; my @e = <$e>;
	my $i = 0; for my $r (@{$j->{Records}}) {
		print $e[$i] unless exists $r->{ErrorCode}; $i++;
	}' "$tmp/resp" "$tmp/expect" >"$tmp/accepted"
tail -n $((200 - failed)) "$tmp/out.b64" | cmp -s - "$tmp/accepted" ||
    fail "throttle=0.5: recorded records are not the accepted ones"
cp "$tmp/resp" "$tmp/resp.first"
ctl throttle=0.5 seed=3 "# same seed again"
put
cmp -s <(perl -pe 's/"SequenceNumber":"\d+"//g' "$tmp/resp.first") \
    <(perl -pe 's/"SequenceNumber":"\d+"//g' "$tmp/resp") ||
    fail "same seed, different throttling"
before=$(out_lines)
pass "throttle=0.5: partial failure, $failed of 200 failed, reproducible"

ctl notfound=1
put
expect_error 400 ResourceNotFoundException
ctl error503=1
put
expect_error 503 ServiceUnavailable
ctl error500=1
put
expect_error 500 InternalFailure
grep -q '^errors=' "$tmp/stats" || fail "no stats file"
ctl drop=1
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' \
    -H "$SIGN_AUTH" -H "$SIGN_DATE" -H "$JSON_TYPE" \
    -H "X-Amz-Target: Kinesis_20131202.PutRecords" \
    --data-binary @"$tmp/body" "http://127.0.0.1:$port/" 2>/dev/null) ||
    true
[ "$code" = 000 ] || fail "drop=1: got HTTP $code"
[ "$(stat_of dropped)" = 1 ] || fail "drop=1: dropped=$(stat_of dropped)"
[ "$(out_lines)" = "$before" ] || fail "faults: something was recorded"
rm -f "$tmp/ctl"
put
[ "$code" = 200 ] || fail "control file removed: HTTP $code"
before=$(out_lines)
pass "notfound, error503, error500, drop; removing the control file clears them"

# The error-class knobs.  None of these answers records anything.
ctl error=AccessDeniedException
put
expect_error 400 AccessDeniedException
ctl error=429:ThrottlingException
put
expect_error 429 ThrottlingException
ctl "error=ThrottlingException" error-prob=0
put
[ "$code" = 200 ] || fail "error-prob=0: HTTP $code"
before=$(out_lines)
ctl garbage=1
put
[ "$code" = 200 ] || fail "garbage=1: HTTP $code"
if jget "$tmp/resp" FailedRecordCount >/dev/null 2>&1; then
	fail "garbage=1: the body parses as JSON"
fi
ctl truncate=1
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' \
    -H "$SIGN_AUTH" -H "$SIGN_DATE" -H "$JSON_TYPE" \
    -H "X-Amz-Target: Kinesis_20131202.PutRecords" \
    --data-binary @"$tmp/body" "http://127.0.0.1:$port/" 2>"$tmp/curl.err") &&
    fail "truncate=1: curl took a short body"
grep -qi 'transfer closed\|partial\|18' "$tmp/curl.err" ||
    fail "truncate=1: $(cat "$tmp/curl.err")"
[ "$(out_lines)" = "$before" ] || fail "garbage/truncate recorded records"
gen kinesis teststream 5 40
perl -MMIME::Base64 -e 'print decode_base64($_) for <>' "$tmp/expect" |
    grep -q 'rec 3 ' || fail "gen: no record 3"
ctl "poison=rec 3 "
put
expect_error 400 ValidationException
[ "$(out_lines)" = "$before" ] || fail "poison: something was recorded"
[ "$(stat_of poisoned)" = 1 ] || fail "poisoned=$(stat_of poisoned)"
ctl clock-ahead=3600
put
expect_error 400 InvalidSignatureException
jget "$tmp/resp" message | grep -q '^Signature expired: 20240101T000000Z' ||
    fail "clock-ahead: $(jget "$tmp/resp" message)"
now=$(date -u -d @$(( $(date +%s) + 3600 )) +%Y%m%dT%H%M%SZ)
code=$(curl -sS --max-time 20 -o "$tmp/resp" -D "$tmp/head" \
    -w '%{http_code}' -H "$SIGN_AUTH" -H "X-Amz-Date: $now" \
    -H "$JSON_TYPE" -H "X-Amz-Target: Kinesis_20131202.PutRecords" \
    --data-binary @"$tmp/body" "http://127.0.0.1:$port/") || code=curl-failed
[ "$code" = 200 ] || fail "clock-ahead: its own time refused: HTTP $code"
date_hdr=$(sed -n 's/^Date: \(.*\)\r$/\1/p' "$tmp/head")
skew=$(( $(date -d "$date_hdr" +%s) - $(date +%s) ))
[ "$skew" -ge 3590 ] && [ "$skew" -le 3610 ] ||
    fail "clock-ahead: Date header $date_hdr is $skew s ahead"
[ "$(stat_of skewed)" = 1 ] || fail "skewed=$(stat_of skewed)"
ctl throttle=1 entry-error=KMSThrottlingException
put
[ "$(jget "$tmp/resp" Records.0.ErrorCode)" = KMSThrottlingException ] ||
    fail "entry-error: $(jget "$tmp/resp" Records.0.ErrorCode)"
rm -f "$tmp/ctl"
before=$(out_lines)
pass "error, error-prob, garbage, truncate, poison, clock-ahead, entry-error"

# A delayed answer must not hold up other connections.
ctl delay_ms=1500
printf '{"StreamName":"teststream"}' >"$tmp/body.slow"
start=$(date +%s%N)
curl -sS --max-time 20 -o "$tmp/resp.slow" -w '%{http_code}' \
    -H "$SIGN_AUTH" -H "$SIGN_DATE" -H "$JSON_TYPE" \
    -H "X-Amz-Target: Kinesis_20131202.DescribeStreamSummary" \
    --data-binary @"$tmp/body.slow" "http://127.0.0.1:$port/" \
    >"$tmp/code.slow" &
slow=$!
for ((i = 0; i < 50; i++)); do
	[ "$(stat_of describe_stream_summary)" = 1 ] && break
	sleep 0.05
done
rm -f "$tmp/ctl"
put
fast=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$code" = 200 ] || fail "during delay: HTTP $code"
[ -s "$tmp/code.slow" ] && fail "delayed answer came before the fast one"
wait "$slow" || fail "delayed request failed"
slow_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$(cat "$tmp/code.slow")" = 200 ] || fail "delayed request: HTTP $(cat "$tmp/code.slow")"
[ "$slow_ms" -ge 1400 ] || fail "delay_ms=1500 answered in $slow_ms ms"
before=$(out_lines)
pass "delay_ms: other connections served meanwhile ($fast ms vs $slow_ms ms)"

# delay-random-ms: parallel answers spread over the random delay.
ctl delay-random-ms=400
printf '{"StreamName":"teststream"}' >"$tmp/body.slow"
pids=()
for ((i = 0; i < 8; i++)); do
	curl -sS --max-time 20 -o /dev/null -w '%{http_code} %{time_total}\n' \
	    -H "$SIGN_AUTH" -H "$SIGN_DATE" -H "$JSON_TYPE" \
	    -H "X-Amz-Target: Kinesis_20131202.DescribeStreamSummary" \
	    --data-binary @"$tmp/body.slow" "http://127.0.0.1:$port/" \
	    >"$tmp/random.$i" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "delay-random-ms: curl failed"; done
rm -f "$tmp/ctl"
cat "$tmp"/random.* | awk '
	$1 != 200 { bad = 1 }
	{ t = $2 * 1000; if (NR == 1 || t < lo) lo = t; if (t > hi) hi = t }
	END { printf "%d %d %d\n", bad, lo, hi }' >"$tmp/random.sum"
read -r bad lo hi <"$tmp/random.sum"
[ "$bad" = 0 ] || fail "delay-random-ms: an answer was not 200"
[ "$hi" -le 2000 ] && [ $((hi - lo)) -ge 30 ] ||
    fail "delay-random-ms=400: answers took $lo to $hi ms"
pass "delay-random-ms: answers spread from $lo to $hi ms"

# --- other operations ----------------------------------------------------
printf '{"StreamName":"teststream"}' >"$tmp/body"
call Kinesis_20131202.DescribeStreamSummary
[ "$code" = 200 ] || fail "DescribeStreamSummary: HTTP $code"
[ "$(jget "$tmp/resp" StreamDescriptionSummary.StreamStatus)" = ACTIVE ] ||
    fail "StreamStatus"
[ "$(jget "$tmp/resp" StreamDescriptionSummary.StreamARN)" = \
    arn:aws:kinesis:us-east-1:123456789012:stream/teststream ] || fail "StreamARN"
[ "$(jget "$tmp/resp" StreamDescriptionSummary.OpenShardCount)" = 1 ] ||
    fail "OpenShardCount"
printf '{"StreamName":"nosuch"}' >"$tmp/body"
call Kinesis_20131202.DescribeStreamSummary
expect_error 400 ResourceNotFoundException
pass "DescribeStreamSummary"

gen firehose testdelivery 30 200
cp "$tmp/out.b64" "$tmp/out.before"
batch
[ "$code" = 200 ] || fail "PutRecordBatch: HTTP $code"
[ "$(jget "$tmp/resp" FailedPutCount)" = 0 ] || fail "FailedPutCount"
[ "$(jget "$tmp/resp" Encrypted)" = false ] || fail "Encrypted"
[ "$(jcount "$tmp/resp" RequestResponses RecordId)" = 30 ] || fail "RecordIds"
cat "$tmp/out.before" "$tmp/expect" | cmp -s - "$tmp/out.b64" ||
    fail "PutRecordBatch: output file differs from sent"
ctl throttle=1
batch
[ "$(jget "$tmp/resp" FailedPutCount)" = 30 ] || fail "Firehose throttle"
[ "$(jget "$tmp/resp" RequestResponses.0.ErrorCode)" = ServiceUnavailableException ] ||
    fail "Firehose ErrorCode"
rm -f "$tmp/ctl"
gen firehose teststream 1 10
batch
expect_error 400 ResourceNotFoundException
gen firehose testdelivery 1 1024001
batch
expect_error 400 ValidationException
gen firehose testdelivery 5 1000000
batch
expect_error 400 InvalidArgumentException
gen firehose testdelivery 501 1
batch
expect_error 400 ValidationException
[ "$(out_lines)" = $((before + 30)) ] || fail "Firehose: wrong records recorded"
before=$(out_lines)
pass "Firehose PutRecordBatch (success, throttle, limits, unknown stream)"

# --- requests a sender must not make -------------------------------------
printf '{"StreamName":"teststream"}' >"$tmp/body"
code=$(curl -sS --max-time 10 -o "$tmp/resp" -w '%{http_code}' \
    -H "$SIGN_DATE" -H "$JSON_TYPE" \
    -H "X-Amz-Target: Kinesis_20131202.DescribeStreamSummary" \
    --data-binary @"$tmp/body" "http://127.0.0.1:$port/")
expect_error 400 MissingAuthenticationTokenException
code=$(curl -sS --max-time 10 -o "$tmp/resp" -w '%{http_code}' \
    -H "$SIGN_AUTH" -H "$JSON_TYPE" \
    -H "X-Amz-Target: Kinesis_20131202.DescribeStreamSummary" \
    --data-binary @"$tmp/body" "http://127.0.0.1:$port/")
expect_error 400 IncompleteSignatureException
code=$(curl -sS --max-time 10 -o "$tmp/resp" -w '%{http_code}' \
    -H "Authorization: Basic Zm9vOmJhcg==" -H "$SIGN_DATE" -H "$JSON_TYPE" \
    -H "X-Amz-Target: Kinesis_20131202.DescribeStreamSummary" \
    --data-binary @"$tmp/body" "http://127.0.0.1:$port/")
expect_error 400 IncompleteSignatureException
code=$(curl -sS --max-time 10 -o "$tmp/resp" -w '%{http_code}' \
    -H "$SIGN_AUTH" -H "$SIGN_DATE" -H 'Content-Type: application/json' \
    -H "X-Amz-Target: Kinesis_20131202.DescribeStreamSummary" \
    --data-binary @"$tmp/body" "http://127.0.0.1:$port/")
expect_error 400 SerializationException
call Kinesis_20131202.DescribeStreamSummary -H 'Content-Type: text/plain'
[ "$code" = 400 ] || fail "two Content-Type headers: HTTP $code"
call Kinesis_20131202.ListStreams
expect_error 400 UnknownOperationException
for junk in '{"StreamName":' '[1,2]' '' 'null' '{"StreamName":"a","StreamName":"b"}' \
    '{"StreamName":"teststream","Records":"x"}' \
    '{"StreamName":"teststream","Records":[1]}' \
    '{"StreamName":"teststream","Records":[{"Data":1,"PartitionKey":"a"}]}' \
    '{"StreamName":7}'; do
	printf '%s' "$junk" >"$tmp/body"
	put
	[ "$code" = 400 ] || fail "malformed JSON '$junk': HTTP $code"
done
kill -0 "$fake_pid" || fail "fakeaws died on malformed JSON"
pass "unsigned, unknown target, wrong Content-Type, malformed JSON: 400"

# Bad HTTP: 400 (or the matching 4xx) and the server lives on.
[[ "$(raw $'GARBAGE\r\n\r\n')" == "HTTP/1.1 400 "* ]] || fail "garbage line"
[[ "$(raw $'POST / HTTP/1.1\r\nBad Header\r\n\r\n')" == "HTTP/1.1 400 "* ]] ||
    fail "header without colon"
[[ "$(raw $'POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n')" == "HTTP/1.1 400 "* ]] ||
    fail "bad Content-Length"
[[ "$(raw $'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n')" == "HTTP/1.1 400 "* ]] ||
    fail "conflicting Content-Length"
[[ "$(raw $'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')" == "HTTP/1.1 411 "* ]] ||
    fail "chunked body"
[[ "$(raw $'POST / HTTP/1.1\r\nContent-Length: 67108865\r\n\r\n')" == "HTTP/1.1 413 "* ]] ||
    fail "body over 64 MiB"
[[ "$(raw $'POST / HTTP/2.0\r\n\r\n')" == "HTTP/1.1 505 "* ]] || fail "HTTP/2.0"
[[ "$(raw $'POST / HTTP/1.1\r\nX: a\x01b\r\n\r\n')" == "HTTP/1.1 400 "* ]] ||
    fail "control character"
[[ "$(raw "$(head -c 70000 /dev/zero | tr '\0' a)")" == "HTTP/1.1 431 "* ]] ||
    fail "endless head"
[[ "$(raw $'POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc' shut)" == "" ]] ||
    fail "truncated body got an answer"
[[ "$(raw $'GET / HTTP/1.1\r\n\r\n')" == "HTTP/1.1 405 "* ]] || fail "GET"
head -c 300000 /dev/urandom >"$tmp/noise"
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
	    PeerPort => $ARGV[0]) or die; local $/; open(my $f, "<", $ARGV[1]);
	print {$s} <$f>; close $s;' "$port" "$tmp/noise" || true
kill -0 "$fake_pid" || fail "fakeaws died on bad HTTP"
pass "bad HTTP answered 4xx/5xx, server alive"

# --- HTTP behaviour ------------------------------------------------------
# curl's own count of new connections per transfer: fakeaws's counter
# would also count a late connection of the bad-HTTP tests above.
gen kinesis teststream 2 10
code=$(curl -sS --max-time 10 -o "$tmp/resp" -o "$tmp/resp2" \
    -w '%{http_code}:%{num_connects} ' -H "$SIGN_AUTH" -H "$SIGN_DATE" \
    -H "$JSON_TYPE" -H "X-Amz-Target: Kinesis_20131202.PutRecords" \
    --data-binary @"$tmp/body" "http://127.0.0.1:$port/" \
    "http://127.0.0.1:$port/")
[ "$code" = "200:1 200:0 " ] ||
    fail "keep-alive: expected two 200s on one connection, got $code"
put -H 'Expect: 100-continue'
[ "$code" = 200 ] || fail "Expect: 100-continue: HTTP $code"
# Two pipelined requests in one write get two answers, in order.
len=$(wc -c <"$tmp/body")
req="POST / HTTP/1.1\r\nHost: x\r\n${SIGN_AUTH}\r\n${SIGN_DATE}\r\n${JSON_TYPE}\r\nX-Amz-Target: Kinesis_20131202.PutRecords\r\nContent-Length: $len\r\n\r\n$(cat "$tmp/body")"
printf "$req$req" | perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
	    PeerPort => $ARGV[0]) or die; local $/; print {$s} <STDIN>;
	$s->shutdown(1); local $SIG{ALRM} = sub { die "timeout\n" }; alarm 10;
	print <$s>;' "$port" >"$tmp/pipelined"
[ "$(grep -o "HTTP/1.1 200 OK" "$tmp/pipelined" | wc -l)" = 2 ] ||
    fail "pipelining: expected two 200s"
[ "$(out_lines)" = $((before + 10)) ] || fail "HTTP: wrong records recorded"
pass "keep-alive, 100-continue, pipelining"

# Many connections at once.
gen kinesis other 5 50
pids=()
for ((i = 0; i < 40; i++)); do
	curl -sS --max-time 20 -o /dev/null -w '%{http_code}\n' \
	    -H "$SIGN_AUTH" -H "$SIGN_DATE" -H "$JSON_TYPE" \
	    -H "X-Amz-Target: Kinesis_20131202.PutRecords" \
	    --data-binary @"$tmp/body" "http://127.0.0.1:$port/" \
	    >>"$tmp/codes.many" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "concurrent curl failed"; done
[ "$(grep -c '^200$' "$tmp/codes.many")" = 40 ] || fail "concurrent requests"
[ "$(out_lines)" = $((before + 10 + 200)) ] || fail "concurrent: wrong records recorded"
pass "40 concurrent connections"

# --- stats and exit ------------------------------------------------------
kill -USR1 "$fake_pid"
for ((i = 0; i < 50; i++)); do
	grep -q '^fakeaws: requests=' "$tmp/fakeaws.err" && break
	sleep 0.1
done
grep -Eq '^fakeaws: requests=[0-9]+ records_accepted=[0-9]+ records_failed=[0-9]+ errors=[0-9]+ dropped=1$' \
    "$tmp/fakeaws.err" || fail "no stats line on SIGUSR1"
accepted=$(stat_of records_accepted)
[ "$accepted" = "$(out_lines)" ] ||
    fail "records_accepted=$accepted but $(out_lines) lines written"
kill -TERM "$fake_pid"
status=0
wait "$fake_pid" || status=$?
fake_pid=
[ "$status" = 0 ] || fail "fakeaws exited $status on SIGTERM"
[ "$(grep -c '^fakeaws: requests=' "$tmp/fakeaws.err")" = 2 ] ||
    fail "no stats line at exit"
if grep -Eq 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$tmp/fakeaws.err"; then
	fail "sanitizer report"
fi
pass "stats on SIGUSR1 and at exit; exit 0 on SIGTERM"
echo "PASS: fakeaws_selftest"
