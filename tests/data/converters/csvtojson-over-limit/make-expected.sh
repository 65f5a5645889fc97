#!/bin/sh
# The JSON of the long line, cut to 1,048,544 bytes ending in "\n".
{
	{ printf '{"a":"'; head -c 1100000 /dev/zero | tr '\0' x
	  printf '","b":"y"}\n'; } | head -c 1048543
	printf '\n{"a":"1","b":"2"}\n'
} >expected
