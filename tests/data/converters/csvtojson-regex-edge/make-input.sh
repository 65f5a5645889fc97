#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
{
printf '%s\n' '"a"|b\c| \"d\" '
printf 'x\001|y\177|\tz\n'
printf '\377|caf\303\251|\342\202|ok\n'
printf 'a|b\r\n'
printf 'a\r|b\n'
printf 'a\013|\014b\n'
printf 'a\302\240|b\n'
printf '\n'
printf 'a\302\205|b\n'
printf 'last|line'
} >input
