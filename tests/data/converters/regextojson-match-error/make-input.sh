#!/bin/sh
# Writes this case's input and expected output: line 2 is 400000 x's and
# a z.  The expected bytes follow by construction: line 2 is sent as it was
# read.
cd "$(dirname "$0")" || exit 1
x=$(head -c 400000 /dev/zero | tr '\0' x)
printf 'xyz\n%sz\nyz\nq\n' "$x" >input
printf '{"a":"xy"}\n%sz\n{"a":"y"}\n' "$x" >expected
