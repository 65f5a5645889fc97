#!/bin/sh
# Writes this case's input and expected output: a 200000-byte first
# column.  The expected bytes follow by construction (the column is copied,
# it needs no escaping).
cd "$(dirname "$0")" || exit 1
x=$(head -c 200000 /dev/zero | tr '\0' x)
printf '%s,y\n' "$x" >input
printf '{"a":"%s","b":"y"}\n' "$x" >expected
