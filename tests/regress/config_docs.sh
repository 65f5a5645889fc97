#!/bin/sh
#
# config_docs: the keys listed by `sluiced -h config` (which prints the key
# table of agent/config.c), the .It Ic entries of man/sluice.yaml.5 and the
# keys of etc/sluice.yaml must be the same set, so that the documentation
# cannot drift from the code.
#
# In etc/sluice.yaml a key is a line "key:" or "#key:" (a commented-out
# key, no blank after the '#'), optionally indented and after "- ".
# Explanations are "# text", with a blank, and are not keys.
#
# Environment: SLUICED (default ./sluiced), srcdir (default .).
# Exit status: 0 if the three sets agree, 1 otherwise.

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

# A row of the help table: two blanks, the key, blanks, a type name.
types='string|int|bool|size|duration-ms|enum|list'
sed -nE "s/^  ([A-Za-z][A-Za-z0-9.]*) +($types) .*/\\1/p" \
    "$tmp/help.txt" >"$tmp/help.raw"
sed -n 's/^\.It Ic \([^ ]*\).*/\1/p' "$man" >"$tmp/man.raw"
sed -nE 's/^[[:space:]]*(- )?#?(- )?([A-Za-z][A-Za-z0-9.]*):([[:space:]].*)?$/\3/p' \
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

# Reports the keys in $1 but not in $2.
compare() {
	extra=$(comm -23 "$tmp/$1" "$tmp/$2" | tr '\n' ' ')
	if [ -n "$extra" ]; then
		echo "config_docs: in $1 but not in $2: $extra" >&2
		fail=1
	fi
}

compare help man
compare help sample
compare man help
compare sample help

if [ "$fail" -eq 0 ]; then
	echo "config_docs: $(wc -l <"$tmp/help" | tr -d ' ') keys agree"
fi
exit "$fail"
