#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
{
printf '%s\n' '[10/Oct/2000:13:55:36 -0700] say "hi" C:\x'
printf '[10/Oct/2000:13:55:36 +0000] a\001\tb\177\n'
printf '[10/Oct/2000:13:55:36 -0700] \377\376 caf\303\251\n'
printf '[10/Oct/2000:13:55:36 \3770700] x\n'
printf '[10/Oct/2000:13:55:36\t-0700] tab\n'
printf '[10/Oct/2000:13:55:36 -0700\001] ctl\n'
printf '[10/Oct/2000:13:55:36 -0700] crlf\r\n'
printf '\n'
printf '[01/Jan/2024:00:15:00 +0530] last'
} >input
