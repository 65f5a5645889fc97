#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
{
	printf '1.2.3.4 '
	head -c 1040000 /dev/zero | tr '\000' x
	printf ' END\n5.6.7.8  short\n'
} >input
