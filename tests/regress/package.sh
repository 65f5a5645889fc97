#!/usr/bin/env bash
# The Debian package: built with dpkg-buildpackage from a copy of the tree,
# installed with dpkg, the unit's ExecStart run as user sluice (there is
# no systemd as PID 1 here) against fakeaws on a root:adm 0640 log, lines
# checked at the endpoint byte for byte, sluicectl status through the
# default socket; then dpkg --purge, after which no user, group, file or
# directory of the package stays.
#
# It installs system-wide and needs root, so make check runs it only with
# SLUICE_PACKAGE_TEST=1 (.ci/run sets it); otherwise it is skipped.
if [ "${SLUICE_PACKAGE_TEST:-0}" != 1 ]; then
	echo "package: skipped: set SLUICE_PACKAGE_TEST=1 to build the Debian" \
	    "package and install it on this machine (needs root; CI does)"
	exit 77
fi
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || fail "SLUICE_PACKAGE_TEST=1 needs root (dpkg -i)"
for t in dpkg-buildpackage dh setpriv getent perl; do
	command -v "$t" >/dev/null ||
	    fail "$t is missing (scripts/deps.sh installs dpkg-dev debhelper)"
done
if dpkg-query -W -f='${Status}' sluice 2>/dev/null | grep -q installed ||
    getent passwd sluice >/dev/null || getent group sluice >/dev/null; then
	fail "package sluice or user sluice already on this machine: not touched"
fi

# A copy of the tree, without builds.
mkdir -p "$tmp/src/sluice"
# git only when the source is a clone's top: make distcheck's unpacked
# tarball lies inside the clone's build directory, which git ignores.
if [ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)" = \
    "$(cd "$top_srcdir" && pwd -P)" ]; then
	(cd "$top_srcdir" && git ls-files -co --exclude-standard -z |
	    tar --null -T - -cf -) | tar -xf - -C "$tmp/src/sluice"
else
	tar -C "$top_srcdir" --exclude='./build*' --exclude='./_build' \
	    --exclude='./_inst' --exclude=node_modules \
	    --exclude='*.o' --exclude='*.a' -cf - . | tar -xf - -C "$tmp/src/sluice"
fi
(cd "$tmp/src/sluice" && dpkg-buildpackage -b -us -uc) >"$tmp/build.out" 2>&1 ||
    fail "dpkg-buildpackage: $(tail -n 30 "$tmp/build.out")"
deb=$(ls "$tmp"/src/sluice_*.deb)

purged=0
purge() {
	dpkg --purge sluice >"$tmp/purge.out" 2>&1
}
trap 'if [ "$purged" = 0 ]; then purge || true; fi; cleanup' EXIT
dpkg -i "$deb" >"$tmp/dpkg.out" 2>&1 || fail "dpkg -i: $(cat "$tmp/dpkg.out")"

# What the package installed.
getent passwd sluice >/dev/null || fail "no user sluice"
id -nG sluice | tr ' ' '\n' | grep -qx adm || fail "sluice is not in adm"
dpkg-query --showformat='${Conffiles}\n' -W sluice | grep -q ' /etc/sluice/sluice.yaml ' ||
    fail "/etc/sluice/sluice.yaml is not a conffile"
[ "$(stat -c %U:%a /var/lib/sluice)" = sluice:750 ] ||
    fail "/var/lib/sluice: $(stat -c %U:%a /var/lib/sluice)"
[ "$(stat -c %U /run/sluice)" = sluice ] || fail "/run/sluice not sluice's"
unit=$(dpkg -L sluice | grep '/systemd/system/sluiced\.service$') ||
    fail "no unit installed"
for f in /usr/sbin/sluiced /usr/bin/sluicectl \
    /usr/share/man/man8/sluiced.8.gz /usr/share/man/man8/sluicectl.8.gz \
    /usr/share/man/man5/sluice.yaml.5.gz /usr/lib/sysusers.d/sluice.conf \
    /usr/lib/tmpfiles.d/sluice.conf; do
	[ -f "$f" ] || fail "$f not installed"
done
/usr/sbin/sluiced -n >"$tmp/out" 2>&1 || fail "the sample config: $(cat "$tmp/out")"
grep -qx '/etc/sluice/sluice.yaml: configuration OK' "$tmp/out" ||
    fail "sluiced -n: $(cat "$tmp/out")"

# A log only root and group adm may read.
chmod 0755 "$tmp"
install -d -o root -g adm -m 0750 "$tmp/logs"
LINES=2000
for ((i = 0; i < LINES; i++)); do
	printf 'pkg line id=%06d "GET /p/%d HTTP/1.1"\n' "$i" "$((i * 7))"
done >"$tmp/logs/app.log"
chown root:adm "$tmp/logs/app.log"
chmod 0640 "$tmp/logs/app.log"
sort "$tmp/logs/app.log" >"$tmp/expected"

start_fakeaws -s pkg -o "$tmp/received.b64"
cat >/etc/sluice/sluice.yaml <<YAML
kinesis.endpoint: http://127.0.0.1:$fake_port
kinesis.region: us-east-1
awsAccessKeyId: AKIDEXAMPLE
awsSecretAccessKey: wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
cloudwatch.emitMetrics: false
flows:
  - filePattern: $tmp/logs/*.log
    kinesisStream: pkg
    initialPosition: START_OF_FILE
    maxBufferAgeMillis: 1000
YAML

# The unit's ExecStart, as its user, with its supplementary group and umask.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ -n "$exec_start" ] || fail "no ExecStart= in $unit"
echo "ExecStart: $exec_start"
# shellcheck disable=SC2086
(umask 0027 && exec setpriv --reuid=sluice --regid=sluice --init-groups \
    --inh-caps=-all -- $exec_start) >"$tmp/sluiced.log" 2>&1 &
sluiced_pid=$!
bg_pids+=($sluiced_pid)
wait_for 20 test -S /run/sluice/sluice.sock || fail "no socket /run/sluice/sluice.sock"
[ "$(stat -c %U:%G /run/sluice/sluice.sock)" = sluice:sluice ] ||
    fail "socket owner $(stat -c %U:%G /run/sluice/sluice.sock)"

check_all() {
	[ -f "$tmp/received.b64" ] || return 1
	decode_records "$tmp/received.b64" | sort -u >"$tmp/got.uniq"
	[ "$(wc -l <"$tmp/got.uniq")" -ge "$LINES" ]
}
wait_for 60 check_all || true
# sluicectl finds the daemon through the built-in socket path.
sluicectl status >"$tmp/status" 2>&1 || fail "sluicectl status: $(cat "$tmp/status")"
grep -q "$tmp/logs/app.log" "$tmp/status" || fail "status: $(cat "$tmp/status")"
stop_sluiced

decode_records "$tmp/received.b64" >"$tmp/got"
sort -u "$tmp/got" >"$tmp/got.uniq"
received=$(wc -l <"$tmp/got")
unique=$(wc -l <"$tmp/got.uniq")
missing=$(comm -23 "$tmp/expected" "$tmp/got.uniq" | wc -l)
extra=$(comm -13 "$tmp/expected" "$tmp/got.uniq" | wc -l)
echo "lines written: $LINES, records received: $received, unique: $unique," \
    "duplicates: $((received - unique)), missing: $missing, corrupted: $extra"
[ "$missing" -eq 0 ] || fail "$missing lines never arrived"
[ "$extra" -eq 0 ] || fail "$extra records arrived that were never written"

# Purge: nothing of the package stays.
purged=1
purge || fail "dpkg --purge: $(cat "$tmp/purge.out")"
getent passwd sluice >/dev/null && fail "user sluice left after purge"
getent group sluice >/dev/null && fail "group sluice left after purge"
for d in /etc/sluice /var/lib/sluice /run/sluice /usr/sbin/sluiced "$unit"; do
	[ ! -e "$d" ] || fail "$d left after purge"
done
echo "PASS: package"
