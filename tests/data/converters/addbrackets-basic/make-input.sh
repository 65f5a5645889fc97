#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
printf 'hello there\nsecond line\r\n\nbad\377\nlast' >input
