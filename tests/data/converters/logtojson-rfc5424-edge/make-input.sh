#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
{
printf '<13>1 2024-01-02T03:04:05Z h a p m - say "hi" \\path\t\001\177\n'
printf '<13>1 - - - - - [x@1 v="a\tb\\\\c\\"d\037"] m\n'
printf '<13>1 - h\377 a - - - m\n'
printf '<13>1 - h a - - - caf\303\251 \377\376\n'
printf '<13>1 - h a - - - a\rb\n'
printf '\n'
printf '<13>1 - - - - - - \n'
printf '<13>1 - - - - - -\n'
printf '<13>1 - - - - - [x@1 v="\377"] \357\273\277bom\n'
printf '<13>1 - h a - - - crlf\r\n'
printf '<13>1 - h a - - - last'
} >input
