#!/usr/bin/env bash
# Nothing in the tests, the demo, the benchmark or the scripts may call
# real AWS.  cloudwatch.emitMetrics defaults to true, as in the Kinesis
# Agent, so every config that defines a flow (kinesisStream or
# deliveryStream) must turn the metrics off or point them at a fake: the
# file must say cloudwatch.emitMetrics or cloudwatch.endpoint, or build
# its config with lib.sh's config_head, which turns them off.  lib.sh
# also sends forgotten metrics to a closed port on 127.0.0.1
# (AWS_ENDPOINT_URL_CLOUDWATCH), but the interop suite and the benchmark
# do not source it; this check covers them too.
#
# Not checked: tests/data/config (parser fixtures that only config_load
# and sluiced -n read: no daemon runs them), the unit tests' C sources
# (no daemon either), and etc/sluice.yaml (the sample for real servers).
. "$(dirname "$0")/lib.sh"

cd "$top_srcdir"
bad=0
checked=0
while IFS= read -r f; do
	case $f in
	tests/data/config/*|tests/unit/*|etc/sluice.yaml|*/node_modules/*|*.c|*.h|*.md)
		continue ;;
	esac
	checked=$((checked + 1))
	# Per config, not per file: each "flows" needs its own guard (the
	# benchmark once had one config of three with the metrics off).
	nflows=$(grep -c -E '^[[:space:]]*(echo ")?"?flows"?[[:space:]]*:' \
	    "$f" || true)
	nguard=$(grep -c -E 'cloudwatch\.(emitMetrics|endpoint)|config_head' \
	    "$f" || true)
	if [ "$nguard" -eq 0 ] || [ "$nguard" -lt "$nflows" ]
	then
		echo "$f: $nflows configs with flows, $nguard of them" \
		    "guarded: one defines a flow but neither turns cloudwatch metrics" \
		    "off (cloudwatch.emitMetrics: false) nor points them at a" \
		    "fake (cloudwatch.endpoint)" >&2
		bad=$((bad + 1))
	fi
done < <(grep -r -l -E 'kinesisStream|deliveryStream' tests etc bench scripts \
    --exclude-dir=node_modules 2>/dev/null | sort)
echo "checked $checked files that define flows"
[ "$checked" -gt 10 ] || fail "found only $checked configs: the search is broken"
[ "$bad" -eq 0 ] || fail "$bad files may send metrics to real AWS"
echo "PASS: no_real_aws"
