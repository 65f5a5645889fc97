#!/bin/sh
# Writes this case's input (binary bytes); expected is the same bytes.
cd "$(dirname "$0")" || exit 1
printf 'crlf line\r\nnul\000inside\nbad utf8 \377\376 \303( \342\202\nlone\rcr\n\nlast without newline \360\237\230' >input
cp input expected
