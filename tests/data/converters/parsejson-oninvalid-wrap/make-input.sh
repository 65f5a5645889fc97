#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
printf '%s\n' '{ "ok" : 1 }' 'not json' '[1,2]' '"str"' '' >input
printf '{"a":"\377"}\n{"a":"tab\there"}\n' >>input
printf '%s\n' '{"big":12345678901234567890}' >>input
printf 'x\r\n{"last":true}' >>input
