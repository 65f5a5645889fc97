#!/bin/sh
# Writes this case's input and expected (about 1 MiB each).  The flow is a
# Kinesis one, whose largest record is 1048576 - 32 bytes (sluice keeps 32
# bytes of the 1 MiB limit for the partition key, its longest).
cd "$(dirname "$0")" || exit 1
max=1048544
term='<TRUNCATED>\n'	# 12 bytes, as in flow.yaml
{
	printf 'S start\n'
	head -c 1100000 /dev/zero | tr '\0' x
	printf '\ntail line\nS next\n'
} >input
{
	printf 'S start\n'
	head -c $((max - 8 - 12)) /dev/zero | tr '\0' x
	printf '%b' "$term"
	printf 'S next\n'
} >expected
