#!/usr/bin/env bash
# The command lines: sluiced -n, -V, --version, -h, --help, -h config, -p,
# start-up failures, a config without flows, SIGHUP (not a stop), clean
# stop on SIGTERM, and sluicectl status (people's and JSON) and its exit
# codes.
. "$(dirname "$0")/lib.sh"

# No endpoint is reached here: config_head's is the discard port.
fake_port=9

# -n: a good config.
{
	config_head
	cat <<YAML
flows:
  - filePattern: $tmp/logs/*.log
    kinesisStream: s1
YAML
} >"$tmp/good.yaml"
out=$("$SLUICED" -n -c "$tmp/good.yaml") || fail "-n rejected a good config"
[ "$out" = "$tmp/good.yaml: configuration OK" ] || fail "-n printed '$out'"

# -n: bad YAML, an unknown key and a wrong type, each with file:line:column.
printf 'flows: [\n  {filePattern: "/x"\n' >"$tmp/syntax.yaml"
if "$SLUICED" -n -c "$tmp/syntax.yaml" 2>"$tmp/err"; then
	fail "-n accepted bad YAML"
fi
grep -Eq "^$tmp/syntax.yaml:[0-9]+:[0-9]+: " "$tmp/err" ||
    fail "bad YAML error lacks file:line:column: $(cat "$tmp/err")"

cat >"$tmp/bad.yaml" <<YAML
stateDirectory: $tmp/state
colour: blue
flows:
  - filePattern: $tmp/logs/*.log
    kinesisStream: s1
    maxBufferAgeMillis: soon
cloudwatch.emitMetrics: false
YAML
if "$SLUICED" -n -c "$tmp/bad.yaml" 2>"$tmp/err"; then
	fail "-n accepted unknown key and wrong type"
fi
grep -q "^$tmp/bad.yaml:2:1: .*colour" "$tmp/err" ||
    fail "unknown key not reported at 2:1: $(cat "$tmp/err")"
grep -q "^$tmp/bad.yaml:6:25: .*maxBufferAgeMillis" "$tmp/err" ||
    fail "wrong type not reported at 6:25: $(cat "$tmp/err")"

# Processing options: every bad option is reported, each at its place.
cat >"$tmp/options.yaml" <<YAML
stateDirectory: $tmp/state
flows:
  - filePattern: $tmp/logs/*.log
    kinesisStream: s1
    multiLineStartPattern: "[a-z"
    dataProcessingOptions:
      - optionName: CSVTOJSON
        customFieldNames: [a]
        delimeter: ","
      - optionName: LOGTOJSON
        logFormat: NOPE
      - optionName: FOO
      - optionName: REGEXTOJSON
        pattern: "(?<a>x"
cloudwatch.emitMetrics: false
YAML
if "$SLUICED" -n -c "$tmp/options.yaml" 2>"$tmp/err"; then
	fail "-n accepted bad processing options"
fi
for want in "5:28: key \"multiLineStartPattern\"" \
    "9:9: unknown key \"delimeter\" for optionName CSVTOJSON (did you mean \"delimiter\"?)" \
    "11:20: LOGTOJSON key \"logFormat\": expected one of" \
    "12:21: unknown optionName \"FOO\"" \
    "14:18: pattern: "; do
	grep -qF "$tmp/options.yaml:$want" "$tmp/err" ||
	    fail "option error '$want' missing: $(cat "$tmp/err")"
done

# The sample config has no live flow, and its example flow, uncommented,
# is valid.
"$SLUICED" -n -c "$top_srcdir/etc/sluice.yaml" >/dev/null ||
    fail "-n rejected etc/sluice.yaml"
sed -e '/^#flows:/,$ s/^#//' -e "s|/var/log/nginx/|$tmp/logs/|" \
    "$top_srcdir/etc/sluice.yaml" >"$tmp/example.yaml"
printf 'stateDirectory: %s\n' "$tmp/state" >>"$tmp/example.yaml"
grep -q '^  - filePattern:' "$tmp/example.yaml" || fail "no example flow"
"$SLUICED" -n -c "$tmp/example.yaml" >/dev/null 2>"$tmp/err" ||
    fail "the sample's example flow is invalid: $(cat "$tmp/err")"

# A misspelled key comes before the missing key it causes; enum values and
# converter names in the wrong case get a hint.
cat >"$tmp/spell.yaml" <<YAML
stateDirectory: $tmp/state
flows:
  - kinesisStream: s1
    filePatern: $tmp/logs/*.log
    initialPosition: start_of_file
    dataProcessingOptions:
      - optionName: logtojson
cloudwatch.emitMetrics: false
YAML
if "$SLUICED" -n -c "$tmp/spell.yaml" 2>"$tmp/err"; then
	fail "-n accepted a misspelled key"
fi
grep -n . "$tmp/err" | grep -q '^1:.*unknown key "filePatern"' ||
    fail "the misspelled key is not first: $(cat "$tmp/err")"
grep -n . "$tmp/err" | grep -q '^2:.*flow has no filePattern (is "filePatern"' ||
    fail "the missing key does not follow: $(cat "$tmp/err")"
grep -qF 'got "start_of_file" (values are case-sensitive: did you mean START_OF_FILE?)' \
    "$tmp/err" || fail "no case hint for initialPosition: $(cat "$tmp/err")"
grep -qF 'did you mean LOGTOJSON?' "$tmp/err" ||
    fail "no case hint for optionName: $(cat "$tmp/err")"

# A missing file.
if "$SLUICED" -n -c "$tmp/nope.yaml" 2>"$tmp/err"; then
	fail "-n accepted a missing file"
fi
grep -q "nope.yaml" "$tmp/err" || fail "missing file not named"

# -V, --version, -h, --help and -h config; a bad option is a usage error.
for v in -V --version; do
	"$SLUICED" $v >"$tmp/out" || fail "$v exited non-zero"
	grep -q '^sluiced [0-9]' "$tmp/out" || fail "$v printed $(cat "$tmp/out")"
done
for h in -h --help; do
	"$SLUICED" $h >"$tmp/out" 2>"$tmp/err" || fail "$h exited non-zero"
	grep -q '^usage: sluiced' "$tmp/out" || fail "$h printed $(cat "$tmp/out")"
	grep -q '^  configuration   /' "$tmp/out" ||
	    fail "$h lacks the default paths: $(cat "$tmp/out")"
	[ ! -s "$tmp/err" ] || fail "$h wrote to stderr: $(cat "$tmp/err")"
done
"$SLUICED" -h config >"$tmp/out" || fail "-h config exited non-zero"
grep -q 'filePattern' "$tmp/out" || fail "-h config lacks filePattern"
for bad in -x --nope "-h nope"; do
	set +e
	# shellcheck disable=SC2086
	"$SLUICED" $bad >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	[ "$rc" = 1 ] || fail "sluiced $bad exited $rc, want 1"
	grep -q '^usage: sluiced' "$tmp/err" || fail "sluiced $bad: $(cat "$tmp/err")"
done

# -p picks a flow by its name, an unnamed flow by its stream, and refuses
# a name that is not there or that two unnamed flows share.
{
	config_head
	cat <<YAML
flows:
  - filePattern: $tmp/logs/a*.log
    kinesisStream: s1
    name: web
    dataProcessingOptions:
      - optionName: ADDBRACKETS
  - filePattern: $tmp/logs/b*.log
    kinesisStream: s2
  - filePattern: $tmp/logs/c*.log
    kinesisStream: s3
  - filePattern: $tmp/logs/d*.log
    kinesisStream: s3
YAML
} >"$tmp/pick.yaml"
"$SLUICED" -n -c "$tmp/pick.yaml" >/dev/null || fail "-n rejected pick.yaml"
out=$(printf 'x\n' | "$SLUICED" -c "$tmp/pick.yaml" -p web 2>/dev/null) ||
    fail "-p web failed"
[ "$out" = "{x
}" ] || fail "-p web printed '$out'"
out=$(printf 'x\n' | "$SLUICED" -c "$tmp/pick.yaml" -p s2 2>/dev/null) ||
    fail "-p s2 (an unnamed flow's stream) failed"
[ "$out" = "x" ] || fail "-p s2 printed '$out'"
for bad in "s1:no flow named \"s1\"" "nope:its flows: web, s2, s3@" \
    "s3:more than one unnamed flow sends to \"s3\""; do
	if printf 'x\n' | "$SLUICED" -c "$tmp/pick.yaml" -p "${bad%%:*}" \
	    >/dev/null 2>"$tmp/err"; then
		fail "-p ${bad%%:*} was accepted"
	fi
	grep -qF "${bad#*:}" "$tmp/err" ||
	    fail "-p ${bad%%:*}: message: $(cat "$tmp/err")"
done

# Start-up failure: the state directory cannot be created.
sed "s|^stateDirectory:.*|stateDirectory: /proc/sluice-cannot|" \
    "$tmp/good.yaml" >"$tmp/badstate.yaml"
if timeout 10 "$SLUICED" -c "$tmp/badstate.yaml" 2>"$tmp/err"; then
	fail "sluiced started with an impossible state directory"
fi
grep -q "/proc/sluice-cannot" "$tmp/err" || fail "state error unclear: $(cat "$tmp/err")"

# sluicectl without a daemon: exit code 2 and a clear message.
set +e
"$SLUICECTL" -s "$tmp/sluice.sock" status 2>"$tmp/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "sluicectl without daemon exited $rc, want 2"
grep -q "cannot connect" "$tmp/err" || fail "sluicectl message: $(cat "$tmp/err")"

# A running daemon: status for people and as JSON, socket mode 0660.
mkdir -p "$tmp/logs"
printf 'hello\n' >"$tmp/logs/a.log"
start_sluiced "$tmp/good.yaml"
wait_for 10 test -S "$tmp/sluice.sock" || fail "control socket never appeared"
mode=$(stat -c %a "$tmp/sluice.sock")
[ "$mode" = 660 ] || fail "socket mode $mode, want 660"
"$SLUICECTL" -s "$tmp/sluice.sock" status >"$tmp/status" || fail "status failed"
grep -q "$tmp/logs/a.log" "$tmp/status" || fail "status lacks the file: $(cat "$tmp/status")"
"$SLUICECTL" -s "$tmp/sluice.sock" status -j >"$tmp/status.json" || fail "status -j failed"
perl -e 'local $/; $_ = <STDIN>; exit(/"flows"\s*:\s*\[/ && /"filePattern"/ ? 0 : 1)' \
    <"$tmp/status.json" || fail "status -j: $(cat "$tmp/status.json")"
# A second daemon on the same socket refuses to start.
if timeout 10 "$SLUICED" -c "$tmp/good.yaml" 2>"$tmp/err2"; then
	fail "a second sluiced started on the same socket"
fi
# SIGHUP does not stop it (a logrotate postrotate sends one): it reloads
# (tests/regress/reload.sh), and status still answers.
kill -HUP "$sluiced_pid"
wait_for 10 grep -q "reloaded $tmp/good.yaml" "$tmp/sluiced.log" ||
    fail "SIGHUP not logged"
"$SLUICECTL" -s "$tmp/sluice.sock" status >/dev/null ||
    fail "status failed after SIGHUP"
kill -0 "$sluiced_pid" 2>/dev/null || fail "SIGHUP stopped sluiced"
stop_sluiced
grep -q "stopped" "$tmp/sluiced.log" || fail "no clean stop logged"

# A config without flows (the installed sample has none) is valid: the
# daemon starts without credentials, says so in the log and in status,
# and waits.
cat >"$tmp/noflows.yaml" <<YAML
stateDirectory: $tmp/state0
controlSocket: $tmp/sluice0.sock
YAML
out=$("$SLUICED" -n -c "$tmp/noflows.yaml") || fail "-n rejected a config without flows"
[ "$out" = "$tmp/noflows.yaml: configuration OK" ] || fail "-n printed '$out'"
: >"$tmp/sluiced.log"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$SLUICED" \
    -c "$tmp/noflows.yaml" >>"$tmp/sluiced.log" 2>&1 &
sluiced_pid=$!
bg_pids+=($sluiced_pid)
wait_for 10 test -S "$tmp/sluice0.sock" || fail "no socket without flows"
grep -q "no flows configured" "$tmp/sluiced.log" || fail "log lacks 'no flows configured'"
"$SLUICECTL" -s "$tmp/sluice0.sock" status >"$tmp/status" || fail "status failed"
grep -q "no flows configured" "$tmp/status" || fail "status: $(cat "$tmp/status")"
stop_sluiced

# Under systemd ($INVOCATION_ID), -n warns about a stateDirectory or
# controlSocket that the unit would not let it write; it cannot tell
# without systemd.  The unit's sandbox is played by a user who cannot
# write there.
mkdir -p "$tmp/ro"
chmod 0755 "$tmp" "$tmp/ro"
cat >"$tmp/ro/elsewhere.yaml" <<YAML
stateDirectory: $tmp/ro/state
controlSocket: $tmp/ro/run/sluice.sock
YAML
chmod 0644 "$tmp/ro/elsewhere.yaml"
nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
command -v setpriv >/dev/null || fail "setpriv (util-linux) is missing"
if [ "$(id -u)" = 0 ]; then
	INVOCATION_ID=test nobody "$SLUICED" -n -c "$tmp/ro/elsewhere.yaml" \
	    >"$tmp/out" 2>"$tmp/err" || fail "-n failed: $(cat "$tmp/err")"
	for key in stateDirectory controlSocket; do
		grep -q "warning: $key $tmp/ro/.*ReadWritePaths=" "$tmp/err" ||
		    fail "-n did not warn about $key: $(cat "$tmp/err")"
	done
	nobody "$SLUICED" -n -c "$tmp/ro/elsewhere.yaml" >"$tmp/out" 2>"$tmp/err" ||
	    fail "-n failed: $(cat "$tmp/err")"
	[ ! -s "$tmp/err" ] || fail "-n warned without systemd: $(cat "$tmp/err")"
else
	echo "cli: not root: the systemd path check is left out"
fi
echo "PASS: cli"
