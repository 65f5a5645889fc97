#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
printf '  a  \n\n b\tc \n\001x\177\nlast' >input
