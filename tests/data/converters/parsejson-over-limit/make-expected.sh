#!/bin/sh
# The whole object parses (a cut one would not: onInvalid DROP would drop
# it); the compact JSON is then cut to the limit like any record.
{
	{ printf '{"m":"'; head -c 1100000 /dev/zero | tr '\0' p
	  printf '"}\n'; } | head -c 1048543
	printf '\n{"n":1}\n'
} >expected
