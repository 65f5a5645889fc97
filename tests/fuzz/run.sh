#!/bin/sh
#
# run.sh: builds the libFuzzer targets with clang (ASan + UBSan) and runs
# each for FUZZ_SECONDS, with a seed corpus made from the converter test
# cases (tests/data/converters/*/input).  Fails if a target does not build
# or finds a crash, a leak or a broken invariant.
#
#	tests/fuzz/run.sh		# from anywhere; FUZZ_SECONDS=20
#	FUZZ_SECONDS=5 FUZZ_JOBS=2 CC=clang-14 tests/fuzz/run.sh
#
# Targets: fuzz_framer, fuzz_converter once per converter of the list
# below whose source file exists in parsers/, fuzz_options (Java regexes
# through jregex, and option objects through every converter's create,
# linked with all of those converters), and fuzz_addec2metadata for
# ADDEC2METADATA fed by the agent's metadata client (agent/imds.c, whose
# DescribeTags parser it fuzzes too), which talks to
# tests/fakeimds/fakeimds, built here with the same compiler and started
# by the target on 127.0.0.1.  Each converter is linked with the helper
# files of parsers/, not with the other converters.  Sources of common/
# and parsers/, and the converter targets, are compiled without agent/ on
# the include path, as the Makefile builds them.
# Crash inputs are kept in $FUZZ_OUT (default: a temp dir, printed), and
# a crash is replayed with: $FUZZ_OUT/<target> <crash-file>.

set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
cc=${CC:-clang}
out=${FUZZ_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/sluice-fuzz.XXXXXX")}
mkdir -p "$out" || exit 1

# optionName:file (parsers/<file>.c):ops symbol
converters="
SINGLELINE:singleline:singleline_ops
CSVTOJSON:csvtojson:csvtojson_ops
LOGTOJSON:logtojson:logtojson_ops
ADDMETADATA:addmetadata:addmetadata_ops
ADDBRACKETS:addbrackets:addbrackets_ops
REGEXTOJSON:regextojson:regextojson_ops
PARSEJSON:parsejson:parsejson_ops
"
# Converter files, and files that need the network; never helpers.
# ADDEC2METADATA has a target of its own (fuzz_addec2metadata.c).
notlib="registry chain addec2metadata"
for c in $converters; do
	notlib="$notlib $(echo "$c" | cut -d: -f2)"
done

san="address,undefined"
cflags="-g -O1 -fno-sanitize-recover=all -std=gnu11"
# Dependencies point one way, agent -> parsers -> common.
inc_parsers="-I$top/common -I$top/parsers"
inc_agent="$inc_parsers -I$top/agent"
libs="-lpcre2-8 -ljansson -lm"

fail=0
targets=""
xlibs=""	# more libraries for the target being built
maininc=$inc_parsers	# include path of the target being built

# Each source is compiled once; the targets are linked from the objects.
obj() {		# source -> prints its object
	d=$(basename "$(dirname "$1")")
	o=$out/obj/$d-$(basename "$1" .c).o
	inc=$inc_parsers
	[ "$d" = agent ] && inc=$inc_agent
	if [ ! -f "$o" ]; then
		mkdir -p "$out/obj"
		# shellcheck disable=SC2086
		$cc $cflags $inc -fsanitize=fuzzer-no-link,$san -c -o "$o" \
		    "$1" >>"$out/obj.log" 2>&1 || o=FAILED:$1
	fi
	echo "$o"
}

helpers=""
for f in "$top"/parsers/*.c; do
	b=$(basename "$f" .c)
	case " $notlib " in
	*" $b "*) ;;
	*) helpers="$helpers $f" ;;
	esac
done
common=$(ls "$top"/common/*.c)

build() {	# name, two -D flags (or ""), the target's source, other sources
	name=$1
	d1=$2
	d2=$3
	main=$4
	shift 4
	objs=""
	for src in "$@"; do
		objs="$objs $(obj "$src")"
	done
	echo "fuzz: building $name"
	case $objs in
	*FAILED:*)
		echo "fuzz: FAIL: $name: a source does not compile:"
		sed 's/^/    /' "$out/obj.log" | head -40
		fail=1
		return
		;;
	esac
	# shellcheck disable=SC2086
	if ! $cc $cflags $maininc -fsanitize=fuzzer,$san \
	    ${d1:+"$d1"} ${d2:+"$d2"} \
	    -o "$out/$name" "$main" $objs $libs $xlibs \
	    >"$out/$name.build.log" 2>&1
	then
		echo "fuzz: FAIL: $name does not build:"
		sed 's/^/    /' "$out/$name.build.log" | head -40
		fail=1
		return
	fi
	targets="$targets $name"
}

maininc=$inc_agent
# shellcheck disable=SC2086
build fuzz_framer "" "" "$top/tests/fuzz/fuzz_framer.c" "$top/agent/framer.c" \
    "$top/parsers/jregex.c" $common
maininc=$inc_parsers

for c in $converters; do
	opt=$(echo "$c" | cut -d: -f1)
	file=$(echo "$c" | cut -d: -f2)
	sym=$(echo "$c" | cut -d: -f3)
	if [ ! -f "$top/parsers/$file.c" ]; then
		echo "fuzz: skipping $opt (no parsers/$file.c)"
		continue
	fi
	# shellcheck disable=SC2086
	build "fuzz_$file" "-DFUZZ_CONVERTER=\"$opt\"" "-DFUZZ_OPS=$sym" \
	    "$top/tests/fuzz/fuzz_converter.c" "$top/parsers/$file.c" \
	    $helpers $common
done

# Java regexes and option objects: every converter above that exists.
convsrcs=""
for c in $converters; do
	file=$(echo "$c" | cut -d: -f2)
	if [ -f "$top/parsers/$file.c" ]; then
		convsrcs="$convsrcs $top/parsers/$file.c"
	fi
done
# shellcheck disable=SC2086
build fuzz_options "" "" "$top/tests/fuzz/fuzz_options.c" $convsrcs \
    $helpers $common

# ADDEC2METADATA, against the fake IMDS (plain C, no sanitizer: it is the
# test's server, not the code under test).  The target kills it at exit.
if [ -f "$top/parsers/addec2metadata.c" ]; then
	echo "fuzz: building fakeimds"
	fake=$out/fakeimds
	if $cc -g -O1 -std=gnu11 -o "$fake" "$top/tests/fakeimds/fakeimds.c" \
	    >"$out/fakeimds.build.log" 2>&1
	then
		xlibs="-lcurl -lcrypto -lpthread"
		maininc=$inc_agent
		# shellcheck disable=SC2086
		build fuzz_addec2metadata "-DFUZZ_FAKEIMDS=\"$fake\"" "" \
		    "$top/tests/fuzz/fuzz_addec2metadata.c" \
		    "$top/parsers/addec2metadata.c" "$top/agent/imds.c" \
		    "$top/agent/creds.c" "$top/agent/sigv4.c" $helpers $common
		xlibs=""
		maininc=$inc_parsers
	else
		echo "fuzz: FAIL: fakeimds does not build:"
		sed 's/^/    /' "$out/fakeimds.build.log" | head -40
		fail=1
	fi
fi

# Seeds: each case's input, behind the option bytes the targets expect.
seeds="$out/seeds"
mkdir -p "$seeds/framer" "$seeds/converter" "$seeds/ec2" "$seeds/options"
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
	*) seed=$seeds/converter ;;
	esac
	mkdir -p "$out/corpus-$name"
	# A fixed seed (FUZZ_SEED) makes a run reproducible.
	"$out/$name" -max_total_time="$secs" -seed="${FUZZ_SEED:-1}" \
	    -max_len=65536 -timeout=10 \
	    -rss_limit_mb=2048 -close_fd_mask=1 -print_final_stats=1 \
	    -artifact_prefix="$out/$name-" "$out/corpus-$name" "$seed" \
	    >"$out/$name.log" 2>&1
	echo $? >"$out/$name.rc"
}

echo "fuzz: running$targets for ${secs}s each, $jobs at a time"
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
