#!/bin/sh
# The pattern matches the whole line, not one already cut with the
# terminator; the JSON is then cut to 1,048,544 bytes ending in "\n".
{
	{ printf '{"level":"WARN","msg":"'
	  head -c 1100000 /dev/zero | tr '\0' z; printf '"}\n'; } |
	    head -c 1048543
	printf '\n{"level":"INFO","msg":"hi"}\n'
} >expected
