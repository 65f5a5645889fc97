#!/bin/sh
# A 6 MiB line: more than the 5 MiB read buffer.  Then a short line.
{ head -c 6291456 /dev/zero | tr '\0' r; printf '\nnext\n'; } >input
