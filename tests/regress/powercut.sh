#!/usr/bin/env bash
# Power cut (issue 9, "Done when"): with spool.fsync: always, damage in the
# spool costs the damaged records and nothing else.  fakeaws refuses every
# request (notfound) while ROUNDS batches of lines are written, one batch
# per run of sluiced (each start begins a new segment, so the records lie
# in ROUNDS segments, all after the cursor); the last run is ended by
# SIGKILL once its records are durable.  Then, for each of SEEDS seeds,
# on a fresh copy of that state: the last segment is truncated at a random
# byte, and a random byte of a random whole frame is flipped.  A small perl
# reader of the format in agent/spool.h, here, decodes the frames to know
# which records are damaged: the one whose frame holds the flipped byte,
# and those the truncation cut off.
#
# The log file is deleted before the restart, so the spool alone holds the
# lines: a record cut from the spool cannot come back from the file, and
# the expectation is exact without reasoning about the registry's offsets
# (which would put cut lines back; restart_rotate.sh and crash.sh cover
# re-reading).  sluiced then starts with fakeaws accepting, and the test
# asserts that exactly the damaged records are missing and every other
# line arrived, byte for byte (duplicates are printed); that the skipped
# bytes (the flipped frame, and the cut part of a frame) are what status
# shows as spoolCorruptBytes; and that the log names the segment and the
# offset of the damage.  POWERCUT_SEEDS, POWERCUT_ROUNDS and
# POWERCUT_LINES scale it (powercut_long.sh); POWERCUT_SEED repeats a run.
. "$(dirname "$0")/lib.sh"

SEEDS=${POWERCUT_SEEDS:-8}
ROUNDS=${POWERCUT_ROUNDS:-3}
LINES=${POWERCUT_LINES:-2000}
SEED=${POWERCUT_SEED:-$$}
command -v perl >/dev/null || fail "perl is needed (the frame reader)"
echo "seeds: $SEEDS from $SEED, rounds: $ROUNDS, lines a round: $LINES"

flowdir=$tmp/state/flows/pc
echo "notfound=1" >"$tmp/faults"
start_fakeaws -o "$tmp/prep.b64" -c "$tmp/faults"
config() {
	{
		config_head
		cat <<YAML
spool.fsync: always
flows:
  - filePattern: $tmp/logs/app.log
    kinesisStream: pc
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 200
    retryInitialBackoffMillis: 50
    retryMaxBackoffMillis: 200
YAML
	} >"$tmp/sluice.yaml"
}
config
mkdir -p "$tmp/logs"
flow_stat() {
	sluicectl_st -s "$tmp/sluice.sock" status -j 2>/dev/null |
	    perl -ne "print \$1 if /\"$1\":(\\d+)/" || true
}
# The durable registry (registry.h: an entry's fifth field is its
# offset) has reached the end of the file: every record read is synced.
durable_to() {
	[ -f "$flowdir/registry.slot" ] &&
	    perl -ne 'BEGIN { $want = shift } $ok = 1
		if /^\d+ \d+ [0-9a-f]{16} \d+ (\d+) / && $1 == $want;
		END { exit !$ok }' "$1" "$flowdir/registry.slot"
}

# Lines of varied lengths, unique ids.
for ((r = 1; r <= ROUNDS; r++)); do
	rm -f "$tmp/sluice.sock"
	start_sluiced "$tmp/sluice.yaml"
	wait_for 10 test -S "$tmp/sluice.sock" || fail "sluiced did not start"
	awk -v r="$r" -v n="$LINES" -v s="$SEED" 'BEGIN { srand(s + r)
		for (i = 0; i < n; i++) {
			pad = sprintf("%*s", int(rand() * 120), "")
			gsub(/ /, "x", pad)
			printf "pc r=%d id=%08d %s\n", r, i, pad
		} }' >>"$tmp/logs/app.log"
	size=$(stat -c %s "$tmp/logs/app.log")
	wait_for 30 durable_to "$size" ||
	    fail "round $r: the registry did not reach $size bytes"
	[ "$(flow_stat spoolRecords)" = $((r * LINES)) ] ||
	    fail "round $r: $(flow_stat spoolRecords) records spooled"
	if ((r < ROUNDS)); then
		stop_sluiced
	else
		kill -KILL "$sluiced_pid"
		wait "$sluiced_pid" 2>/dev/null || true
	fi
done
sort "$tmp/logs/app.log" >"$tmp/all"
total=$(wc -l <"$tmp/all")
rm "$tmp/logs/app.log"
nseg=$(ls "$flowdir/spool/" | grep -c '\.seg$')
[ "$nseg" -ge "$ROUNDS" ] || fail "$nseg segments for $ROUNDS runs"
cp -a "$tmp/state" "$tmp/state.pristine"
kill "$fake_pid"
wait "$fake_pid" 2>/dev/null || true

# damage SEED: truncates the last segment with records and flips a byte of
# a whole frame.  Prints the expected skipped bytes, the flipped frame's
# segment, offset and end, and the cut frame's segment and offset (or "-"
# when the cut fell between frames); writes the damaged
# records' data, one a line, to $tmp/damaged.
damage() {
	perl -e '
	use strict; use warnings;
	my ($seed, $dir, $out) = @ARGV;
	srand($seed);
	opendir(my $d, $dir) or die "$dir: $!";
	my @segs = sort grep { /^[0-9a-f]{16}\.seg$/ } readdir($d);
	my (@frames, %size);
	for my $s (@segs) {
		open(my $f, "<:raw", "$dir/$s") or die "$s: $!";
		local $/; my $b = <$f>; $size{$s} = length($b);
		die "$s: bad header" unless substr($b, 0, 8) eq "SLUICESG"
		    && unpack("V", substr($b, 8, 4)) == 2;
		my $off = 16;
		while ($off < length($b)) {
			my ($sync, $len) = unpack("VV", substr($b, $off, 8));
			die "$s: no frame at $off" unless $sync == 0x5ce01cf1 &&
			    $off + 28 + $len <= length($b);
			push @frames, { seg => $s, off => $off,
			    size => 28 + $len,
			    data => substr($b, $off + 28, $len) };
			$off += 28 + $len;
		}
	}
	my ($last) = reverse grep { $size{$_} > 16 } @segs;
	die "no records" unless defined $last;
	# The cut: anywhere after the header of the last segment.
	my $cut = 16 + int(rand($size{$last} - 16));
	my (@lost, @whole, $cutfr);
	for my $fr (@frames) {
		if ($fr->{seg} eq $last && $fr->{off} + $fr->{size} > $cut) {
			push @lost, $fr;
			$cutfr = $fr if $fr->{off} < $cut;
		} else {
			push @whole, $fr;
		}
	}
	die "no whole frame left" unless @whole;
	my $flip = $whole[int(rand(@whole))];
	my $at = $flip->{off} + int(rand($flip->{size}));
	my $x = 1 + int(rand(255));
	open(my $f, "+<:raw", "$dir/$flip->{seg}") or die "$!";
	sysseek($f, $at, 0); sysread($f, my $c, 1) == 1 or die "$!";
	sysseek($f, $at, 0);
	syswrite($f, chr(ord($c) ^ $x)) == 1 or die "$!";
	close($f);
	truncate("$dir/$last", $cut) or die "$!";
	push @lost, $flip;
	open(my $o, ">:raw", $out) or die "$!";
	for my $fr (@lost) {
		(my $l = $fr->{data}) =~ s/\n\z//;
		print $o "$l\n";
	}
	close($o);
	my $skipped = $flip->{size} + ($cutfr ? $cut - $cutfr->{off} : 0);
	printf "%d %s %d %d %s %s\n", $skipped, $flip->{seg}, $flip->{off},
	    $flip->{off} + $flip->{size}, $cutfr ? $last : "-",
	    $cutfr ? $cutfr->{off} : "-";
	print STDERR "seed $seed: cut $last at $cut of $size{$last}, " .
	    "flipped byte $at (^$x) of the frame at $flip->{seg}:" .
	    "$flip->{off} ($flip->{size} bytes), " . scalar(@lost) .
	    " records damaged\n";
	' "$1" "$flowdir/spool" "$tmp/damaged"
}

received() { decode_records "$tmp/received.b64" 2>/dev/null; }
for ((i = 0; i < SEEDS; i++)); do
	seed=$((SEED + i))
	rm -rf "$tmp/state"
	cp -a "$tmp/state.pristine" "$tmp/state"
	read -r skipped fseg foff fend cseg coff < <(damage "$seed") ||
	    fail "seed $seed: damaging the spool failed"
	sort -u "$tmp/damaged" >"$tmp/damaged.s"
	ndamaged=$(wc -l <"$tmp/damaged.s")
	comm -23 "$tmp/all" "$tmp/damaged.s" >"$tmp/want"
	nwant=$(wc -l <"$tmp/want")

	echo "notfound=0" >"$tmp/faults"
	rm -f "$tmp/fake.port" "$tmp/received.b64" "$tmp/sluice.sock"
	start_fakeaws -o "$tmp/received.b64" -c "$tmp/faults"
	config
	logstart=$(($(wc -l <"$tmp/sluiced.log") + 1))
	start_sluiced "$tmp/sluice.yaml"
	wait_for 10 test -S "$tmp/sluice.sock" ||
	    fail "seed $seed: sluiced did not start"
	have_all() {
		[ -f "$tmp/received.b64" ] &&
		    [ "$(received | sort -u | wc -l)" -ge "$nwant" ]
	}
	wait_for 60 have_all || true
	corrupt=$(flow_stat spoolCorruptBytes)
	stop_sluiced
	kill "$fake_pid"
	wait "$fake_pid" 2>/dev/null || true

	received >"$tmp/got"
	sort -u "$tmp/got" >"$tmp/got.s"
	missing=$(comm -23 "$tmp/want" "$tmp/got.s" | wc -l)
	extra=$(comm -13 "$tmp/want" "$tmp/got.s" | wc -l)
	dups=$(($(wc -l <"$tmp/got") - $(wc -l <"$tmp/got.s")))
	echo "seed $seed: lines: $total, damaged: $ndamaged, received:" \
	    "$(wc -l <"$tmp/got"), duplicates: $dups, missing besides the" \
	    "damaged: $missing, unexpected: $extra; spoolCorruptBytes:" \
	    "${corrupt:-?} (expected $skipped)"
	[ "$missing" -eq 0 ] ||
	    fail "seed $seed: $missing undamaged records lost"
	[ "$extra" -eq 0 ] || fail "seed $seed: $extra records that were" \
	    "damaged or never written arrived"
	[ "${corrupt:-0}" -eq "$skipped" ] ||
	    fail "seed $seed: spoolCorruptBytes ${corrupt:-?}, $skipped" \
	    "bytes damaged"
	tail -n +"$logstart" "$tmp/sluiced.log" >"$tmp/run.log"
	grep -q "spool $flowdir/spool/$fseg: .* at offset $foff: " \
	    "$tmp/run.log" ||
	    fail "seed $seed: the damage at $fseg:$foff was not logged"
	# A cut right after the flipped frame is one damage, from its start.
	if [ "$cseg" != - ] && [ "$cseg:$coff" != "$fseg:$fend" ]; then
		grep -q "spool $flowdir/spool/$cseg: .* at offset $coff: cut" \
		    "$tmp/run.log" ||
		    fail "seed $seed: the cut at $cseg:$coff was not logged"
	fi
done
echo "PASS: powercut"
