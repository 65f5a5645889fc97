#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
printf 'This is the data\nsay "hi"\t\\path\n\nctl\001\037\177\r\nbad\377\342\202\nlast' >input
