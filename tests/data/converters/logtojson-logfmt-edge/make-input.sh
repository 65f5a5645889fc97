#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
{
printf '%s\n' 'msg="a \"q\" b\\c \x" path=C:\dir\file ctl="\u0001\u001f\b"'
printf 'k="a\tb\001c" d=x\177y\n'
printf 'k=\377 v="\342\202" \300\257=1\n'
printf 'a=1 b=2\r\n'
printf 'a=1\rb=2\n'
printf '\n'
printf ' \t \n'
printf '%s\n' 'e="\u00e9\ud83d\ude00\ud800"'
printf 'a=1\tb=2  c\n'
printf 'last=1'
} >input
