#!/usr/bin/env bash
# Over-long records in the daemon.  A flow without converters cuts a long
# line to the record limit as it reads it; a flow with converters converts
# the whole line and cuts what the converter wrote, and a line longer than
# the 5 MiB read buffer is a runaway record, cut there first.  The records
# that reach the endpoint are cut to 1,048,544 bytes (1 MiB less the
# longest partition key) ending in the terminator, or to what
# maxRecordSizeBytes leaves, and sluicectl status counts each cut once.
. "$(dirname "$0")/lib.sh"

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs"
{
	config_head
	cat <<YAML
flows:
  - name: plain
    filePattern: $tmp/logs/plain.log
    kinesisStream: plain
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
  - name: conv
    filePattern: $tmp/logs/conv.log
    kinesisStream: conv
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    dataProcessingOptions:
      - optionName: ADDBRACKETS
  - name: small
    filePattern: $tmp/logs/small.log
    kinesisStream: small
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    maxRecordSizeBytes: 10000
  - name: smallconv
    filePattern: $tmp/logs/smallconv.log
    kinesisStream: smallconv
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    maxRecordSizeBytes: 10000
    dataProcessingOptions:
      - optionName: ADDBRACKETS
YAML
} >"$tmp/sluice.yaml"
chars() { head -c "$1" /dev/zero | tr '\0' "$2"; }
{ chars 1200000 p; printf '\nplain-short\n'; } >"$tmp/logs/plain.log"
{
	chars 1200000 c
	printf '\n'
	chars 6291456 r
	printf '\nconv-short\n'
} >"$tmp/logs/conv.log"
# maxRecordSizeBytes 10000 leaves 9968 bytes: a line of that is whole.
{ chars 20000 s; printf '\n'; chars 9967 t; printf '\n'; } \
    >"$tmp/logs/small.log"
{ chars 20000 u; printf '\nv\n'; } >"$tmp/logs/smallconv.log"

# stat FLOW KEY: a flow's counter from sluicectl status -j (0 if none yet).
stat() {
	"$SLUICECTL" -s "$tmp/sluice.sock" status -j 2>/dev/null |
	    perl -MJSON::PP -e 'my $j = eval { decode_json(join "", <STDIN>) };
		for my $f (@{ $j ? $j->{flows} : [] }) {
			print $f->{$ARGV[1]} // 0 if $f->{name} eq $ARGV[0];
		}' "$1" "$2"
}
done_sending() {
	[ "$(stat plain recordsSent)" = 2 ] &&
	    [ "$(stat conv recordsSent)" = 3 ] &&
	    [ "$(stat small recordsSent)" = 2 ] &&
	    [ "$(stat smallconv recordsSent)" = 2 ]
}
start_sluiced "$tmp/sluice.yaml"
wait_for 30 done_sending || fail "not every record was sent"
for want in "plain recordsTruncated 1" "plain recordsLargerThanBuffer 0" \
    "conv recordsTruncated 2" "conv recordsLargerThanBuffer 1" \
    "small recordsTruncated 1" "smallconv recordsTruncated 1"; do
	set -- $want
	got=$(stat "$1" "$2")
	[ "$got" = "$3" ] || fail "$1 $2 is $got, want $3"
done
grep -q "flow=conv: 1 record longer than 5242880 bytes (the read buffer)" \
    "$tmp/sluiced.log" || fail "no runaway warning: $(cat "$tmp/sluiced.log")"
stop_sluiced

# Each record as its length, first byte and last byte.
perl -MMIME::Base64 -ne '$d = decode_base64($_);
	printf "%d %s %s\n", length $d, unpack("H2", $d),
	    unpack("H2", substr($d, -1))' "$tmp/received.b64" |
    LC_ALL=C sort >"$tmp/got"
LC_ALL=C sort >"$tmp/want" <<'WANT'
1048544 70 0a
1048544 7b 0a
1048544 7b 0a
12 70 0a
13 7b 7d
4 7b 7d
9968 73 0a
9968 74 0a
9968 7b 0a
WANT
diff "$tmp/want" "$tmp/got" || fail "records at the endpoint differ"
# The cut records (and the whole long one) hold the right bytes.
perl -MMIME::Base64 -ne '$d = decode_base64($_); next if length $d < 1000;
	grep { $d eq $_ } ("p" x 1048543 . "\n", "{" . "c" x 1048542 . "\n",
	    "{" . "r" x 1048542 . "\n", "s" x 9967 . "\n", "t" x 9967 . "\n",
	    "{" . "u" x 9966 . "\n") or die "bad record\n";
	print substr($d, 0, 2), "\n"' \
    "$tmp/received.b64" | LC_ALL=C sort >"$tmp/heads" ||
    fail "a cut record is wrong"
printf 'pp\nss\ntt\n{c\n{r\n{u\n' | diff - "$tmp/heads" ||
    fail "cut records: $(cat "$tmp/heads")"
echo "PASS: truncate"
