#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
printf 'a=1\r\nb=2\nc=3\r\n\r\nd=4' >input
