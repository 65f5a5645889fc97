#!/bin/sh
# The whole line goes into "data"; the JSON is then cut to 1,048,544 bytes
# ending in "\n".
{
	{ printf '{"metadata":{"app":"web"},"data":"'
	  head -c 1100000 /dev/zero | tr '\0' m; printf '"}\n'; } |
	    head -c 1048543
	printf '\n{"metadata":{"app":"web"},"data":"ok"}\n'
} >expected
