#!/usr/bin/env bash
# At SIGTERM, a deleted file that sluiced still holds open is read to its
# end first, within shutdownTimeoutMillis (issue 8): its bytes cannot be
# found again once the descriptor closes.  The stream is missing, so the
# spool (1 MiB) fills and reading pauses with most of a 3 MiB file unread;
# the file is deleted, then sluiced is told to stop.
#
# 1. The stream appears just after the SIGTERM: the spool drains while the
#    deleted file is read into it, and after a restart every line arrives.
# 2. The stream stays missing and shutdownTimeoutMillis is 1 s: the drain
#    cannot finish.  What it could not read is logged as lost, and is
#    exactly what never arrives after a restart.
. "$(dirname "$0")/lib.sh"

echo "notfound=1" >"$tmp/faults"
start_fakeaws -o "$tmp/received.b64" -c "$tmp/faults"

# config NAME: a flow reading $tmp/NAME/app.log, state in $tmp/NAME.
config() {
	mkdir -p "$tmp/$1"
	config_head | sed "s|^stateDirectory: .*|stateDirectory: $tmp/$1/state|"
	cat <<YAML
spool.maxBytes: 1MiB
shutdownTimeoutMillis: $2
flows:
  - filePattern: $tmp/$1/app.log
    kinesisStream: $1
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    retryInitialBackoffMillis: 50
    retryMaxBackoffMillis: 200
YAML
}
faults() {
	echo "notfound=$1" >"$tmp/faults.new" && mv "$tmp/faults.new" "$tmp/faults"
}
received() { decode_records "$tmp/received.b64" 2>/dev/null; }

# run NAME TIMEOUT_MS STREAM_AFTER_SIGTERM(0|1): up to the stop.
run() {
	local name=$1 size
	config "$name" "$2" >"$tmp/$name.yaml"
	awk -v g="$name" 'BEGIN {
		pad = sprintf("%60s", ""); gsub(/ /, "p", pad)
		for (i = 0; i < 30000; i++)
			printf "%s id=%08d %s\n", g, i, pad
	}' >"$tmp/$name/app.log"
	cp "$tmp/$name/app.log" "$tmp/$name.want"
	size=$(stat -c %s "$tmp/$name/app.log")
	faults 1
	start_sluiced "$tmp/$name.yaml"
	wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not start"
	wait_for 30 reading_paused || fail "$name: reading did not pause"
	[ "$(flow_stat bytesRead)" -lt $((size / 2)) ] ||
	    fail "$name: the spool did not fill"
	rm "$tmp/$name/app.log"
	kill -TERM "$sluiced_pid"
	[ "$3" = 0 ] || faults 0
	wait_for 20 eval '! kill -0 "$sluiced_pid" 2>/dev/null' ||
	    fail "$name: sluiced did not stop"
	wait "$sluiced_pid" || fail "$name: sluiced exited non-zero"
	echo "--- $name: the stop"
	grep "deleted" "$tmp/sluiced.log" | tail -n 3 || true
	faults 0
	start_sluiced "$tmp/$name.yaml"
}

# have NAME N: N distinct lines of NAME arrived.
have() { [ "$(received | grep "^$1 " | sort -u | wc -l)" -ge "$2" ]; }

# 1. Read to its end at the stop.
: >"$tmp/sluiced.log"
run drained 10000 1
wait_for 60 have drained 30000 || true
stop_sluiced
received | grep '^drained ' >"$tmp/got"
missing=$(comm -23 <(sort "$tmp/drained.want") <(sort -u "$tmp/got") | wc -l)
echo "drained: lines written: 30000, records received: $(wc -l <"$tmp/got")," \
    "duplicates: $(($(wc -l <"$tmp/got") - $(sort -u "$tmp/got" | wc -l)))," \
    "missing: $missing"
[ "$missing" -eq 0 ] || fail "drained: $missing lines lost"
grep -q "file=$tmp/drained/app.log: deleted, read to its end before the stop" \
    "$tmp/sluiced.log" || fail "drained: the drain was not logged"

# 2. The drain cannot finish within shutdownTimeoutMillis.
mv "$tmp/sluiced.log" "$tmp/drained.out"
run bounded 1000 0
lost=$(grep "file=$tmp/bounded/app.log: deleted, and not read to its end" \
    "$tmp/sluiced.log" | sed -n 's/.*: \([0-9]*\) bytes lost$/\1/p')
[ -n "$lost" ] || fail "bounded: the lost bytes were not logged"
# What the spool held at the stop arrives; then nothing more comes.
settled() {
	local a b
	a=$(received | wc -l)
	sleep 1
	b=$(received | wc -l)
	[ "$a" -gt 0 ] && [ "$a" = "$b" ]
}
wait_for 60 settled || fail "bounded: delivery did not settle"
stop_sluiced
received | grep '^bounded ' | sort -u >"$tmp/got"
gone=$(comm -23 <(sort "$tmp/bounded.want") "$tmp/got" | wc -c)
echo "bounded: logged lost: $lost bytes; never arrived: $gone bytes"
[ "$lost" -gt 0 ] || fail "bounded: the drain finished: nothing to test"
[ "$lost" -eq "$gone" ] ||
    fail "bounded: $lost bytes logged lost, $gone bytes never arrived"
grep -q "file=$tmp/bounded/app.log: gone" "$tmp/sluiced.log" &&
    fail "bounded: the lost bytes were counted again at the restart"
echo "PASS: shutdown_drain"
