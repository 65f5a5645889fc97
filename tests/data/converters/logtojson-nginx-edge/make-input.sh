#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
{
printf '%s\n' '2024/01/02 03:04:05 [error] 1#2: *3 open() "C:\x" failed, client: 192.0.2.1, server: s, request: "GET /a\"b\\c HTTP/1.1", host: "h"'
printf '2024/01/02 03:04:06 [warn] 1#1: bad\001byte\ttab\177\n'
printf '2024/01/02 03:04:07 [error] 1#1: *4 caf\303\251 \377, client: \376\n'
printf '2024/01/02 03:04:08 [info] 1#1: *5 crlf, client: 192.0.2.1\r\n'
printf '\n'
printf '2024/01/02 03:04:09 [error] 1#1: \n'
printf '2024/01/02 03:04:10 [crit] 1#1: last'
} >input
