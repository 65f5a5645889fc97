#!/usr/bin/env bash
# The command lines: sluiced -n, -V, -h config, start-up failures, clean
# stop on SIGTERM, and sluicectl status (people's and JSON) and its exit codes.
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
[ "$out" = "configuration OK" ] || fail "-n printed '$out'"

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

# A missing file.
if "$SLUICED" -n -c "$tmp/nope.yaml" 2>"$tmp/err"; then
	fail "-n accepted a missing file"
fi
grep -q "nope.yaml" "$tmp/err" || fail "missing file not named"

# -V and -h config.
"$SLUICED" -V >"$tmp/out" || fail "-V exited non-zero"
grep -q '^sluiced [0-9]' "$tmp/out" || fail "-V printed $(cat "$tmp/out")"
"$SLUICED" -h config >"$tmp/out" || fail "-h config exited non-zero"
grep -q 'filePattern' "$tmp/out" || fail "-h config lacks filePattern"

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
for bad in "s1:no flow named \"s1\"" "nope:no flow named \"nope\"" \
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
stop_sluiced
grep -q "stopped" "$tmp/sluiced.log" || fail "no clean stop logged"
echo "PASS: cli"
