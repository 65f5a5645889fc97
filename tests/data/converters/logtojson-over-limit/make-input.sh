#!/bin/sh
# A 1,200,000-byte path in a combined log line, then a short line.
{
	printf '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /'
	head -c 1200000 /dev/zero | tr '\0' a
	printf ' HTTP/1.0" 200 2326 "-" "agent"\n'
	printf '5.6.7.8 - bob [10/Oct/2000:13:55:37 -0700] "GET / HTTP/1.0" '
	printf '404 - "http://x/" "curl"\n'
} >input
