#!/usr/bin/env bash
# sluicectl import-agent-checkpoints (issue 11, migration from the agent):
# a Kinesis Agent checkpoint database, made with the sqlite3 CLI and the
# agent's own schema (SQLiteFileCheckpointStore.java), says how far the
# agent delivered each file.  After the import, sluiced sends exactly the
# lines after each offset: none before it (no re-ship) and every one after
# it (no skip).  It covers a row whose file was rotated since (looked up by
# its fileId), an older rotation the agent had finished (marked read), a
# newer file (read whole), a path with a space, a Firehose flow, a flow
# with no rows (initialPosition still applies), bad rows (each reported),
# the refusal while sluiced runs, and a database left unmodified.
. "$(dirname "$0")/lib.sh"

command -v sqlite3 >/dev/null || fail "sqlite3 (the CLI) is needed"

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/d" "$tmp/e" "$tmp/f"
d=$tmp/d e=$tmp/e

# lines PREFIX N FILE: appends N unique lines "PREFIX NN".
lines() {
	local i
	for ((i = 0; i < $2; i++)); do
		printf '%s %02d\n' "$1" "$i"
	done >>"$3"
}
size() { stat -c %s "$1"; }
# The agent's fileId: Java's UnixFileKey, "(dev=HEX,ino=DECIMAL)".
file_id() {
	printf '(dev=%x,ino=%d)' "$(stat -c %d "$1")" "$(stat -c %i "$1")"
}

# Flow A: the agent read app.log up to the middle, then logrotate renamed
# it app.log.1 and created a new app.log; app.log.2 is an older rotation
# the agent had finished.
lines "old a2" 5 "$d/app.log.2"
lines "sent a1" 10 "$d/app.log"
off_a=$(size "$d/app.log")
lines "unsent a1" 10 "$d/app.log"
id_a=$(file_id "$d/app.log")
mv "$d/app.log" "$d/app.log.1"
lines "unsent a0" 5 "$d/app.log"
touch -d '-3 hours' "$d/app.log.2"
touch -d '-2 hours' "$d/app.log.1"
touch -d '-1 hours' "$d/app.log"
# Flow B (Firehose): a path with a space, read to the middle; a file
# shorter than its offset now (truncated: read whole); a gone file.
lines "sent b" 4 "$e/x y.log"
off_b=$(size "$e/x y.log")
lines "unsent b" 6 "$e/x y.log"
lines "unsent short" 2 "$e/short.log"
touch -d '-1 hours' "$e/x y.log"
# Flow G, a pattern of one name: its file was rotated out of the pattern
# since the agent's checkpoint; sluiced finds it by identity and reads the
# rest, then the new file whole.
mkdir -p "$tmp/g"
lines "sent g" 3 "$tmp/g/one.log"
off_g=$(size "$tmp/g/one.log")
lines "unsent g1" 4 "$tmp/g/one.log"
id_g=$(file_id "$tmp/g/one.log")
mv "$tmp/g/one.log" "$tmp/g/one.log.1"
lines "unsent g0" 2 "$tmp/g/one.log"
touch -d '-1 hours' "$tmp/g/one.log.1"
# Flow C: no row; initialPosition END_OF_FILE still applies to it.
lines "pre c" 3 "$tmp/f/c.log"

db=$tmp/checkpoints
# row FLOW PATH FILEID OFFSET LASTUPDATED: an insert as the agent's.
row() {
	printf "insert into FILE_CHECKPOINTS values('%s', '%s', '%s', 0, 0, " \
	    "$1" "$2" "$3"
	printf "%s, '2026-01-01 %s');\n" "$4" "$5"
}
{
	# The agent's statement, as SQLiteFileCheckpointStore.connect runs it.
	echo 'create table if not exists FILE_CHECKPOINTS(' \
	    '       flow text,       path text,       fileId text,' \
	    '       lastModifiedTime bigint,       size bigint,' \
	    '       offset bigint,       lastUpdated datetime,' \
	    '       primary key (flow, path));'
	row "kinesis:s:$d/app.log*" "$d/app.log" "$id_a" "$off_a" 10:00:00.000
	row "kinesis:s2:$tmp/g/one.log" "$tmp/g/one.log" "$id_g" "$off_g" \
	    10:00:02.000
	row "fh:del:$e/*.log" "$e/x y.log" "$(file_id "$e/x y.log")" \
	    "$off_b" 10:00:01.000
	row "fh:del:$e/*.log" "$e/short.log" "$(file_id "$e/short.log")" \
	    100000 09:00:00.000
	row "fh:del:$e/*.log" "$e/gone.log" "(dev=801,ino=1)" 10 09:00:00.000
	row "kinesis:other:/var/log/x.log" /var/log/x.log "(dev=801,ino=2)" \
	    10 09:00:00.000
	row "kinesis:s:$d/app.log*" "$d/bad" "inode 7" 10 09:00:00.000
} | sqlite3 "$db"
sum_before=$(sha256sum <"$db")

{
	config_head
	printf '%s\n' "firehose.endpoint: http://127.0.0.1:$fake_port" \
	    "firehose.region: us-east-1" "flows:" \
	    "  - filePattern: $d/app.log*" "    kinesisStream: s" \
	    "    maxBufferAgeMillis: 100" \
	    "  - filePattern: $e//*.log" "    deliveryStream: del" \
	    "    maxBufferAgeMillis: 100" \
	    "  - filePattern: $tmp/g/one.log" "    kinesisStream: s2" \
	    "    maxBufferAgeMillis: 100" \
	    "  - filePattern: $tmp/f/*.log" "    kinesisStream: s" \
	    "    name: c" "    maxBufferAgeMillis: 100"
} >"$tmp/c.yaml"
chmod 600 "$tmp/c.yaml"

# Usage errors.
rc=0; "$SLUICECTL" -c "$tmp/c.yaml" import-agent-checkpoints >/dev/null 2>&1 ||
    rc=$?
[ "$rc" = 64 ] || fail "no file: exit $rc, not 64"
rc=0; "$SLUICECTL" -c "$tmp/c.yaml" import-agent-checkpoints "$tmp/nosuch" \
    >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] || fail "missing database: exit $rc, not 2"
grep -q nosuch "$tmp/err" || fail "missing database not named"

# The import: rows skipped, so exit 1; each reported with its reason.
rc=0
"$SLUICECTL" -c "$tmp/c.yaml" import-agent-checkpoints -j "$db" \
    >"$tmp/import.json" 2>"$tmp/import.err" || rc=$?
[ "$rc" = 1 ] || fail "import: exit $rc, not 1 (rows skipped)"
cat "$tmp/import.json"
perl -MJSON::PP -e '
	local $/; my $r = decode_json(<STDIN>);
	my %want = (imported => 3, unchanged => 0, skipped => 4,
	    markedRead => 1, version => 1);
	for (keys %want) {
		die "$_: $r->{$_}, want $want{$_}\n" if $r->{$_} != $want{$_};
	}
	my %why;
	for (@{$r->{rows}}) {
		my $p = $_->{path}; $p =~ s{.*/}{};
		$why{$p} = "$_->{result}: " . ($_->{reason} // "");
	}
	die "short.log: $why{q(short.log)}\n" unless
	    $why{"short.log"} =~ /^skipped: truncated/;
	die "gone.log: $why{q(gone.log)}\n" unless
	    $why{"gone.log"} =~ /^skipped: gone/;
	die "x.log: $why{q(x.log)}\n" unless $why{"x.log"} =~ /no flow/;
	die "bad: $why{bad}\n" unless $why{bad} =~ /^skipped: bad row/;
	my ($b) = grep { $_->{path} =~ m{/bad$} } @{$r->{rows}};
	die "bad row flow: $b->{flow}\n" unless $b->{flow} eq "s";
	die "app.log: $why{q(app.log)}\n" unless
	    $why{"app.log"} =~ /^imported/;
	my ($a) = grep { $_->{path} =~ m{/app.log$} } @{$r->{rows}};
	die "app.log found at $a->{file}\n" unless $a->{file} =~ m{/app.log.1$};
	die "marked: $r->{markedReadFiles}[0]{file}\n" unless
	    $r->{markedReadFiles}[0]{file} =~ m{/app.log.2$};
' <"$tmp/import.json" || fail "import report"
"$SLUICECTL" -c "$tmp/c.yaml" import-agent-checkpoints "$db" \
    >"$tmp/import.txt" || true
cat "$tmp/import.txt"
grep -q '^0 imported, 3 unchanged, 4 skipped' "$tmp/import.txt" ||
    fail "a second import is not a no-op"

[ "$(sha256sum <"$db")" = "$sum_before" ] || fail "the agent's database changed"
[ ! -e "$db-journal" ] || fail "a journal was created beside the database"

start_sluiced "$tmp/c.yaml"
wait_for 20 grep -q "flow=c file=.*tailing from offset" "$tmp/sluiced.log" ||
    fail "sluiced did not start flow c"
# A running daemon's registry is never written.
rc=0; "$SLUICECTL" -c "$tmp/c.yaml" import-agent-checkpoints "$db" \
    >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] || fail "import while sluiced runs: exit $rc, not 2"
grep -q "sluiced is running" "$tmp/err" ||
    fail "no reason given: $(cat "$tmp/err")"

lines "live a0" 3 "$d/app.log"
lines "live c" 3 "$tmp/f/c.log"

# Exactly the lines after each offset, and what was written since.
lines "unsent a1" 10 "$tmp/want.u"
lines "unsent a0" 5 "$tmp/want.u"
lines "unsent b" 6 "$tmp/want.u"
lines "unsent short" 2 "$tmp/want.u"
lines "unsent g1" 4 "$tmp/want.u"
lines "unsent g0" 2 "$tmp/want.u"
lines "live a0" 3 "$tmp/want.u"
lines "live c" 3 "$tmp/want.u"
sort "$tmp/want.u" >"$tmp/want"
want=$(wc -l <"$tmp/want")
got() {
	[ -f "$tmp/received.b64" ] &&
	    [ "$(decode_records "$tmp/received.b64" | sort -u |
	    comm -12 - "$tmp/want" | wc -l)" -ge "$want" ]
}
wait_for 30 got || true
stop_sluiced
decode_records "$tmp/received.b64" >"$tmp/got" 2>/dev/null || : >"$tmp/got"
total=$(wc -l <"$tmp/got")
sort -u "$tmp/got" >"$tmp/got.u"
lost=$(comm -23 "$tmp/want" "$tmp/got.u" | wc -l)
extra=$(comm -13 "$tmp/want" "$tmp/got.u" | wc -l)
echo "lines expected: $want, received: $total, lost: $lost," \
    "duplicates: $((total - $(wc -l <"$tmp/got.u"))), not expected: $extra"
[ "$lost" -eq 0 ] || fail "lost: $(comm -23 "$tmp/want" "$tmp/got.u" | head)"
[ "$extra" -eq 0 ] ||
    fail "not expected: $(comm -13 "$tmp/want" "$tmp/got.u" | head)"
echo "PASS: import_agent"
