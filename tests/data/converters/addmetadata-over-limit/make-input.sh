#!/bin/sh
# A 1,100,000-byte line, then a short one.
{ head -c 1100000 /dev/zero | tr '\0' m; printf '\nok\n'; } >input
