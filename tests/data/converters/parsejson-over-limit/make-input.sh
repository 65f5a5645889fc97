#!/bin/sh
# A 1,100,010-byte JSON object, then a short one.
{ printf '{"m": "'; head -c 1100000 /dev/zero | tr '\0' p; printf '"}\n{"n": 1}\n'; } >input
