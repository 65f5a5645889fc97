#!/bin/sh
# A 1,100,006-byte line, then a short one.
{ printf 'WARN '; head -c 1100000 /dev/zero | tr '\0' z; printf '\nINFO hi\n'; } >input
