#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
{
printf '%s\n' '2024-01-02 03:04:05 "quoted" \back\slash'
printf '2024-01-02 03:04:05 ctl\001\037\010\014\n'
printf '2024-01-02 03:04:05\377 y\n'
printf '2024-01-02 03:04:05 bad\377\300\257\n'
printf '2024-01-02 03:04:05 crlf\r\n'
printf '\n'
printf '1999-12-31 23:59:59 last'
} >input
