#!/usr/bin/env bash
# The Prometheus endpoint (metrics.listen): scraped and parsed with the
# reference parser (Debian's python3-prometheus-client, run by
# /usr/bin/python3 because another python3 may come first on PATH).  The
# counters must agree with what reached fakeaws; a bad request, a wrong
# path and a client that never sends are answered or dropped while
# delivery goes on; a busy port leaves the daemon shipping.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import prometheus_client' 2>/dev/null ||
    fail "$PY cannot import prometheus_client (Debian package python3-prometheus-client)"

start_fakeaws -o "$tmp/received.b64"
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$tmp/logs"
for ((i = 0; i < 300; i++)); do printf 'web line %03d\n' "$i"; done >"$tmp/logs/web.log"
for ((i = 0; i < 200; i++)); do printf 'api line %03d\n' "$i"; done >"$tmp/logs/api.log"
{
	config_head
	echo "metrics.listen: 127.0.0.1:$port"
	echo "flows:"
	for f in web api; do
		echo "  - name: $f"
		echo "    filePattern: $tmp/logs/$f.log"
		echo "    kinesisStream: s-$f"
		echo "    initialPosition: START_OF_FILE"
		echo "    maxBufferAgeMillis: 1000"
	done
} >"$tmp/c.yaml"
start_sluiced "$tmp/c.yaml"
arrived() {
	[ -f "$tmp/received.b64" ] && [ "$(wc -l <"$tmp/received.b64")" -ge 500 ]
}
wait_for 30 arrived || fail "lines did not arrive"

# A client that connects and never sends is dropped, and does not block.
exec 7<>/dev/tcp/127.0.0.1/$port

cat >"$tmp/scrape.py" <<'PY'
import sys, urllib.request
from prometheus_client.parser import text_string_to_metric_families
url = "http://127.0.0.1:%s/metrics" % sys.argv[1]
with urllib.request.urlopen(url, timeout=10) as r:
    assert r.status == 200, r.status
    ctype = r.headers["Content-Type"]
    assert ctype.startswith("text/plain; version=0.0.4"), ctype
    text = r.read().decode()
samples = {}
for fam in text_string_to_metric_families(text):
    for s in fam.samples:
        samples[(s.name, s.labels.get("flow"))] = s.value
for flow, n in (("web", 300), ("api", 200)):
    sent = samples[("sluice_flow_records_sent_total", flow)]
    spooled = samples[("sluice_flow_records_spooled_total", flow)]
    assert sent == n, (flow, sent)
    assert spooled == n, (flow, spooled)
    assert samples[("sluice_flow_spool_bytes", flow)] == 0
assert samples[("sluice_flows", None)] == 2
assert samples[("sluice_build_info", None)] == 1
print("scraped %d samples" % len(samples))
PY
wait_for 10 "$PY" "$tmp/scrape.py" "$port" >/dev/null 2>&1 ||
    "$PY" "$tmp/scrape.py" "$port" || fail "scrape does not match"
"$PY" "$tmp/scrape.py" "$port"

# Other paths and methods, and a request too large.
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "http://127.0.0.1:$port/")" = 404 ] || fail "/ is not 404"
[ "$(code -X POST "http://127.0.0.1:$port/metrics")" = 405 ] ||
    fail "POST is not 405"
[ "$(code -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" \
    "http://127.0.0.1:$port/metrics")" = 431 ] || fail "no 431"
exec 7<&-
kill -0 "$sluiced_pid" || fail "sluiced died"
stop_sluiced

# A busy port: the daemon still ships, and says why it has no endpoint.
"$PY" -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); open(sys.argv[2],"w").close()
time.sleep(60)' "$port" "$tmp/busy" &
bg_pids+=($!)
wait_for 10 test -e "$tmp/busy" || fail "could not hold the port"
printf 'after line\n' >>"$tmp/logs/web.log"
start_sluiced "$tmp/c.yaml"
wait_for 30 grep -q "no Prometheus endpoint: metrics.listen 127.0.0.1:$port: Address already in use" \
    "$tmp/sluiced.log" || fail "busy port not reported"
after() { decode_records "$tmp/received.b64" | grep -aq '^after line'; }
wait_for 30 after || fail "did not ship with a busy metrics port"
stop_sluiced

# -n checks the address.
sed "s/^metrics.listen: .*/metrics.listen: localhost/" "$tmp/c.yaml" >"$tmp/bad.yaml"
! "$SLUICED" -n -c "$tmp/bad.yaml" >"$tmp/n.out" 2>&1 || fail "-n took a bad address"
grep -q 'key "metrics.listen": "localhost" is not HOST:PORT' "$tmp/n.out" ||
    fail "unclear error: $(cat "$tmp/n.out")"
echo "PASS: prometheus"
