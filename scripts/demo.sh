#!/usr/bin/env bash
# The quick start: installs the build dependencies, builds sluice, starts a
# local Kinesis (kinesalite on 127.0.0.1:4567) with the stream sluice-demo,
# writes a web-server log, runs sluiced on etc/demo.yaml, then shows
# `sluicectl status` and records read back from the stream.
# DEMO_SECONDS (default 8) is how long sluiced runs before the report.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
demo=/tmp/sluice-demo
port=4567

./scripts/deps.sh
echo "building sluice in build/ ..."
BUILD=build ./scripts/build.sh

# Leftovers of an earlier run: stop them and start afresh.
for f in "$demo"/*.pid; do
	[ -f "$f" ] || continue
	kill "$(cat "$f")" 2>/dev/null || true
done
sleep 0.2
rm -rf "$demo"
mkdir -p "$demo"

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

node tests/interop/kinesalite.js --port "$port" --stream sluice-demo \
    >"$demo/kinesalite.out" 2>&1 &
pids+=($!)
echo $! >"$demo/kinesalite.pid"
for _ in $(seq 100); do
	grep -q '^ready' "$demo/kinesalite.out" 2>/dev/null && break
	sleep 0.1
done
grep -q '^ready' "$demo/kinesalite.out" ||
    { cat "$demo/kinesalite.out"; echo "kinesalite did not start" >&2; exit 1; }
echo "kinesalite is serving stream sluice-demo on 127.0.0.1:$port"

# A web server's access log, growing by a few lines a second.
(
	i=0
	while :; do
		i=$((i + 1))
		printf '203.0.113.%d - - [%s] "GET /page/%d HTTP/1.1" 200 %d "-" "demo-agent/1.0"\n' \
		    $((i % 250 + 1)) "$(date -u '+%d/%b/%Y:%H:%M:%S +0000')" \
		    "$i" $((i * 37 % 5000 + 100)) >>"$demo/access.log"
		sleep 0.2
	done
) &
pids+=($!)
echo $! >"$demo/writer.pid"

"$src/build/sluiced" -c etc/demo.yaml 2>"$demo/sluiced.log" &
pids+=($!)
echo $! >"$demo/sluiced.pid"
echo "sluiced is running on etc/demo.yaml (log: $demo/sluiced.log)"

sleep "${DEMO_SECONDS:-8}"
echo
echo "$ sluicectl -s $demo/sluice.sock status"
"$src/build/sluicectl" -s "$demo/sluice.sock" status
echo
echo "Records read back from the stream with the AWS SDK (first 5):"
node tests/interop/readback.js --endpoint "http://127.0.0.1:$port" \
    --stream sluice-demo --decode --out "$demo/readback.txt" 2>/dev/null
head -n 5 "$demo/readback.txt"
count=$(wc -l <"$demo/readback.txt")
echo "... $count records in the stream in all."
[ "$count" -gt 0 ] || { echo "no records arrived; see $demo/sluiced.log" >&2; exit 1; }
