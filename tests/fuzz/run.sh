#!/bin/sh
#
# run.sh: builds the libFuzzer targets (make check in a build directory
# configured with CC=clang --enable-fuzzing --enable-debug: ASan + UBSan
# and the debug warnings as errors, see Makefile.am) and runs each for
# FUZZ_SECONDS, with a seed corpus made from the converter test cases
# (tests/data/converters/*/input).  Fails if a target does not build or
# finds a crash, a leak or a broken invariant.
#
#	tests/fuzz/run.sh		# from anywhere; FUZZ_SECONDS=20
#	FUZZ_SECONDS=5 FUZZ_JOBS=2 CC=clang-14 tests/fuzz/run.sh
#
# Targets (Makefile.am's FUZZ_TARGETS): fuzz_framer, fuzz_<converter> for
# each converter of parsers/ but ADDEC2METADATA, linked alone
# (fuzz_converter.c), fuzz_options (Java regexes through jregex, and
# option objects through every converter's create), and
# fuzz_addec2metadata for ADDEC2METADATA (also agent/imds.c's DescribeTags
# parser), which starts tests/fakeimds/fakeimds on 127.0.0.1, and fuzz_ctl
# (the control socket's request parser, agent/ctl.c).
# The build directory is $FUZZ_BUILD (default build-fuzz at the top of the
# tree).  Crash inputs are kept in $FUZZ_OUT (default: a temp dir,
# printed), and a crash is replayed with:
#	$FUZZ_BUILD/tests/fuzz/<target> <crash-file>

set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
cc=${CC:-clang}
build=${FUZZ_BUILD:-$top/build-fuzz}
out=${FUZZ_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/sluice-fuzz.XXXXXX")}
mkdir -p "$out" || exit 1

# Configures only when the compiler changes; make check with no TESTS
# builds the check programs and runs nothing.
fuzz_build() {
	[ -x "$top/configure" ] || "$top/autogen.sh" || return 1
	mkdir -p "$build" || return 1
	if [ ! -f "$build/Makefile" ] ||
	    [ "$(cat "$build/.sluice-flags" 2>/dev/null)" != \
	    "fuzz-debug CC=$cc" ]
	then
		(cd "$build" && "$top/configure" CC="$cc" CFLAGS="-g -O1" \
		    --enable-fuzzing --enable-debug) || return 1
		echo "fuzz-debug CC=$cc" >"$build/.sluice-flags"
	fi
	make -C "$build" -j"$jobs" check TESTS=
}

fail=0
echo "fuzz: building in $build (CC=$cc)"
if ! fuzz_build >"$out/build.log" 2>&1; then
	echo "fuzz: FAIL: the targets do not build:"
	grep -E 'error|Error' "$out/build.log" | head -40 | sed 's/^/    /'
	exit 1
fi
targets=$(make -s --no-print-directory -C "$build" fuzz-list |
    sed 's|tests/fuzz/||g')

# Seeds: each case's input, behind the option bytes the targets expect.
seeds="$out/seeds"
mkdir -p "$seeds/framer" "$seeds/converter" "$seeds/ec2" "$seeds/options" \
    "$seeds/ctl"
# fuzz_ctl: request lines as sluicectl sends them, and broken ones.
printf 'SLUICECTL 1 status' >"$seeds/ctl/status"
printf 'SLUICECTL 1 adopt old new' >"$seeds/ctl/adopt"
printf 'SLUICECTL 2 state' >"$seeds/ctl/version"
printf 'SLUICECTL  1 x\001 ' >"$seeds/ctl/bad"
printf 'multi\n2024-01-01 a\n  at b\n2024-01-02 c\nno newline' \
    >"$out/builtin.input"
{
	printf '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] '
	printf '"GET / HTTP/1.0" 200 2326\n{"a":1,"c":[1,2]}\nx,y,z\n'
} >>"$out/builtin.input"
i=0
for input in "$top"/tests/data/converters/*/input "$out/builtin.input"; do
	[ -f "$input" ] || continue
	i=$((i + 1))
	# max_record 1025 or 97, "\n" or "<TRUNCATED>\n", date or no
	# pattern, 500 lines, no header or 1, footer or none.
	{ printf '\000\004\000\001\004\000\000\001'; head -c 65000 "$input"; } \
	    >"$seeds/framer/$i-a"
	{ printf '\140\000\001\000\024\001\001\002'; head -c 65000 "$input"; } \
	    >"$seeds/framer/$i-b"
	for sel in 000 001 002 003 004 205; do
		{ printf '%b' "\\0$sel"; head -c 65000 "$input"; } \
		    >"$seeds/converter/$i-$sel"
	done
	# fuzz_addec2metadata: lines or one record, COMPACT or PRETTYPRINT.
	for sel in 000 001 200 201; do
		{ printf '%b' "\\0$sel"; head -c 65000 "$input"; } \
		    >"$seeds/ec2/$i-$sel"
	done
done
# fuzz_addec2metadata: objects with metadata keys and nesting, and
# DescribeTags responses (selector 2) as EC2 and fakeimds write them.
printf '\000{"instanceId":"x","a":{"b":[1,2.5,-0.0,1e300,"\\u00e9\\u0000"]},'\
'"tags":null,"z":true}\n[1]\n{"k":"\\ud83d\\ude00"} trailing\n' \
    >"$seeds/ec2/json-objects"
printf '\201{"\303\251":"\377\376","metadataTimestamp":0}' \
    >"$seeds/ec2/json-badutf8"
{
	printf '\002<?xml version="1.0" encoding="UTF-8"?>\n'
	printf '<DescribeTagsResponse xmlns="http://ec2.amazonaws.com/doc/'
	printf '2016-11-15/">\n  <requestId>r-1</requestId>\n  <tagSet>\n'
	printf '    <item>\n      <resourceId>i-1</resourceId>\n'
	printf '      <resourceType>instance</resourceType>\n'
	printf '      <key>Name</key>\n      <value>web-1</value>\n'
	printf '    </item>\n    <item>\n      <key>Team</key>\n'
	printf '      <value>Prod &amp; &lt;Ops&gt; &quot;q&quot;</value>\n'
	printf '    </item>\n    <item>\n'
	printf '      <key>EmptyTag</key>\n      <value/>\n'
	printf '    </item>\n    <item>\n'
	printf '      <key>\303\234nit &#x10400;</key>\n'
	printf '      <value>caf&#233;<![CDATA[<x>]]></value>\n'
	printf '    </item>\n  </tagSet>\n</DescribeTagsResponse>'
} >"$seeds/ec2/tags"
printf '\002<DescribeTagsResponse><tagSet/></DescribeTagsResponse>' \
    >"$seeds/ec2/tags-empty"

# fuzz_ctl: a control request line (seeds above).
# fuzz_options: a selector byte, a Java pattern or an option object, a
# NUL, a line.  Patterns as find, lookingAt and matches; objects for each
# converter (selector 0x80 + its place in fuzz_options.c's list).
i=0
for pat in '(\S+) (\d+) (.*)' '\d{4}-\d\d-\d\d' '(?i)error|warn' \
    '[a-z&&[^aeiou]]+' '\p{Lu}\w*\b' '(?<name>a)\k<name>' \
    '\Qa.b\E\s*,' '(?:x|y)*+z' '[\[\]]\R$'; do
	i=$((i + 1))
	for sel in 000 001 002; do
		printf "\\$sel%s\\000%b" "$pat" \
		    '2024-01-02 ab 12 ERROR \0303\0251 a.b, x' \
		    >"$seeds/options/re-$i-$sel"
	done
done
# One option object per line, tried with every converter.
cat >"$out/options.objs" <<'EOF'
{"parseOptions":["NO_TRIM","ESCAPE_NEW_LINE"]}
{"customFieldNames":["a","b"],"delimiter":"","jsonFormat":"PRETTYPRINT"}
{"logFormat":"RFC5424SYSLOG"}
{"logFormat":"LOGFMT","jsonFormat":"PRETTYPRINT"}
{"logFormat":"SYSLOG","matchPattern":"(\\w+) (.*)","customFieldNames":["a"]}
{"metadata":{"a":[1,2.5,null,"x"]},"timestamp":true}
{"pattern":"(?<t>\\S+ \\S+) (?<n>\\d+)","timeKey":"t","timeFormat":"%F %T"}
{"pattern":"(?<n>\\d+).*","types":{"n":"int"},"onMismatch":"WRAP"}
{"addFields":{"h":"{{hostname}}"},"removeFields":["a"],"onInvalid":"WRAP"}
EOF
i=0
for sel in 200 201 202 203 204 205 206; do
	while IFS= read -r obj; do
		i=$((i + 1))
		printf "\\$sel%s\\000%s" "$obj" \
		    '<34>1 2024-02-29T23:59:59Z h a p m - 2024-02-30 10:00:00 7' \
		    >"$seeds/options/opt-$i"
	done <"$out/options.objs"
done

run() {		# name
	name=$1
	case $name in
	fuzz_framer) seed=$seeds/framer ;;
	fuzz_addec2metadata) seed=$seeds/ec2 ;;
	fuzz_options) seed=$seeds/options ;;
	fuzz_ctl) seed=$seeds/ctl ;;
	*) seed=$seeds/converter ;;
	esac
	mkdir -p "$out/corpus-$name"
	# A fixed seed (FUZZ_SEED) makes a run reproducible.
	"$build/tests/fuzz/$name" -max_total_time="$secs" -seed="${FUZZ_SEED:-1}" \
	    -max_len=65536 -timeout=10 \
	    -rss_limit_mb=2048 -close_fd_mask=1 -print_final_stats=1 \
	    -artifact_prefix="$out/$name-" "$out/corpus-$name" "$seed" \
	    >"$out/$name.log" 2>&1
	echo $? >"$out/$name.rc"
}

echo "fuzz: running $targets for ${secs}s each, $jobs at a time"
running=0
for t in $targets; do
	run "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

for t in $targets; do
	rc=$(cat "$out/$t.rc" 2>/dev/null || echo 1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
	if [ "$rc" = 0 ]; then
		echo "fuzz: ok   $t (${runs:-?} runs)"
	else
		echo "fuzz: FAIL $t (exit $rc); log $out/$t.log:"
		grep -E 'ERROR|SUMMARY|fuzz:|Test unit written|runtime error' \
		    "$out/$t.log" | head -20 | sed 's/^/    /'
		fail=1
	fi
done
[ -n "${FUZZ_OUT:-}" ] || echo "fuzz: outputs in $out"
exit $fail
