#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
{
printf '"a,b"\t\\x\t'"'c'"'\n'
printf '\001\t\033[0m\t\177\t\013\n'
printf '\355\240\200\t\360\237\230\t\340\200\200\n'
printf 'a\tb\r\n'
printf '\t\tx\t\t\n'
printf '\n'
printf 'a b\tc\n'
printf '\t\n'
printf 'end\tof\tfile'
} >input
