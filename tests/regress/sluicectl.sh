#!/usr/bin/env bash
# sluicectl's interface: how it finds the socket (-s, SLUICE_SOCKET, the
# config's controlSocket, the default), every command in text and JSON,
# its exit statuses (0, 1 error answer, 2 unreachable, 64 usage), and a
# client refused for its uid or its group (controlSocketGroup).
. "$(dirname "$0")/lib.sh"

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs"
printf 'one\ntwo\n' >"$tmp/logs/app.log"
{
	config_head
	echo "flows:"
	echo "  - name: web"
	echo "    filePattern: $tmp/logs/*.log"
	echo "    kinesisStream: s"
	echo "    initialPosition: START_OF_FILE"
	echo "    maxBufferAgeMillis: 1000"
} >"$tmp/c.yaml"
start_sluiced "$tmp/c.yaml"
wait_for 20 test -S "$tmp/sluice.sock" || fail "no socket"
sock=$tmp/sluice.sock
export SLUICE_SOCKET=

# expect STATUS CMD...: runs sluicectl, checks its exit status, keeps its
# output in $tmp/out and $tmp/err.
expect() {
	local want=$1 rc=0
	shift
	"$SLUICECTL" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" = "$want" ] || fail "sluicectl $*: exit $rc, want $want: $(cat "$tmp/out" "$tmp/err")"
}

# Socket search order.
expect 0 -s "$sock" status
grep -q '^flow web: kinesis:s' "$tmp/out" || fail "status: $(cat "$tmp/out")"
SLUICE_SOCKET=$sock expect 0 status
expect 0 -c "$tmp/c.yaml" status
SLUICE_SOCKET=/nonexistent/sock expect 0 -s "$sock" status	# -s wins
SLUICE_SOCKET=$sock expect 0 -c /nonexistent.yaml status	# env wins
SLUICE_SOCKET=/nonexistent/sock expect 2 -c "$tmp/c.yaml" status
grep -q 'cannot connect to /nonexistent/sock' "$tmp/err" || fail "env not used"
expect 2 -c /nonexistent/c.yaml status
grep -q 'nonexistent/c.yaml: cannot open' "$tmp/err" ||
    fail "unreadable -c not said: $(cat "$tmp/err")"
grep -q "cannot connect to /run/sluice/sluice.sock\|cannot connect to /.*sluice.sock" "$tmp/err" ||
    fail "default socket not tried: $(cat "$tmp/err")"
# A config with errors elsewhere still gives its controlSocket.
{ echo "controlSocket: $sock"; echo "nosuchkey: 1"; } >"$tmp/broken.yaml"
expect 0 -c "$tmp/broken.yaml" status
# No command means status.
expect 0 -s "$sock"
grep -q '^flow web' "$tmp/out" || fail "no command did not run status"
echo "ok: socket search order"

# Every command, in text and JSON.
arrived() { [ -f "$tmp/received.b64" ] && [ "$(wc -l <"$tmp/received.b64")" -ge 2 ]; }
wait_for 20 arrived || fail "lines did not arrive"
for cmd in status files flows state version; do
	expect 0 -s "$sock" "$cmd"
	[ -s "$tmp/out" ] || fail "$cmd printed nothing"
	expect 0 -s "$sock" -j "$cmd"
	jq -e . "$tmp/out" >/dev/null 2>&1 || perl -MJSON::PP -e \
	    'local $/; decode_json(<STDIN>)' <"$tmp/out" ||
	    fail "$cmd -j is not JSON: $(cat "$tmp/out")"
	expect 0 -s "$sock" "$cmd" -j
done
expect 0 -s "$sock" flows
grep -q "^web  kinesis:s  $tmp/logs/\*.log" "$tmp/out" || fail "flows: $(cat "$tmp/out")"
expect 0 -s "$sock" -j flows
grep -q '"name":"web"' "$tmp/out" || fail "flows -j: $(cat "$tmp/out")"
expect 0 -s "$sock" version
grep -q '^sluicectl .* (control protocol 1)$' "$tmp/out" || fail "version: $(cat "$tmp/out")"
grep -q "^sluiced .*, pid $sluiced_pid, up .*, config $tmp/c.yaml$" "$tmp/out" ||
    fail "version: $(cat "$tmp/out")"
expect 0 -s "$sock" -j version
grep -q "\"pid\":$sluiced_pid" "$tmp/out" || fail "version -j: $(cat "$tmp/out")"
expect 0 -s "$sock" status
grep -q '^healthy$' "$tmp/out" || fail "a healthy daemon does not say so: $(cat "$tmp/out")"
echo "ok: commands in text and JSON"

# Exit statuses.
expect 64 -s "$sock" nosuchcommand
expect 64 -s "$sock" -x status
expect 64 -s "$sock" status -x
expect 64 -s "$sock" status extra
expect 64 -s "$sock" state adopt onlyone
expect 1 -s "$sock" state discard nosuch
grep -q 'nosuch' "$tmp/err" || fail "error answer not shown"
expect 2 -s "$tmp/nosock" status
expect 2 -s "$tmp/nosock" version
grep -q '^sluicectl ' "$tmp/out" || fail "version without a daemon printed nothing"
expect 0 -h
grep -q 'usage: sluicectl' "$tmp/out" || fail "-h"
echo "ok: exit statuses 0, 1, 2, 64"
stop_sluiced

# Degraded: a flow whose stream does not exist.  status exits 1, says why
# first, and lists the flow with the problem first, marked.
mkdir -p "$tmp/bad"
printf 'lost?\n' >"$tmp/bad/x.log"
{
	cat "$tmp/c.yaml"
	echo "  - name: bad"
	echo "    filePattern: $tmp/bad/*.log"
	echo "    kinesisStream: nosuch"
	echo "    initialPosition: START_OF_FILE"
	echo "    maxBufferAgeMillis: 1000"
} >"$tmp/c2.yaml"
"$FAKEAWS" -p 0 -P "$tmp/fake2.port" -s s -o "$tmp/received2.b64" \
    >/dev/null 2>"$tmp/fakeaws2.log" &
bg_pids+=($!)
wait_for 10 test -s "$tmp/fake2.port" || fail "second fakeaws"
sed -i "s|127.0.0.1:$fake_port|127.0.0.1:$(cat "$tmp/fake2.port")|" "$tmp/c2.yaml"
start_sluiced "$tmp/c2.yaml"
wait_for 20 test -S "$sock" || fail "no socket"
rc=0
for ((i = 0; i < 100; i++)); do
	rc=0; "$SLUICECTL" -s "$sock" status >"$tmp/out" 2>&1 || rc=$?
	[ "$rc" = 1 ] && break
	sleep 0.2
done
[ "$rc" = 1 ] || fail "status did not exit 1 for a degraded daemon: $rc $(cat "$tmp/out")"
grep -q '^DEGRADED:$' "$tmp/out" || fail "no DEGRADED line: $(cat "$tmp/out")"
grep -q '^  ! flow bad: delivery ' "$tmp/out" ||
    fail "reason not given: $(cat "$tmp/out")"
first=$(grep -n '^! flow bad:' "$tmp/out" | cut -d: -f1)
web=$(grep -n '^flow web:' "$tmp/out" | cut -d: -f1)
[ -n "$first" ] && [ -n "$web" ] && [ "$first" -lt "$web" ] ||
    fail "the degraded flow is not listed first, marked: $(cat "$tmp/out")"
rc=0; "$SLUICECTL" -s "$sock" -j status >"$tmp/out" || rc=$?
[ "$rc" = 1 ] && grep -q '"healthy":false' "$tmp/out" ||
    fail "status -j: $rc $(cat "$tmp/out")"
stop_sluiced
echo "ok: a degraded daemon exits 1 and says why"

# Who may connect, and run what: as root, give the socket to a group, and
# try as nobody in that group, and as nobody in no group.
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
	echo "uid checks need root and setpriv: skipped the rest" >&2
	echo "PASS: sluicectl (without the uid checks)"
	exit 0
fi
group=nogroup
getent group "$group" >/dev/null || group=nobody
chmod 755 "$tmp"
echo "controlSocketGroup: $group" >>"$tmp/c.yaml"
start_sluiced "$tmp/c.yaml"
wait_for 20 test -S "$sock" || fail "no socket"
[ "$(stat -c %G "$sock")" = "$group" ] || fail "socket group is $(stat -c %G "$sock")"
as_nobody() {
	setpriv --reuid=nobody --regid="$1" --clear-groups "$SLUICECTL" "${@:2}"
}
rc=0; as_nobody "$group" -s "$sock" status >"$tmp/out" 2>"$tmp/err" || rc=$?
# 1 is fine: the orphaned state "bad" left above makes it degraded.
[ "$rc" = 0 ] || [ "$rc" = 1 ] ||
    fail "a member of $group cannot read status: $(cat "$tmp/err")"
grep -q '^flow web' "$tmp/out" || fail "a member of $group got no status"
rc=0; as_nobody "$group" -s "$sock" state discard x >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q 'permission denied: "discard" needs root' "$tmp/err" ||
    fail "nobody was not refused discard: $rc $(cat "$tmp/err")"
grep -q 'control: .*uid' "$tmp/sluiced.log" || true
other=$(getent group | awk -F: -v g="$group" '$1 != g && $3 >= 1000 && $3 < 65534 {print $1; exit}')
[ -n "$other" ] || other=daemon
rc=0; as_nobody "$other" -s "$sock" status >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] && grep -q "are you in the socket's group" "$tmp/err" ||
    fail "a stranger reached the socket: $rc $(cat "$tmp/err")"
stop_sluiced
sed -i 's/^controlSocketGroup: .*/controlSocketGroup: no-such-group-x/' "$tmp/c.yaml"
! "$SLUICED" -n -c "$tmp/c.yaml" 2>"$tmp/err" || fail "-n took an unknown group"
grep -q 'controlSocketGroup: no group "no-such-group-x"' "$tmp/err" ||
    fail "unknown group: $(cat "$tmp/err")"
echo "ok: controlSocketGroup and the uid check"
echo "PASS: sluicectl"
