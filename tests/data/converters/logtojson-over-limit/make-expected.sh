#!/bin/sh
# The agent converts the whole line, then cuts the JSON to the Kinesis
# limit (1 MiB less 32 bytes for the partition key: 1,048,544 bytes) with
# the terminator "\n" in its last byte; the next line is whole.
{
	{
		printf '{"host":"1.2.3.4","ident":null,"authuser":null,'
		printf '"datetime":"10/Oct/2000:13:55:36 -0700","request":"GET /'
		head -c 1200000 /dev/zero | tr '\0' a
		printf ' HTTP/1.0","response":"200","bytes":"2326",'
		printf '"referer":null,"agent":"agent"}\n'
	} | head -c 1048543
	printf '\n'
	printf '{"host":"5.6.7.8","ident":null,"authuser":"bob",'
	printf '"datetime":"10/Oct/2000:13:55:37 -0700","request":"GET / '
	printf 'HTTP/1.0","response":"404","bytes":null,'
	printf '"referer":"http://x/","agent":"curl"}\n'
} >expected
