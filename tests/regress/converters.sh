#!/usr/bin/env bash
# Runs every case under tests/data/converters/ through `sluiced -p`: the
# case's flow.yaml is put under a flow named "case", its input is read as a
# file of that flow, and the output must equal its expected bytes exactly
# (and its counts line, where the case has one, and a line of its warns
# file among what sluiced writes to standard error).  A case without an input
# or expected file has a make-input.sh or make-expected.sh that writes it
# into the current directory.
. "$(dirname "$0")/lib.sh"

cases=${SLUICE_TESTDATA:-$top_srcdir/tests/data}/converters
pass=0
failn=0
for dir in "$cases"/*/; do
	name=$(basename "$dir")
	input=$dir/input
	expected=$dir/expected
	# Cases too big to keep in git write their files when run.
	if [ ! -f "$input" ] && [ -f "$dir/make-input.sh" ]; then
		mkdir -p "$tmp/gen-$name"
		(cd "$tmp/gen-$name" && sh "$dir/make-input.sh") ||
		    fail "$name: make-input.sh failed"
		input=$tmp/gen-$name/input
	fi
	if [ ! -f "$expected" ] && [ -f "$dir/make-expected.sh" ]; then
		mkdir -p "$tmp/gen-$name"
		(cd "$tmp/gen-$name" && sh "$dir/make-expected.sh") ||
		    fail "$name: make-expected.sh failed"
		expected=$tmp/gen-$name/expected
	fi
	[ -f "$input" ] && [ -f "$expected" ] || continue
	{
		echo "stateDirectory: $tmp/state"
		echo "controlSocket: $tmp/sluice.sock"
		echo "flows:"
		echo "  - name: case"
		echo "    filePattern: /nonexistent/case.log"
		echo "    kinesisStream: case"
		if [ -f "$dir/flow.yaml" ]; then
			sed 's/^/    /' "$dir/flow.yaml"
		fi
		echo "cloudwatch.emitMetrics: false"
	} >"$tmp/$name.yaml"
	if ! timeout 30 "$SLUICED" -c "$tmp/$name.yaml" -p case \
	    <"$input" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
		echo "FAIL: $name: sluiced -p exited non-zero:"
		sed 's/^/    /' "$tmp/$name.err"
		failn=$((failn + 1))
		continue
	fi
	if ! cmp -s "$tmp/$name.out" "$expected"; then
		echo "FAIL: $name: output differs from expected"
		diff <(od -c "$expected") <(od -c "$tmp/$name.out") |
		    head -n 20 | sed 's/^/    /'
		failn=$((failn + 1))
		continue
	fi
	if [ -f "$dir/counts" ] &&
	    ! grep -qxF "$(cat "$dir/counts")" "$tmp/$name.err"; then
		echo "FAIL: $name: counts: want '$(cat "$dir/counts")'," \
		    "got '$(tail -n 1 "$tmp/$name.err")'"
		failn=$((failn + 1))
		continue
	fi
	if [ -f "$dir/warns" ] &&
	    ! grep -qF -f "$dir/warns" "$tmp/$name.err"; then
		echo "FAIL: $name: stderr lacks '$(cat "$dir/warns")':"
		sed 's/^/    /' "$tmp/$name.err"
		failn=$((failn + 1))
		continue
	fi
	pass=$((pass + 1))
done
echo "converter cases: $pass passed, $failn failed"
[ "$pass" -gt 0 ] || fail "no converter cases found in $cases"
[ "$failn" -eq 0 ]
