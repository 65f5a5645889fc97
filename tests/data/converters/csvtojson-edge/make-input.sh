#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
printf '1,2,,\n,\n\n,x\n1,2\r\n"x,y",\\z,\t\001\n\377,\342\202,caf\303\251\n1,2,3,4,5,6' >input
