#!/usr/bin/env bash
# Unreadable files and directories (issue 8, case 8): a file that matches
# but cannot be opened, and a directory of the pattern that cannot be
# read, are listed by `sluicectl status` and `sluicectl files` with the
# reason and the fix; the log says so once, not at every scan (5 s); once
# they are made readable, their lines are shipped (lost = 0) and the log
# says "readable again" once each.
#
# Permission bits do not stop root, so sluiced runs as nobody: the test
# needs root and setpriv(1), else it is skipped.
. "$(dirname "$0")/lib.sh"

need_nobody unreadable

start_fakeaws -o "$tmp/received.b64"
chmod 755 "$tmp"
mkdir -p "$tmp/run" "$tmp/d/ok" "$tmp/d/locked"
chown nobody "$tmp/run"
printf 'ok id=%08d\n' 1 2 3 >"$tmp/d/ok/app.log"
printf 'secret id=%08d\n' 1 2 3 >"$tmp/d/ok/secret.log"
printf 'locked id=%08d\n' 1 2 >"$tmp/d/locked/x.log"
chmod 644 "$tmp/d/ok/app.log" "$tmp/d/locked/x.log"
chmod 600 "$tmp/d/ok/secret.log"
chmod 700 "$tmp/d/locked"
# A file its group may read: the fix names the group.
if getent group adm >/dev/null; then
	printf 'adm id=%08d\n' 1 2 >"$tmp/d/ok/adm.log"
	chgrp adm "$tmp/d/ok/adm.log"
	chmod 640 "$tmp/d/ok/adm.log"
fi
{
	config_head | sed "s|^stateDirectory: .*|stateDirectory: $tmp/run/state|
	    s|^controlSocket: .*|controlSocket: $tmp/run/sluice.sock|"
	printf '%s\n' "flows:" "  - filePattern: $tmp/d/*/*.log" \
	    "    kinesisStream: s" "    initialPosition: START_OF_FILE" \
	    "    maxBufferAgeMillis: 1000"
} >"$tmp/c.yaml"
chmod 644 "$tmp/c.yaml"

setpriv --reuid=nobody --regid="$grp" --clear-groups \
    "$SLUICED" -c "$tmp/c.yaml" >>"$tmp/sluiced.log" 2>&1 &
sluiced_pid=$!
bg_pids+=($sluiced_pid)
ctl() { sluicectl_st -s "$tmp/run/sluice.sock" "$@"; }

listed() { ctl status -j 2>/dev/null | grep -q secret.log; }
wait_for 10 listed || fail "sluicectl status does not list secret.log"

ctl status -j >"$tmp/status.json"
ctl files -j >"$tmp/files.json"
ctl status >"$tmp/status.txt"
ctl files >"$tmp/files.txt"
cat "$tmp/files.txt"
for j in status files; do
	perl -MJSON::PP -e '
	    local $/; my $d = decode_json(<STDIN>);
	    my ($file, $dir);
	    for my $f (@{$d->{flows}[0]{files}}) {
		$file = $f if $f->{path} =~ m{/secret\.log$};
	    }
	    for my $p (@{$d->{flows}[0]{problems}}) {
		$dir = $p if $p->{type} eq "directory" &&
		    $p->{path} =~ m{/locked/?$};
	    }
	    die "no unreadable file\n" unless $file &&
		$file->{state} eq "unreadable" &&
		$file->{reason} =~ /^permission denied: check the permissions/;
	    die "no unreadable directory\n" unless $dir &&
		$dir->{reason} =~ /^permission denied/;
	' <"$tmp/$j.json" || fail "sluicectl $j -j: $(cat "$tmp/$j.json")"
done
grep -q 'secret.log .*unreadable: permission denied' "$tmp/status.txt" ||
    fail "sluicectl status does not list secret.log: $(cat "$tmp/status.txt")"
grep -q 'secret.log .*unreadable: permission denied' "$tmp/files.txt" ||
    fail "sluicectl files does not list secret.log"
grep -q 'locked/ .*unreadable directory: permission denied' \
    "$tmp/files.txt" || fail "sluicectl files does not list d/locked"
if [ -f "$tmp/d/ok/adm.log" ]; then
	grep -q 'adm.log .*unreadable: permission denied: add the sluice user (nobody) to group adm$' \
	    "$tmp/files.txt" || fail "no group named for adm.log"
fi

# A second scan (every 5 s) must not log it again, nor poll instead.
sleep 5.5
n=$(grep -c 'secret.log.*permission denied' "$tmp/sluiced.log" || true)
[ "$n" -eq 1 ] || fail "$n log lines for secret.log, not 1"
n=$(grep -c 'locked.*permission denied' "$tmp/sluiced.log" || true)
[ "$n" -eq 1 ] || fail "$n log lines for d/locked, not 1"
! grep -q 'polling' "$tmp/sluiced.log" || fail "polling instead"

chmod 644 "$tmp/d/ok/secret.log" "$tmp/d/ok/"*.log
chmod 755 "$tmp/d/locked"
got() {
	[ -f "$tmp/received.b64" ] &&
	    [ "$(decode_records "$tmp/received.b64" | sort -u | wc -l)" -ge \
	    "$(cat "$tmp"/d/*/*.log | wc -l)" ]
}
wait_for 10 got || true
ctl files -j >"$tmp/files.json"
stop_sluiced
decode_records "$tmp/received.b64" >"$tmp/got" 2>/dev/null || : >"$tmp/got"
cat "$tmp"/d/*/*.log | sort >"$tmp/want"
sort -u "$tmp/got" >"$tmp/got.u"
lost=$(comm -23 "$tmp/want" "$tmp/got.u" | wc -l)
echo "lines written: $(wc -l <"$tmp/want"), received: $(wc -l <"$tmp/got")," \
    "lost: $lost, duplicates: $(($(wc -l <"$tmp/got") - $(wc -l <"$tmp/got.u")))"
[ "$lost" -eq 0 ] || fail "$lost lines lost"
n=$(grep -c 'secret.log: readable again' "$tmp/sluiced.log" || true)
[ "$n" -eq 1 ] || fail "$n 'readable again' lines for secret.log, not 1"
n=$(grep -c 'locked: readable again' "$tmp/sluiced.log" || true)
[ "$n" -eq 1 ] || fail "$n 'readable again' lines for d/locked, not 1"
perl -MJSON::PP -e '
    local $/; my $d = decode_json(<STDIN>);
    die "still listed as unreadable\n" if @{$d->{flows}[0]{problems}} ||
	grep { $_->{state} eq "unreadable" } @{$d->{flows}[0]{files}};
' <"$tmp/files.json" || fail "state not cleared: $(cat "$tmp/files.json")"
echo "PASS: unreadable"
