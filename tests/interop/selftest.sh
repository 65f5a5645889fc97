#!/bin/bash
# Self-test of the interop harness without sluice: the AWS SDK for
# JavaScript puts records through sigproxy (signature check, 20% of records
# throttled) into kinesalite, and readback must find every line.  A client
# with the wrong secret key must be refused.  Proves the harness before
# run.sh trusts it with sluice.  Bounded to 120 s; cleans up after itself.

if [ -z "${INTEROP_TIMEOUT_SET:-}" ]; then
	export INTEROP_TIMEOUT_SET=1
	exec timeout -k 10 120 bash "$0" "$@"
fi
set -u
. "$(dirname "$0")/common.sh"

lines=20000
ensure_node_modules

say "sigproxy's own tests (verification, throttling, AWS vectors)"
check "node --test sigproxy.test.js" \
    timeout 60 node --test "$here/sigproxy.test.js" >"$tmp/unit.out" 2>&1 ||
    cat "$tmp/unit.out"
grep '^# \(pass\|fail\)' "$tmp/unit.out"

start_kinesalite interop:2
start_sigproxy --throttle 0.2 --seed 42
endpoint="http://127.0.0.1:$proxy_port"

say "writing $lines lines"
node "$here/genlines.js" --from 1 --to $((lines + 1)) "$tmp/a.log" \
    "$tmp/b.log" || die "genlines failed"

say "putting them with the AWS SDK through the proxy"
check "SDK PutRecords through the proxy, retrying throttled records" \
    timeout 60 node "$here/put.js" --endpoint "$endpoint" --stream interop \
    "$tmp/a.log" "$tmp/b.log"

say "a client with the wrong secret key"
head -3 "$tmp/a.log" >"$tmp/few.log"
check "a wrongly signed PutRecords is refused" \
    bash -c '! timeout 30 node "$1/put.js" --endpoint "$2" --stream interop \
    --secret-key wrong "$3" 2>"$4"' _ "$here" "$endpoint" "$tmp/few.log" \
    "$tmp/wrongkey.err"
check "the refusal is InvalidSignatureException" \
    grep -q InvalidSignatureException "$tmp/wrongkey.err"

# libcurl is what sluice sends with: its own SigV4 signer, a 2 MB body
# (so Expect: 100-continue) and two requests on one kept-alive connection.
if curl --help all 2>/dev/null | grep -q -- --aws-sigv4; then
	say "libcurl's SigV4 signer, Expect: 100-continue and keep-alive"
	node -e '
	    const recs = [];
	    for (let i = 0; i < 300; i++)
		recs.push({ Data: Buffer.from("curl " + i + " " +
		    "y".repeat(5000) + "\n").toString("base64"),
		    PartitionKey: "k" + i });
	    process.stdout.write(JSON.stringify({ StreamName: "interop",
		Records: recs }));' >"$tmp/big.json"
	before=$(proxy_stat verified)
	timeout 30 curl -sS -v --aws-sigv4 "aws:amz:us-east-1:kinesis" \
	    --user "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" \
	    -H "Content-Type: application/x-amz-json-1.1" \
	    -H "X-Amz-Target: Kinesis_20131202.DescribeStreamSummary" \
	    --data-binary @"$tmp/big.json" -o /dev/null -o /dev/null \
	    "$endpoint/" "$endpoint/" >"$tmp/curl.out" 2>&1
	check "curl --aws-sigv4 requests verify" \
	    test "$(proxy_stat verified)" = $((before + 2))
	check "the proxy answers Expect: 100-continue" \
	    grep -q "HTTP/1.1 100 Continue" "$tmp/curl.out"
	check "the second request reuses the connection" \
	    grep -q "Re-using existing connection" "$tmp/curl.out"
fi

say "reading back"
check "readback through the proxy finds $lines unique records" \
    timeout 60 node "$here/readback.js" --endpoint "$endpoint" \
    --stream interop --out "$tmp/received.b64" --expect "$lines" \
    --timeout-ms 30000
check "every line arrived byte for byte" \
    timeout 60 node "$here/compare.js" --received "$tmp/received.b64" \
    "$tmp/a.log" "$tmp/b.log"

rejected=$(proxy_stat rejected)
throttled=$(proxy_stat recordsThrottled)
verified=$(proxy_stat verified)
say "proxy: verified $verified, rejected $rejected, records throttled $throttled"
check "the proxy rejected exactly the one wrongly signed request" \
    test "$rejected" = 1
check "the proxy throttled some records" test "$throttled" -gt 0
grep -q 'REJECTED' "$tmp/sigproxy.log" &&
    grep -q 'canonical request' "$tmp/sigproxy.log"
check "the rejection is logged with the canonical request" test $? = 0

summary selftest
