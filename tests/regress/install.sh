#!/usr/bin/env bash
# make install into a DESTDIR: the paths that the binary has built in
# (sluiced -h), the unit, tmpfiles.d and the installed sluiced.8 agree
# (with a default ./configure they are Debian's: /etc/sluice, /var/lib/sluice
# and /run/sluice); the unit passes systemd-analyze verify and rates under
# 3.0 in systemd-analyze security; a second make install keeps an edited
# sluice.yaml and refreshes sluice.yaml.dist; make uninstall keeps the
# edited config and removes the rest.
. "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null ||
    fail "systemd-analyze is missing (Debian package systemd; scripts/deps.sh)"
root=$tmp/root
make -C "$top_builddir" install DESTDIR="$root" >"$tmp/install1.log" 2>&1 ||
    fail "make install: $(tail -n 20 "$tmp/install1.log")"

# What the binary was built with.
"$SLUICED" -h >"$tmp/help"
conf=$(sed -n 's/^  configuration   //p' "$tmp/help")
state=$(sed -n 's/^  stateDirectory  //p' "$tmp/help")
sock=$(sed -n 's/^  controlSocket   //p' "$tmp/help")
rundir=${sock%/*}
[ -n "$conf" ] && [ -n "$state" ] && [ -n "$sock" ] ||
    fail "sluiced -h lacks the default paths: $(cat "$tmp/help")"
echo "built-in paths: $conf $state $sock"
if [ "$(sed -n 's/^sysconfdir = //p' "$top_builddir/Makefile")" = /etc ]; then
	[ "$conf $state $sock" = \
	    "/etc/sluice/sluice.yaml /var/lib/sluice /run/sluice/sluice.sock" ] ||
	    fail "not Debian's paths: $conf $state $sock"
fi

find "$root" -type f | sort >"$tmp/files"
one() {	# one PATTERN: the one installed file whose path matches
	local f
	f=$(grep -E "$1" "$tmp/files") || fail "nothing installed as $1"
	[ "$(echo "$f" | wc -l)" = 1 ] || fail "several files match $1: $f"
	echo "$f"
}
unit=$(one '/lib/systemd/system/sluiced\.service$')
tmpfiles=$(one '/lib/tmpfiles\.d/sluice\.conf$')
sysusers=$(one '/lib/sysusers\.d/sluice\.conf$')
man8=$(one '/man8/sluiced\.8$')
man5=$(one '/man5/sluice\.yaml\.5$')
sbin=$(one '/sbin/sluiced$')
one '/bin/sluicectl$' >/dev/null

# The installed binary is the built one, with the same paths.
"$sbin" -h | cmp -s - "$tmp/help" || fail "installed sluiced -h differs"

# The unit: the config it passes, and the directories it creates or
# lets sluiced write.
grep -qx "ExecStart=.*/sluiced -c $conf" "$unit" ||
    fail "unit's ExecStart does not use $conf: $(grep Exec "$unit")"
grep -qx "ExecStartPre=.*/sluiced -n -c $conf" "$unit" ||
    fail "unit's ExecStartPre does not check $conf"
rw=$(sed -n 's/^ReadWritePaths=//p' "$unit")
for d in "$state" "$rundir"; do
	case " $rw " in
	*" -$d "* | *" $d "*) ;;
	*) fail "ReadWritePaths=$rw lacks $d" ;;
	esac
	grep -qx "d $d 0750 sluice sluice -" "$tmpfiles" ||
	    fail "tmpfiles.d lacks $d: $(cat "$tmpfiles")"
done
if [ "$state" = /var/lib/sluice ]; then
	grep -qx 'StateDirectory=sluice' "$unit" || fail "no StateDirectory=sluice"
fi
if [ "$rundir" = /run/sluice ]; then
	grep -qx 'RuntimeDirectory=sluice' "$unit" || fail "no RuntimeDirectory=sluice"
fi
if [ "$conf" = /etc/sluice/sluice.yaml ]; then
	grep -qx 'ConfigurationDirectory=sluice' "$unit" ||
	    fail "no ConfigurationDirectory=sluice"
fi
grep -qx 'User=sluice' "$unit" || fail "the unit does not run as sluice"
grep -qx 'u sluice - .*' "$sysusers" || fail "sysusers.d lacks user sluice"
grep -qx 'm sluice adm' "$sysusers" || fail "sysusers.d: sluice not in adm"
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" ||
    fail "no ExecReload= that sends SIGHUP"

# The man pages say the same paths.
for p in "$conf" "$state" "$sock"; do
	grep -qF "$p" "$man8" || fail "sluiced.8 does not say $p"
done
for p in "$state" "$sock"; do
	grep -qF "$p" "$man5" || fail "sluice.yaml.5 does not say $p"
done
# And where the unit and the user's files are (DESTDIR aside).
for p in "$unit" "$sysusers" "$tmpfiles"; do
	grep -qF "${p#"$root"}" "$man8" || fail "sluiced.8 does not say ${p#"$root"}"
done
if [ "$conf" != /etc/sluice/sluice.yaml ]; then
	# /etc/sluice may be the tail of the configured directory.
	sed "s|${conf%/*}||g" "$man8" | grep -qF /etc/sluice &&
	    fail "sluiced.8 still says /etc/sluice"
fi

# systemd-analyze, on a copy whose commands are the installed ones.
sed "s|^\(Exec[A-Za-z]*=\)[^ ]*/sluiced |\1$sbin |" "$unit" \
    >"$tmp/sluiced.service"
(cd "$tmp" && systemd-analyze verify --man=no ./sluiced.service) \
    >"$tmp/verify.out" 2>&1 || fail "systemd-analyze verify: $(cat "$tmp/verify.out")"
[ ! -s "$tmp/verify.out" ] || fail "systemd-analyze verify: $(cat "$tmp/verify.out")"
(cd "$tmp" && systemd-analyze security --offline=yes ./sluiced.service) \
    >"$tmp/security.out" 2>&1 || true
score=$(sed -n 's/.*Overall exposure level for sluiced.service: \([0-9.]*\).*/\1/p' \
    "$tmp/security.out")
[ -n "$score" ] || fail "systemd-analyze security: $(tail -n 5 "$tmp/security.out")"
echo "systemd-analyze security: $score"
awk -v s="$score" 'BEGIN { exit !(s < 3.0) }' ||
    fail "exposure $score, want under 3.0"

# The configuration: the sample twice; an edit survives a second install.
cfg=$root$conf
cmp -s "$cfg" "$top_srcdir/etc/sluice.yaml" || fail "sluice.yaml is not the sample"
cmp -s "$cfg.dist" "$top_srcdir/etc/sluice.yaml" || fail "sluice.yaml.dist is not the sample"
echo "# edited by install.sh" >>"$cfg"
echo "stale" >"$cfg.dist"
make -C "$top_builddir" install DESTDIR="$root" >"$tmp/install2.log" 2>&1 ||
    fail "second make install: $(tail -n 20 "$tmp/install2.log")"
grep -qx "# edited by install.sh" "$cfg" || fail "make install overwrote the edited config"
cmp -s "$cfg.dist" "$top_srcdir/etc/sluice.yaml" || fail "sluice.yaml.dist was not refreshed"
grep -q "sluice.yaml exists: not overwritten" "$tmp/install2.log" ||
    fail "make install did not say it kept the config"

# make uninstall keeps the edited config, and removes every other file.
make -C "$top_builddir" uninstall DESTDIR="$root" >"$tmp/uninstall.log" 2>&1 ||
    fail "make uninstall: $(tail -n 20 "$tmp/uninstall.log")"
left=$(find "$root" -type f)
[ "$left" = "$cfg" ] || fail "after make uninstall: $left"
echo "PASS: install"
