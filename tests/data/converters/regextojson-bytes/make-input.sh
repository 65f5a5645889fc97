#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
printf 'caf\303\251=cr\303\250me\nbad=\377\376\nnul=a\000b\ntrunc=\342\202\nkey\300\257=v\n' >input
