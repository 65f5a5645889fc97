#!/usr/bin/env bash
# Split config (issue 11): conf.d/*.yaml beside the main file add flows in
# name order (only flows: there; another key is an error in that file),
# and agentConfigDir adds the flows of a Kinesis Agent's agent.d as the
# agent merges them (every file, only "flows", other keys ignored with a
# warning, a file that cannot be parsed skipped with a warning).  sluiced
# -n names each file; errors name the file they are in; every flow ships.
. "$(dirname "$0")/lib.sh"

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs" "$tmp/etc/conf.d" "$tmp/agent.d"
flow() {
	cat <<YAML
  - name: $1
    filePattern: $tmp/logs/$1.log
    kinesisStream: s$1
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
YAML
}
{ config_head; echo "agentConfigDir: $tmp/agent.d"; echo "flows:"; flow a; } \
    >"$tmp/etc/sluice.yaml"
{ echo "flows:"; flow c; } >"$tmp/etc/conf.d/20-c.yaml"
{ echo "flows:"; flow b; } >"$tmp/etc/conf.d/10-b.yaml"
echo "not: [a yaml file" >"$tmp/etc/conf.d/notes.txt"	# not *.yaml
cat >"$tmp/agent.d/d.json" <<JSON
{
  "cloudwatch.emitMetrics": false,
  "flows": [
    { "filePattern": "$tmp/logs/d.log", "kinesisStream": "sd",
      "initialPosition": "START_OF_FILE",
      "maxBufferAgeMillis": 1000 }
  ]
}
JSON
echo '{ "flows": [' >"$tmp/agent.d/broken.json"

# 1. -n names every file; the agent's rules give warnings, not errors.
"$SLUICED" -n -c "$tmp/etc/sluice.yaml" >"$tmp/n.out" 2>"$tmp/n.err" ||
    fail "-n refused: $(cat "$tmp/n.err")"
cat "$tmp/n.out"
printf '%s\n' "$tmp/etc/conf.d/10-b.yaml: OK" "$tmp/etc/conf.d/20-c.yaml: OK" \
    "$tmp/agent.d/d.json: OK" "$tmp/etc/sluice.yaml: configuration OK" \
    >"$tmp/n.want"
diff "$tmp/n.want" "$tmp/n.out" || fail "-n did not name each file in order"
grep -q "$tmp/agent.d/broken.json:.*skipped" "$tmp/n.err" ||
    fail "the broken agent.d file was not skipped with a warning: $(cat "$tmp/n.err")"
grep -q "$tmp/agent.d/d.json:2:3: key \"cloudwatch.emitMetrics\" ignored" \
    "$tmp/n.err" || fail "no warning for an agent.d key: $(cat "$tmp/n.err")"

# 2. Errors are located in the file they are in.
{ echo "stateDirectory: /elsewhere"; echo "flows:"; flow e; } \
    >"$tmp/etc/conf.d/30-e.yaml"
"$SLUICED" -n -c "$tmp/etc/sluice.yaml" >/dev/null 2>"$tmp/err" &&
    fail "a top-level key in conf.d was accepted"
grep -q "^$tmp/etc/conf.d/30-e.yaml:1:1: key \"stateDirectory\": a file in conf.d may only add flows" \
    "$tmp/err" || fail "the conf.d error is not located: $(cat "$tmp/err")"
{ echo "flows:"; flow e | sed 's/name: e/name: b/'; } >"$tmp/etc/conf.d/30-e.yaml"
"$SLUICED" -n -c "$tmp/etc/sluice.yaml" >/dev/null 2>"$tmp/err" &&
    fail "a duplicate flow name across files was accepted"
grep -q "^$tmp/etc/conf.d/30-e.yaml:2:5: duplicate flow name \"b\" (also the flow at $tmp/etc/conf.d/10-b.yaml:2:5)" \
    "$tmp/err" || fail "the duplicate is not located: $(cat "$tmp/err")"
rm "$tmp/etc/conf.d/30-e.yaml"

# 3. Every flow, from every file, ships its lines.
for f in a b c d; do
	for i in 1 2 3; do echo "$f line $i"; done >"$tmp/logs/$f.log"
done
start_sluiced "$tmp/etc/sluice.yaml"
cat "$tmp"/logs/*.log | sort >"$tmp/want"
all_arrived() {
	[ -f "$tmp/received.b64" ] || return 1
	decode_records "$tmp/received.b64" | sort >"$tmp/got"
	cmp -s "$tmp/want" "$tmp/got"
}
wait_for 30 all_arrived || fail "not every flow shipped: $(cat "$tmp/got" 2>/dev/null)"
"$SLUICECTL" -s "$tmp/sluice.sock" -j flows >"$tmp/flows.json" ||
    fail "sluicectl flows"
for f in a b c sd; do
	grep -q "\"name\":\"$f\"" "$tmp/flows.json" || fail "flow $f is not running"
done
stop_sluiced
echo "4 flows from 4 files shipped 12 lines, none twice"
