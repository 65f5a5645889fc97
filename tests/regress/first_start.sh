#!/usr/bin/env bash
# initialPosition END_OF_FILE on a flow's first start, with more files than
# maxOpenFiles (issue 8, case 1): the files of the first scan start at
# their end even if sluiced stops (here, is killed) before a descriptor was
# free for them.  They get their registry entries at the first scan, so the
# next start, which is no longer the first, resumes them there and sends
# only what was written since: every new line, and no line written before
# the first start.
. "$(dirname "$0")/lib.sh"

N=5
start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/d"
for ((i = 0; i < N; i++)); do
	printf 'pre f%d line %d\n' "$i" 1 "$i" 2 >"$tmp/d/f$i.log"
done
{
	config_head
	printf '%s\n' "maxOpenFiles: 1" "flows:" \
	    "  - filePattern: $tmp/d/*.log" "    kinesisStream: s" \
	    "    maxBufferAgeMillis: 1000"
} >"$tmp/c.yaml"

# The registry exists once the first scan is done; nothing is read, so no
# checkpoint saves it again before the kill.
start_sluiced "$tmp/c.yaml"
wait_for 10 grep -q "tailing from offset" "$tmp/sluiced.log" ||
    fail "sluiced did not start"
kill -KILL "$sluiced_pid"
wait "$sluiced_pid" 2>/dev/null || true

for ((i = 0; i < N; i++)); do
	printf 'new f%d id=%08d\n' "$i" "$i" >>"$tmp/d/f$i.log"
done
start_sluiced "$tmp/c.yaml"
got() {
	[ -f "$tmp/received.b64" ] &&
	    [ "$(decode_records "$tmp/received.b64" | grep -ac '^new ')" -ge "$N" ]
}
wait_for 20 got || true
stop_sluiced
decode_records "$tmp/received.b64" >"$tmp/got" 2>/dev/null || : >"$tmp/got"
new=$(grep -ac '^new ' "$tmp/got" || true)
uniq=$(grep -a '^new ' "$tmp/got" | sort -u | wc -l)
pre=$(grep -ac '^pre ' "$tmp/got" || true)
echo "lines written since the first start: $N, received: $new," \
    "duplicates: $((new - uniq)), lines from before the first start: $pre"
[ "$uniq" -eq "$N" ] || fail "$((N - uniq)) new lines lost"
[ "$pre" -eq 0 ] || fail "$pre lines from before the first start sent"
echo "PASS: first_start"
