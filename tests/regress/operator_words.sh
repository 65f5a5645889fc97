#!/usr/bin/env bash
# What an operator reads when a flow breaks (issue 11's new-user
# walkthrough).  sluiced -n names a pattern's missing directory, a
# misspelt region and one that disagrees with its AWS endpoint's; a control
# socket that cannot be made says what to do.  sluicectl status says that a
# flow matches no file and what to check, that delivery is refused with
# the fix (a missing stream), that throttled records are retried and the
# stream needs shards, that the endpoint cannot be reached and what to
# check, and that a spool over 80% full makes reading wait; flows is in
# columns; counts are singular when they are 1; a refused reload shows in
# status until a reload is applied; a state directory's new parents are
# 0755.  Then everything written reached fakeaws, byte for byte.
. "$(dirname "$0")/lib.sh"

ctl() {
	printf '%s\n' "$@" >"$tmp/fake.ctl.new"
	mv "$tmp/fake.ctl.new" "$tmp/fake.ctl"
}
ctl '#'
start_fakeaws -s web -o "$tmp/received.b64" -c "$tmp/fake.ctl"
mkdir "$tmp/logs"
{
	config_head
	cat <<YAML
spool.maxBytes: 1MiB
flows:
  - name: web
    filePattern: $tmp/logs/*.log
    kinesisStream: web
    initialPosition: START_OF_FILE
    retryMaxBackoffMillis: 300
  - name: applogs
    filePattern: $tmp/nosuch/*.log
    kinesisStream: web
YAML
} | sed "s|^stateDirectory: .*|stateDirectory: $tmp/deep/state|" \
    >"$tmp/sluice.yaml"
chmod 600 "$tmp/sluice.yaml"

"$SLUICED" -n -c "$tmp/sluice.yaml" >"$tmp/n.out" 2>&1 ||
    fail "sluiced -n: $(cat "$tmp/n.out")"
grep -q "flow=applogs: $tmp/nosuch: no such directory: no file matches" \
    "$tmp/n.out" || fail "sluiced -n did not name the missing directory: $(cat "$tmp/n.out")"

# A region that disagrees with an AWS endpoint's (sluiced -n goes nowhere).
sed -e 's|^kinesis.endpoint: .*|kinesis.endpoint: https://kinesis.us-east-1.amazonaws.com|' \
    -e 's|^kinesis.region: .*|kinesis.region: eu-west-1|' \
    "$tmp/sluice.yaml" >"$tmp/region.yaml"
"$SLUICED" -n -c "$tmp/region.yaml" >"$tmp/n.out" 2>&1 ||
    fail "sluiced -n: $(cat "$tmp/n.out")"
grep -q 'kinesis.region is eu-west-1 but the endpoint https://kinesis.us-east-1.amazonaws.com is in us-east-1' \
    "$tmp/n.out" || fail "no warning for a region mismatch: $(cat "$tmp/n.out")"

# A control socket whose directory's parent is missing: the fix is said.
sed -e "s|^controlSocket: .*|controlSocket: $tmp/no/such/s.sock|" \
    -e "s|^stateDirectory: .*|stateDirectory: $tmp/state2|" \
    "$tmp/sluice.yaml" >"$tmp/sock.yaml"
rc=0
timeout 20 "$SLUICED" -c "$tmp/sock.yaml" >"$tmp/sock.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "mkdir $tmp/no/such: No such file or directory: create its parent, or set controlSocket elsewhere" \
    "$tmp/sock.out" || fail "control socket (exit $rc): $(cat "$tmp/sock.out")"
sed 's|^kinesis.region: .*|kinesis.region: us-east1|' "$tmp/sluice.yaml" \
    >"$tmp/region.yaml"
"$SLUICED" -n -c "$tmp/region.yaml" >"$tmp/n.out" 2>&1 ||
    fail "sluiced -n: $(cat "$tmp/n.out")"
grep -q 'kinesis.region is "us-east1", which does not look like an AWS region' \
    "$tmp/n.out" || fail "no warning for a misspelt region: $(cat "$tmp/n.out")"

start_sluiced "$tmp/sluice.yaml"
st() { sluicectl_st -s "$tmp/sluice.sock" status >"$tmp/st.out" 2>&1; }
has() { st && grep -q -- "$1" "$tmp/st.out"; }
received() { decode_records "$tmp/received.b64" | wc -l; }
have() { [ "$(received)" -ge "$1" ]; }

echo w1 >"$tmp/logs/a.log"
# The state directory is 0750, its parents made on the way are not: the
# daemon's own user must reach a state directory that root made.
wait_for 10 test -d "$tmp/deep/state" || fail "no state directory"
want_parent=$(printf %o $((0755 & ~0$(umask))))
want_state=$(printf %o $((0750 & ~0$(umask))))
[ "$(stat -c %a "$tmp/deep")" = "$want_parent" ] &&
    [ "$(stat -c %a "$tmp/deep/state")" = "$want_state" ] ||
    fail "state directory modes: $(stat -c '%a %n' "$tmp/deep" "$tmp/deep/state")"
wait_for 30 have 1 || fail "w1 not delivered"
wait_for 10 has 'read        1 line, 3 B' || fail "no singular line: $(cat "$tmp/st.out")"
has 'none match yet: check the pattern, and that its directory exists' ||
    fail "a flow without files said nothing useful: $(cat "$tmp/st.out")"
"$SLUICECTL" -s "$tmp/sluice.sock" flows >"$tmp/flows.out"
grep -q '(1 file open,' "$tmp/flows.out" || fail "flows: $(cat "$tmp/flows.out")"
# In columns: the destinations (and the patterns) start at one column.
[ "$(awk '{ print index($0, "kinesis:web") }' "$tmp/flows.out" | sort -u |
    wc -l)" = 1 ] || fail "flows not aligned: $(cat "$tmp/flows.out")"

# A missing stream: refused, with the fix.
ctl notfound=1
echo w2 >>"$tmp/logs/a.log"
wait_for 30 has 'delivery refused for .*to fix: create the stream web in us-east-1' ||
    fail "no fix for a missing stream: $(cat "$tmp/st.out")"
! grep -q '\.; to fix' "$tmp/st.out" "$tmp/sluiced.log" ||
    fail "AWS's period before the fix: $(grep '; to fix' "$tmp/st.out")"
has '1 record not yet sent' || fail "no singular record: $(cat "$tmp/st.out")"
rc=0
"$SLUICECTL" -s "$tmp/sluice.sock" status >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a refused delivery is not degraded (exit $rc)"
grep -q 'warning: flow=web stream=web: delivery refused: PutRecords: HTTP 400 ResourceNotFoundException' \
    "$tmp/sluiced.log" || fail "the log did not say it"

# Throttled: retried, and the stream needs capacity.
ctl throttle=1
wait_for 30 has 'records refused for .*ProvisionedThroughputExceededException.*; retried: the stream is at its write limits; if it lasts, add shards' ||
    fail "throttling not explained: $(cat "$tmp/st.out")"
ctl '#'
wait_for 30 have 2 || fail "w2 not delivered"

# The endpoint down, and the spool over 80% of spool.maxBytes meanwhile.
kill "$fake_pid"
wait "$fake_pid" 2>/dev/null || true
perl -e 'printf "%099d\n", $_ for 1 .. 9000' >>"$tmp/logs/a.log"
wait_for 30 has "; retried: check that the endpoint is up and can be reached from here" ||
    fail "connection refused not explained: $(cat "$tmp/st.out")"
grep -q "(http://127.0.0.1:$fake_port" "$tmp/st.out" ||
    fail "the endpoint was not named: $(cat "$tmp/st.out")"
wait_for 30 has '% of spool.maxBytes (full: reading waits for delivery, nothing is dropped)' ||
    fail "a nearly full spool was not explained: $(cat "$tmp/st.out")"

rm -f "$tmp/fake.port"
"$FAKEAWS" -p "$fake_port" -P "$tmp/fake.port" -s web \
    -o "$tmp/received.b64" -c "$tmp/fake.ctl" >>"$tmp/fakeaws.out" \
    2>>"$tmp/fakeaws.log" &
bg_pids+=($!)
wait_for 10 test -s "$tmp/fake.port" || fail "fakeaws did not start again"
want=$(wc -l <"$tmp/logs/a.log")
wait_for 60 have "$want" || fail "not everything delivered"

# A reload refused: the daemon runs on, and status says that the file on
# disk would fail the next start, until a reload is applied.
cp "$tmp/sluice.yaml" "$tmp/good.yaml"
echo 'kinesis.regoin: us-east-1' >>"$tmp/sluice.yaml"
rc=0
"$SLUICECTL" -s "$tmp/sluice.sock" reload >"$tmp/reload.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "an invalid reload exited $rc: $(cat "$tmp/reload.out")"
has 'the configuration file is not valid (reload refused .*unknown key "kinesis.regoin" (did you mean "kinesis.region"?); the next start would fail (sluiced -n)' ||
    fail "status did not say the reload was refused: $(cat "$tmp/st.out")"
cp "$tmp/good.yaml" "$tmp/sluice.yaml"
"$SLUICECTL" -s "$tmp/sluice.sock" reload >"$tmp/reload.out" 2>&1 ||
    fail "reload: $(cat "$tmp/reload.out")"
st
! grep -q 'reload refused' "$tmp/st.out" ||
    fail "the refused reload outlived a good one: $(cat "$tmp/st.out")"
# A flow added by a reload with a missing directory: said as at the start.
cat >>"$tmp/sluice.yaml" <<YAML
  - name: added
    filePattern: $tmp/nosuch2/*.log
    kinesisStream: web
YAML
"$SLUICECTL" -s "$tmp/sluice.sock" reload >"$tmp/reload.out" 2>&1 ||
    fail "reload: $(cat "$tmp/reload.out")"
wait_for 10 grep -q "flow=added: $tmp/nosuch2: no such directory: no file matches" \
    "$tmp/sluiced.log" || fail "a reload did not name the missing directory"
stop_sluiced
lost=$(decode_records "$tmp/received.b64" | sort -u |
    comm -23 <(sort -u "$tmp/logs/a.log") - | wc -l)
dups=$(( $(received) - $(decode_records "$tmp/received.b64" | sort -u | wc -l) ))
echo "written $want lines, received $(received), lost $lost, duplicates $dups"
extra=$(decode_records "$tmp/received.b64" | sort -u |
    comm -13 <(sort -u "$tmp/logs/a.log") - | wc -l)
[ "$lost" -eq 0 ] || fail "$lost lines lost"
# AWS's messages end with a period; ours go on after them without one.
! grep -n '\.; ' "$tmp/sluiced.log" ||
    fail "a message runs on after AWS's period (above)"
[ "$extra" -eq 0 ] || fail "$extra records that were never written"
exit 0
