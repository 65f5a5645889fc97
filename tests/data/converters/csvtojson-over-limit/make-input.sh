#!/bin/sh
# A 1,100,000-byte first column, then a short line.
{ head -c 1100000 /dev/zero | tr '\0' x; printf ',y\n1,2\n'; } >input
