#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
printf 'caf\303\251\nbad\377\376\ntrunc\342\202\nsur\355\240\200\nover\300\257\n' >input
