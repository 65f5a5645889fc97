#!/usr/bin/env bash
# sluicectl's commands that change delivery (issue 11): pause under load
# (no request starts, lines keep being spooled, resume delivers them all),
# a pause kept by a reload (kept and restarted flows) and lost by a
# restart, flush (maxBufferAgeMillis 60000 delivers at once), files skip
# (the skipped lines never arrive, later lines do; counted and logged),
# the files listing with identity and last read in text and JSON, and the
# commands refused for a uid that is neither root nor the daemon's.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || fail "jq is needed"
start_fakeaws -o "$tmp/received.b64" -S "$tmp/stats"
mkdir -p "$tmp/logs"
: >"$tmp/logs/app.log"
: >"$tmp/logs/big.log"
config() {	# config MAXBUFFERAGE [EXTRA]
	config_head
	printf '%s\n' "spool.maxBytes: 1MiB" "flows:" "  - name: web" \
	    "    filePattern: $tmp/logs/*.log" "    kinesisStream: s" \
	    "    initialPosition: START_OF_FILE" \
	    "    maxBufferAgeMillis: $1"
	[ -z "${2:-}" ] || echo "$2"
}
config 300 >"$tmp/c.yaml"
start_sluiced "$tmp/c.yaml"
wait_for 20 test -S "$tmp/sluice.sock" || fail "no socket"
ctl() { "$SLUICECTL" -s "$tmp/sluice.sock" "$@"; }
st() { sluicectl_st -s "$tmp/sluice.sock" -j status; }
requests() { sed -n 's/^requests=//p' "$tmp/stats" 2>/dev/null || echo 0; }
received() { decode_records "$tmp/received.b64" 2>/dev/null || true; }
# expect STATUS CMD...: sluicectl's exit status; output in $tmp/out, err.
expect() {
	local want=$1 rc=0
	shift
	ctl "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" = "$want" ] || fail "sluicectl $*: exit $rc, want $want: $(cat "$tmp/out" "$tmp/err")"
}

perl "$(dirname "$0")/writer.pl" "$tmp/logs/app.log" app 200 &
writer=$!
bg_pids+=($writer)
wait_for 30 eval '[ "$(received | grep -c "^app ")" -gt 50 ] &&
    [ "$(requests)" -ge 3 ]' || fail "lines did not arrive before the pause"

# Pause under load.
expect 0 pause web
grep -q '^flow web: paused$' "$tmp/out" || fail "pause: $(cat "$tmp/out")"
expect 0 pause web
grep -q '^flow web: paused (already)$' "$tmp/out" || fail "pause again: $(cat "$tmp/out")"
# Requests in flight are answered: wait until the count holds for 1 s.
stable() {
	local a b
	a=$(requests); sleep 1; b=$(requests)
	[ "$a" = "$b" ]
}
wait_for 30 stable || fail "requests still start while paused"
r1=$(requests)
s1=$(st | jq '.flows[0].recordsSpooled')
wait_for 30 eval '[ "$(st | jq ".flows[0].recordsSpooled")" -gt $((s1 + 200)) ]' ||
    fail "reading did not go on while paused"
r2=$(requests)
[ "$r1" = "$r2" ] || fail "requests grew while paused: $r1 -> $r2"
[ "$(st | jq '.flows[0].paused')" = true ] || fail "status -j: not paused"
[ "$(st | jq '.flows[0].pausedSince > 0')" = true ] || fail "no pausedSince"
expect 0 status
grep -q '^  PAUSED      no request starts (sluicectl resume), since ' "$tmp/out" ||
    fail "status text does not show the pause: $(cat "$tmp/out")"
grep -q '^healthy$' "$tmp/out" || fail "a paused flow is degraded by itself"
echo "ok: paused: $r1 requests before and after, lines still spooled"

# files skip: with delivery paused, a backlog bigger than the spool stays
# in big.log; its unread part is skipped.
perl -e 'for (0..29999) { printf "big id=%08d %s\n", $_, "x" x 80 }' \
    >>"$tmp/logs/big.log"
backlog() {
	st | jq -e --arg p "$tmp/logs/big.log" \
	    '.flows[0].files[] | select(.path == $p) | .size - .offset > 1000000' \
	    >/dev/null
}
wait_for 30 backlog || fail "no backlog in big.log: $(st)"
expect 64 files skip web
expect 1 files skip web "$tmp/logs/nosuch.log"
grep -q "flow web tails no file $tmp/logs/nosuch.log" "$tmp/err" ||
    fail "skip of an unknown file: $(cat "$tmp/err")"
expect 1 files skip nosuch --all
grep -q 'no running flow named "nosuch"' "$tmp/err" || fail "skip nosuch: $(cat "$tmp/err")"
expect 0 -j files skip web "$tmp/logs/big.log"
skipped=$(jq '.bytesSkipped' "$tmp/out")
[ "$skipped" -gt 1000000 ] || fail "skip: $(cat "$tmp/out")"
[ "$(st | jq '.flows[0].bytesSkipped')" = "$skipped" ] || fail "bytesSkipped not counted"
grep -q "flow=web: sluicectl files skip: $skipped bytes of $tmp/logs/big.log skipped" \
    "$tmp/sluiced.log" || fail "the skip was not logged"
echo "ok: files skip: $skipped bytes, counted and logged"

# A reload keeps the pause (the flow is kept).
expect 0 reload
[ "$(st | jq '.flows[0].paused')" = true ] || fail "a reload resumed a kept flow"

expect 0 resume
grep -q '^flow web: resumed$' "$tmp/out" || fail "resume: $(cat "$tmp/out")"
kill -TERM "$writer"
wait "$writer" || true
perl -e 'for (0..99) { printf "after id=%08d\n", $_ }' >>"$tmp/logs/big.log"
all_app() {
	[ "$(received | grep '^app ' | sort -u | wc -l)" -ge "$(wc -l <"$tmp/logs/app.log")" ] &&
	    [ "$(received | grep -c '^after ')" -ge 100 ]
}
wait_for 60 all_app || fail "not everything arrived after resume"
received >"$tmp/got"
grep '^app ' "$tmp/logs/app.log" | sort >"$tmp/want"
grep '^app ' "$tmp/got" | sort -u >"$tmp/got.app"
lost=$(comm -23 "$tmp/want" "$tmp/got.app" | wc -l)
dups=$(($(grep -c '^app ' "$tmp/got") - $(wc -l <"$tmp/got.app")))
echo "app lines written: $(wc -l <"$tmp/want"), lost: $lost, duplicates: $dups"
[ "$lost" = 0 ] || fail "$lost lines lost"
[ -z "$(comm -13 "$tmp/want" "$tmp/got.app")" ] || fail "lines never written arrived"
# big.log: a prefix arrived, the rest (exactly the bytes skipped) never.
grep '^big ' "$tmp/got" | sort -u >"$tmp/got.big"
nbig=$(wc -l <"$tmp/got.big")
head -n "$nbig" "$tmp/logs/big.log" | cmp -s - "$tmp/got.big" ||
    fail "the big.log lines that arrived are not its first $nbig"
rest=$(sed -n "$((nbig + 1)),30000p" "$tmp/logs/big.log" | wc -c)
[ "$rest" = "$skipped" ] ||
    fail "$((30000 - nbig)) big.log lines ($rest bytes) missing, $skipped skipped"
echo "ok: resume: every line arrived, big.log's first $nbig lines and none of the skipped"

# The files listing: identity (dev:ino), offset, size, state, last read.
expect 0 files
ident=$(stat -c '%d:%i' "$tmp/logs/app.log")
grep -q "^    $tmp/logs/app.log .* $ident  .* ago  *tailing$" "$tmp/out" ||
    fail "files: $(cat "$tmp/out")"
# Offsets are published once the records before them are durable.
files_j() {
	ctl -j files >"$tmp/out" 2>"$tmp/err" && jq -e --arg p \
	    "$tmp/logs/app.log" --arg i "$ident" '.flows[0].files[] |
	    select(.path == $p) | .identity == $i and .lastRead > 0 and
	    .state == "open" and .offset == .size' "$tmp/out" >/dev/null
}
wait_for 20 files_j || fail "files -j: $(cat "$tmp/out")"
echo "ok: files lists identity and last read"

# A pause does not outlive a restart.
expect 0 -j pause
[ "$(jq '.flows[0].paused' "$tmp/out")" = true ] || fail "pause -j: $(cat "$tmp/out")"
stop_sluiced
start_sluiced "$tmp/c.yaml"
wait_for 20 eval 'ctl status >/dev/null 2>&1' || fail "sluiced did not restart"
[ "$(st | jq '.flows[0].paused')" = false ] || fail "a pause outlived a restart"
echo "ok: a restart is not paused"

# A restarted flow (its config changed) stays paused; flush with
# maxBufferAgeMillis 60000 sends at once.
expect 0 pause web
config 60000 >"$tmp/c.yaml"
expect 0 -j reload
[ "$(jq -r '.restarted[0]' "$tmp/out")" = web ] || fail "web not restarted: $(cat "$tmp/out")"
[ "$(st | jq '.flows[0].paused')" = true ] || fail "a reload resumed a restarted flow"
expect 0 resume web
before=$(st | jq '.flows[0].recordsSpooled')
printf 'flush-%d\n' 1 2 3 4 5 >>"$tmp/logs/app.log"
wait_for 20 eval '[ "$(st | jq ".flows[0].recordsSpooled")" -ge $((before + 5)) ]' ||
    fail "flush lines not spooled"
[ "$(received | grep -c '^flush-')" = 0 ] || fail "sent before maxBufferAgeMillis: the test proves nothing"
expect 0 flush web
grep -q '^flow web: 1 request started$' "$tmp/out" || fail "flush: $(cat "$tmp/out")"
# Should a record reach the spool's reader after the flush, flush again.
flushed() {
	[ "$(received | grep -c "^flush-")" -ge 5 ] && return 0
	ctl flush web >/dev/null
	return 1
}
wait_for 10 flushed || fail "flush did not send"
expect 0 -j flush
jq -e '.flows[0].name == "web" and .flows[0].requests == 0' "$tmp/out" >/dev/null ||
    fail "flush -j: $(cat "$tmp/out")"
echo "ok: flush sent at once"

# Usage and errors.
expect 64 pause web extra
expect 1 pause nosuch
grep -q 'no running flow named "nosuch"' "$tmp/err" || fail "pause nosuch: $(cat "$tmp/err")"
expect 1 resume nosuch
expect 1 flush nosuch
stop_sluiced

# Who may: as root, let nobody in through the socket's group.
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
	echo "uid checks need root and setpriv: skipped" >&2
	echo "PASS: ctl_commands (without the uid checks)"
	exit 0
fi
group=nogroup
getent group "$group" >/dev/null || group=nobody
chmod 755 "$tmp"
config 300 "controlSocketGroup: $group" >"$tmp/c.yaml"
start_sluiced "$tmp/c.yaml"
wait_for 20 test -S "$tmp/sluice.sock" || fail "no socket"
as_nobody() {
	setpriv --reuid=nobody --regid="$group" --clear-groups "$SLUICECTL" \
	    -s "$tmp/sluice.sock" "$@"
}
for cmd in "pause" "resume web" "flush" "files skip web --all"; do
	rc=0
	# shellcheck disable=SC2086
	as_nobody $cmd >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" = 1 ] && grep -q "permission denied: \"${cmd%% *}\" needs root\|permission denied: \"skip\" needs root" "$tmp/err" ||
	    fail "nobody was not refused $cmd: $rc $(cat "$tmp/err")"
done
as_nobody files >"$tmp/out" 2>"$tmp/err" || fail "nobody cannot list files: $(cat "$tmp/err")"
[ "$(st | jq '.flows[0].paused')" = false ] || fail "nobody paused the flow"
stop_sluiced
echo "ok: refused for a uid neither root nor the daemon's"
echo "PASS: ctl_commands"
