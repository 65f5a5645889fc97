# Shared by the errors_*.sh tests (issue 10, "Errors, by class"): a flow
# with fast retries against fakeaws and its control file, lines with unique
# ids, and the check that every line arrived byte for byte.  Source it
# after lib.sh.

# errors_config [EXTRA FLOW KEYS...]: writes $tmp/sluice.yaml, one Kinesis
# flow "errs" on $tmp/logs/*.log.
errors_config() {
	mkdir -p "$tmp/logs"
	{
		config_head
		echo "log.statusReportingPeriodSeconds: 2"
		cat <<YAML
flows:
  - name: errs
    filePattern: $tmp/logs/*.log
    kinesisStream: errs
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
    maxBufferSizeRecords: ${ERRORS_BATCH:-100}
    retryInitialBackoffMillis: 20
    retryMaxBackoffMillis: 400
YAML
		local k
		for k in "$@"; do
			echo "    $k"
		done
	} >"$tmp/sluice.yaml"
	"$SLUICED" -n -c "$tmp/sluice.yaml" >/dev/null || fail "config rejected"
}

# errors_write FROM TO: appends lines FROM..TO-1, each with a unique id.
errors_write() {
	awk -v from="$1" -v to="$2" 'BEGIN {
		for (i = from; i < to; i++)
			printf "line id=%08d %s\n", i, substr("abcdefghijklmnopqrstuvwxyz", 1, i % 27)
	}' >>"$tmp/logs/a.log"
}

# errors_ctl LINES...: replaces fakeaws's control file atomically.
errors_ctl() {
	printf '%s\n' "$@" >"$tmp/fake.ctl.new"
	mv "$tmp/fake.ctl.new" "$tmp/fake.ctl"
}

# errors_received: the records fakeaws recorded, decoded, one per line.
errors_received() {
	if [ -f "$tmp/received.b64" ]; then
		decode_records "$tmp/received.b64"
	fi
}

# errors_have N: true once N distinct lines arrived.
errors_have() {
	[ "$(errors_received | sort -u | wc -l)" -ge "$1" ]
}

# errors_status: sluicectl's status as JSON, in $tmp/status.json.
errors_status() {
	sluicectl_st -s "$tmp/sluice.sock" -j status >"$tmp/status.json"
}

# errors_jq EXPR: evaluates a perl expression on the status's flow $f.
errors_flow() {
	perl -MJSON::PP -e '
		local $/; my $j = decode_json(<STDIN>);
		my $f = $j->{flows}[0]; my $v = eval $ARGV[0]; die $@ if $@;
		print defined $v ? $v : "";' "$1" <"$tmp/status.json"
}

# errors_check EXPECTED_FILE [ALLOW_DUPLICATES]: every line of
# EXPECTED_FILE arrived byte for byte, and nothing else; prints the
# duplicate count, which must be 0 unless ALLOW_DUPLICATES is 1.
errors_check() {
	local received unique missing extra
	errors_received >"$tmp/got"
	sort -u "$tmp/got" >"$tmp/got.uniq"
	sort "$1" >"$tmp/expected.sorted"
	received=$(wc -l <"$tmp/got")
	unique=$(wc -l <"$tmp/got.uniq")
	missing=$(comm -23 "$tmp/expected.sorted" "$tmp/got.uniq" | wc -l)
	extra=$(comm -13 "$tmp/expected.sorted" "$tmp/got.uniq" | wc -l)
	echo "lines written: $(wc -l <"$1"), received: $received," \
	    "unique: $unique, duplicates: $((received - unique))," \
	    "lost: $missing, corrupted: $extra"
	[ "$missing" -eq 0 ] || fail "$missing lines never arrived"
	[ "$extra" -eq 0 ] || fail "$extra records arrived that were never written"
	if [ "${2:-0}" != 1 ] && [ "$received" -ne "$unique" ]; then
		fail "$((received - unique)) records were sent twice"
	fi
}

# errors_deadletters FILE: the dead-letter file's entries, one per line:
# the error, a tab, the record (deadletter.h draws the format).
errors_deadletters() {
	[ -f "$1" ] || return 0
	perl -e '
		open(my $f, "<:raw", $ARGV[0]) or die "$ARGV[0]: $!";
		local $/; my $b = <$f>; my $o = 0;
		while ($o + 20 <= length $b) {
			my ($m, $t, $el, $dl) = unpack("a4 V V V", substr($b, $o, 16));
			die "bad magic at $o\n" unless $m eq "DLR1";
			my $e = substr($b, $o + 20, $el);
			my $d = substr($b, $o + 20 + $el, $dl);
			print "$e\t$d";
			$o += 20 + $el + $dl;
		}' "$1"
}
