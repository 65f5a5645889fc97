#!/usr/bin/env bash
# What sluiced does with permissions and paths (issue 11): it warns when a
# config file that holds a secret can be read by every user, creates its
# state directory 0750, and refuses a flow whose state directory is a
# symlink leading out of stateDirectory (the other flows run and deliver).
. "$(dirname "$0")/lib.sh"

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs" "$tmp/elsewhere"
printf 'one\n' >"$tmp/logs/good.log"
printf 'two\n' >"$tmp/logs/bad.log"
{
	config_head
	echo "flows:"
	for f in good bad; do
		echo "  - name: $f"
		echo "    filePattern: $tmp/logs/$f.log"
		echo "    kinesisStream: s"
		echo "    initialPosition: START_OF_FILE"
		echo "    maxBufferAgeMillis: 1000"
	done
} >"$tmp/c.yaml"

# 1. A config with a secret that every user can read is warned about.
chmod 644 "$tmp/c.yaml"
"$SLUICED" -n -c "$tmp/c.yaml" >"$tmp/n.out" 2>&1 || fail "-n: $(cat "$tmp/n.out")"
grep -q "holds awsSecretAccessKey and every user can read it (mode 0644)" \
    "$tmp/n.out" || fail "no warning for a world-readable secret: $(cat "$tmp/n.out")"
chmod 600 "$tmp/c.yaml"
"$SLUICED" -n -c "$tmp/c.yaml" >"$tmp/n.out" 2>&1 || fail "-n: $(cat "$tmp/n.out")"
! grep -q "every user can read it" "$tmp/n.out" || fail "warned about a 0600 file"

# 2. The state directory is made 0750.
start_sluiced "$tmp/c.yaml"
wait_for 20 test -S "$tmp/sluice.sock" || fail "no socket"
[ "$(stat -c %a "$tmp/state")" = 750 ] ||
    fail "state directory mode $(stat -c %a "$tmp/state")"
stop_sluiced

# 3. flows/bad becomes a symlink out of stateDirectory: that flow is
# refused, with the reason; the other one delivers.
rm -rf "$tmp/state/flows/bad"
ln -s "$tmp/elsewhere" "$tmp/state/flows/bad"
: >"$tmp/sluiced.log"
start_sluiced "$tmp/c.yaml"
wait_for 20 test -S "$tmp/sluice.sock" || fail "no socket"
arrived() { decode_records "$tmp/received.b64" 2>/dev/null | grep -q '^one$'; }
wait_for 20 arrived || fail "the good flow did not deliver"
grep -q "leads to $tmp/elsewhere, outside stateDirectory" "$tmp/sluiced.log" ||
    fail "the symlink was not refused: $(cat "$tmp/sluiced.log")"
sluicectl_st -s "$tmp/sluice.sock" -j status >"$tmp/status.json"
grep -q '"refusedFlows":\[{"name":"bad"' "$tmp/status.json" ||
    fail "status does not show the refused flow: $(cat "$tmp/status.json")"
[ -z "$(ls -A "$tmp/elsewhere")" ] || fail "sluiced wrote outside stateDirectory"
stop_sluiced
echo "PASS: perms"
