#!/usr/bin/env bash
# A file renamed or deleted while sluiced holds it open is listed by
# `sluicectl files` under its current name, or as renamed or deleted, never
# under its old name, which the new file has (issue 8, the new-user
# walkthrough: app.log was listed twice after `mv app.log app.log.1`).
# The registry's last path is the new name too: a restart looks for the
# file there.  The rotated files stay open (rotatedFileQuietMillis) while
# the test looks:
#   1. mv app.log app.log.1 (a rotation; the directory is watched): at once
#      app.log.1 with the old inode and app.log with the new one, each
#      path once, and app.log.1 in the registry;
#   2. app.log.1 moved to a directory not watched, but beside the log's:
#      found by inode at the rescan;
#   3. moved again, out of every directory searched: "(renamed)", under
#      its last name;
#   4. a second rotation, and the rotated file deleted: "(deleted)", and
#      read to its end all the same.
# A writer appends FNAMES_RATE lines a second (20,000 by default); every
# line must arrive (lost = 0); the duplicates are printed.
. "$(dirname "$0")/lib.sh"

RATE=${FNAMES_RATE:-20000}

start_fakeaws -o "$tmp/received.b64"
mkdir -p "$tmp/logs" "$tmp/other" "$tmp/far/a/b"
{
	config_head
	printf '%s\n' "flows:" "  - filePattern: $tmp/logs/app.log" \
	    "    kinesisStream: fn" "    initialPosition: START_OF_FILE" \
	    "    maxBufferAgeMillis: 500" "    rotatedFileQuietMillis: 120000"
} >"$tmp/sluice.yaml"
start_sluiced_tailing "$tmp/sluice.yaml" "$tmp/logs/app.log"
ctl() { sluicectl_st -s "$tmp/sluice.sock" "$@"; }

start_writer "$tmp/logs/app.log" fn "$RATE"
reopened() { # the writer writes to a new app.log
	ls -l "/proc/$writer_pid/fd" 2>/dev/null |
	    grep -q " $tmp/logs/app.log\$" &&
	    [ "$(stat -c %i "$tmp/logs/app.log")" != "$1" ]
}
rotate() { # mv app.log app.log.1, and the writer reopens
	local ino
	ino=$(stat -c %i "$tmp/logs/app.log")
	mv "$tmp/logs/app.log" "$tmp/logs/app.log.1"
	kill -HUP "$writer_pid"
	wait_for 10 reopened "$ino" || fail "the writer did not reopen"
}

# files_are PATH=INO...: `sluicectl files -j` lists exactly these paths,
# each once, with these inodes.
files_are() {
	ctl files -j >"$tmp/files.json" 2>/dev/null || return 1
	perl -MJSON::PP -e '
	    local $/; my $d = decode_json(<STDIN>); my %want, %got;
	    for (@ARGV) { my ($p, $i) = /^(.*)=(\d+)$/; $want{$p} = $i; }
	    for my $f (@{$d->{flows}[0]{files}}) {
		exit 1 if exists $got{$f->{path}};
		($got{$f->{path}}) = $f->{identity} =~ /:(\d+)$/;
	    }
	    exit 1 if keys %got != keys %want;
	    for (keys %want) { exit 1 unless ($got{$_} // "") eq $want{$_}; }
	' "$@" <"$tmp/files.json"
}

# registry_path INO: the last path the registry's durable slot file holds
# for inode INO (registry.h: the newest valid slot of registry.slot).
registry_path() {
	perl -e '
	    my ($file, $ino) = @ARGV;
	    open(my $fh, "<:raw", $file) or exit 1;
	    local $/; my $d = <$fh>;
	    my $ss = unpack("V", substr($d, 24, 4)) or exit 1;
	    my ($best, $seq);
	    for my $i (0, 1) {
		my $h = substr($d, $i * $ss, 40);
		next unless length($h) == 40 && substr($h, 0, 8) eq "SLUICESL"
		    && substr($h, 12, 4) eq "REGY";
		my ($lo, $hi) = unpack("VV", substr($h, 16, 8));
		my $s = $hi * 4294967296 + $lo;
		next if defined $seq && $s < $seq;
		$seq = $s;
		$best = substr($d, $i * $ss + 40,
		    unpack("V", substr($h, 28, 4)));
	    }
	    exit 1 unless defined $best;
	    for (split /\n/, $best) {
		my @w = split / /, $_, 12;
		next unless @w == 12 && $w[1] eq $ino;
		$w[11] =~ s/%([0-9A-Fa-f]{2})/chr(hex($1))/ge;
		print $w[11], "\n";
	    }
	' "$(echo "$tmp"/state/flows/*/registry.slot)" "$1"
}
registry_has() { [ "$(registry_path "$1")" = "$2" ]; }

sleep 1
ino1=$(stat -c %i "$tmp/logs/app.log")
rotate
ino2=$(stat -c %i "$tmp/logs/app.log")
wait_for 10 files_are "$tmp/logs/app.log.1=$ino1" "$tmp/logs/app.log=$ino2" ||
    fail "1: files after mv app.log app.log.1: $(cat "$tmp/files.json")"
wait_for 10 registry_has "$ino1" "$tmp/logs/app.log.1" ||
    fail "1: the registry has $(registry_path "$ino1") for app.log.1"
echo "1: after the rotation: $(ctl files | tail -n +2 | tr -s ' ')"

# Beside the log's directory (not watched): the rescan finds it (5 s).
mv "$tmp/logs/app.log.1" "$tmp/other/app.old"
wait_for 15 files_are "$tmp/other/app.old=$ino1" "$tmp/logs/app.log=$ino2" ||
    fail "2: files after a move to other/: $(cat "$tmp/files.json")"
wait_for 10 registry_has "$ino1" "$tmp/other/app.old" ||
    fail "2: the registry has $(registry_path "$ino1") for other/app.old"

# Out of every directory searched: not found, and said so.
mv "$tmp/other/app.old" "$tmp/far/a/b/app.old"
wait_for 15 files_are "$tmp/other/app.old (renamed)=$ino1" \
    "$tmp/logs/app.log=$ino2" ||
    fail "3: files after a move out of sight: $(cat "$tmp/files.json")"

# A second rotation; the rotated file is deleted while it is held open.
rotate
ino3=$(stat -c %i "$tmp/logs/app.log")
cat "$tmp/logs/app.log.1" >"$tmp/deleted.lines"
rm "$tmp/logs/app.log.1"
wait_for 10 files_are "$tmp/other/app.old (renamed)=$ino1" \
    "$tmp/logs/app.log.1 (deleted)=$ino2" "$tmp/logs/app.log=$ino3" ||
    fail "4: files after rm app.log.1: $(cat "$tmp/files.json")"
echo "4: $(ctl files | tail -n +2 | tr -s ' ')"
# Each file shows up once in the plain listing as well.
ctl files >"$tmp/files.txt"
[ "$(grep -c "$tmp/logs/app.log " "$tmp/files.txt")" -eq 1 ] ||
    fail "app.log listed more than once: $(cat "$tmp/files.txt")"

sleep 0.5
stop_writer
cat "$tmp/far/a/b/app.old" "$tmp/deleted.lines" "$tmp/logs/app.log" |
    sort -u >"$tmp/want"
check_all_arrived "$tmp/want"
# `files skip` takes the path as `files` shows it, without " (renamed)"
# (all read: 0 skipped).
"$SLUICECTL" -s "$tmp/sluice.sock" -j files skip fn \
    "$tmp/other/app.old" >"$tmp/skip.json" 2>&1 ||
    fail "files skip by the shown name: $(cat "$tmp/skip.json")"
[ "$(jq .bytesSkipped "$tmp/skip.json")" = 0 ] ||
    fail "files skip: $(cat "$tmp/skip.json")"
stop_sluiced
echo "PASS: files_names"
