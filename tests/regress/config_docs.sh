#!/bin/sh
#
# config_docs: the documentation cannot drift from the code.  Two checks:
#
# 1. Top-level and flow keys.  The keys listed by `sluiced -h config`
#    (which prints the key table of agent/config.c), the .It Ic entries of
#    man/sluice.yaml.5 and the keys of etc/sluice.yaml must be the same set,
#    and each key's type in the man page (".It Ic key Ar type") must be the
#    one that -h config prints.
#
#    In etc/sluice.yaml a key is a line "key:" or "#key:" (a commented-out
#    key, no blank after the '#') at the top level (column 0) or at the
#    level of a flow's keys (after four blanks, or after "  - "), either
#    of them maybe behind one more '#' (a commented-out example flow).  Dotted
#    keys are written flat there.  Explanations are "# text", with a blank,
#    and are not keys; nor is anything indented deeper, such as the items
#    of a dataProcessingOptions example ("    #  - optionName: ...").
#
# 2. Processing options.  The converters of `sluiced -h config`'s
#    "Processing options" section (lines "  optionName: NAME") and each
#    converter's keys (rows indented by four blanks: key, type, default,
#    description) must be those of the PROCESSING OPTIONS section of the
#    man page: one ".Ss NAME" subsection per converter (a title in capitals
#    and digits), holding an ".It Cm key Ar type" entry per key, with the
#    same type.  A converter that -h config marks "(sluice extension)" must
#    be the one whose subsection begins "A sluice extension", and only it.
#
# Environment: SLUICED (default ./sluiced), srcdir (default .).
# Exit status: 0 if everything agrees, 1 otherwise, each difference named
# on standard error.

set -eu

SLUICED=${SLUICED:-./sluiced}
srcdir=${srcdir:-.}
man="$srcdir/man/sluice.yaml.5"
sample="$srcdir/etc/sluice.yaml"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/config_docs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

fail=0

if ! "$SLUICED" -h config >"$tmp/help.txt"; then
	echo "config_docs: $SLUICED -h config failed" >&2
	exit 1
fi

# 1. Top-level and flow keys.

# A row of the help table: two blanks, the key, blanks, a type name.
types='string|int|bool|size|duration-ms|enum|list'
sed -nE "s/^  ([A-Za-z][A-Za-z0-9.]*) +($types) .*/\\1 \\2/p" \
    "$tmp/help.txt" >"$tmp/help.typed"
sed -n 's/^\.It Ic \([^ ]*\) Ar \([^ ]*\).*/\1 \2/p; t
    s/^\.It Ic \([^ ]*\).*/\1 (none)/p' "$man" >"$tmp/man.typed"
cut -d ' ' -f 1 "$tmp/help.typed" >"$tmp/help.raw"
cut -d ' ' -f 1 "$tmp/man.typed" >"$tmp/man.raw"
sed -nE 's/^#?((    )|(  - ))?#?([A-Za-z][A-Za-z0-9.]*):([[:space:]].*)?$/\4/p' \
    "$sample" >"$tmp/sample.raw"

for what in help man sample; do
	sort "$tmp/$what.raw" >"$tmp/$what"
	if [ ! -s "$tmp/$what" ]; then
		echo "config_docs: no keys found in $what" >&2
		fail=1
	fi
	dups=$(uniq -d "$tmp/$what" | tr '\n' ' ')
	if [ -n "$dups" ]; then
		echo "config_docs: listed twice in $what: $dups" >&2
		fail=1
	fi
	sort -u -o "$tmp/$what" "$tmp/$what"
done

# Reports the lines in $1 but not in $2, both sorted; $3 names them.
compare() {
	extra=$(comm -23 "$tmp/$1" "$tmp/$2" | tr '\n' ' ')
	if [ -n "$extra" ]; then
		echo "config_docs: $3 in $1 but not in $2: $extra" >&2
		fail=1
	fi
}

compare help man keys
compare help sample keys
compare man help keys
compare sample help keys

# Types, for the keys that both list (the others are reported above).
bad=$(awk 'NR == FNR { t[$1] = $2; next }
    ($1 in t) && t[$1] != $2 {
	printf "%s%s (help: %s, man: %s)", sep, $1, t[$1], $2; sep = ", "
    }' "$tmp/help.typed" "$tmp/man.typed")
if [ -n "$bad" ]; then
	echo "config_docs: key types differ: $bad" >&2
	fail=1
fi

# 2. Processing options: "NAME" lines for converters, "NAME key type" lines
# for their keys, "NAME" lines for the extensions.

awk -v conv="$tmp/help.conv" -v ext="$tmp/help.ext" '
    /^Processing options/ { on = 1; next }
    on && !/^ / { on = 0 }
    on && /^  optionName: / {
	name = $2
	print name > conv
	if ($0 ~ /\(sluice extension\)$/)
		print name > ext
	next
    }
    on && /^    [A-Za-z]/ { print name, $1, $2 }
' "$tmp/help.txt" >"$tmp/help.opt"
: >>"$tmp/help.conv"
: >>"$tmp/help.ext"

awk -v conv="$tmp/man.conv" -v ext="$tmp/man.ext" '
    /^\.Sh / { on = ($0 == ".Sh PROCESSING OPTIONS"); name = ""; next }
    on && /^\.Ss / {
	title = substr($0, 5)
	name = title ~ /^[A-Z][A-Z0-9]*$/ ? title : ""
	if (name != "") {
		print name > conv
		first = 1
	}
	next
    }
    name != "" && first {
	first = 0
	if ($0 ~ /^A sluice extension/)
		print name > ext
    }
    name != "" && /^\.It Cm [A-Za-z][A-Za-z0-9]* Ar / { print name, $3, $5 }
' "$man" >"$tmp/man.opt"
: >>"$tmp/man.conv"
: >>"$tmp/man.ext"

if [ ! -s "$tmp/help.conv" ]; then
	echo "config_docs: no converters in $SLUICED -h config" >&2
	fail=1
fi
if [ ! -s "$tmp/man.conv" ]; then
	echo "config_docs: no converters in PROCESSING OPTIONS of $man" >&2
	fail=1
fi

for what in help man; do
	for kind in conv ext opt; do
		sort "$tmp/$what.$kind" >"$tmp/$what.$kind.s"
		dups=$(uniq -d "$tmp/$what.$kind.s" | tr ' \n' '.,')
		if [ -n "$dups" ]; then
			echo "config_docs: listed twice in $what: $dups" >&2
			fail=1
		fi
		sort -u -o "$tmp/$what.$kind.s" "$tmp/$what.$kind.s"
	done
	# Keys without their types, "NAME.key".
	awk '{ print $1 "." $2 }' "$tmp/$what.opt.s" |
	    sort -u >"$tmp/$what.key.s"
done

# Reports the options in $1 but not in $2 ("$what.$kind.s"); $3 names them.
compare_opt() {
	extra=$(comm -23 "$tmp/$1.s" "$tmp/$2.s" | tr '\n' ' ')
	if [ -n "$extra" ]; then
		echo "config_docs: $3 in ${1%%.*} but not in ${2%%.*}: $extra" >&2
		fail=1
	fi
}

compare_opt help.conv man.conv converters
compare_opt man.conv help.conv converters
compare_opt help.key man.key "converter keys"
compare_opt man.key help.key "converter keys"
compare_opt help.ext man.ext "sluice extensions"
compare_opt man.ext help.ext "sluice extensions"

bad=$(awk 'NR == FNR { t[$1 "." $2] = $3; next }
    ($1 "." $2 in t) && t[$1 "." $2] != $3 {
	printf "%s%s.%s (help: %s, man: %s)", sep, $1, $2, t[$1 "." $2], $3
	sep = ", "
    }' "$tmp/help.opt.s" "$tmp/man.opt.s")
if [ -n "$bad" ]; then
	echo "config_docs: converter key types differ: $bad" >&2
	fail=1
fi

if [ "$fail" -eq 0 ]; then
	echo "config_docs: $(wc -l <"$tmp/help" | tr -d ' ') keys and" \
	    "$(wc -l <"$tmp/help.conv.s" | tr -d ' ') converters with" \
	    "$(wc -l <"$tmp/help.key.s" | tr -d ' ') keys agree"
fi
exit "$fail"
