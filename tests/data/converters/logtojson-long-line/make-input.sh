#!/bin/sh
# Writes this case's input: one 1,000,000-byte line.
{ printf 'Mar 12 12:01:02 h p: '; head -c 999978 /dev/zero | tr '\0' x; printf '\n'; } >input
