#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
printf '%s\n' '{ "ok" : 1 }' 'not json' '[1,2]' '"str"' 42 '' '{"a":1,}' '{"a":1} trailing' >input
printf '{"a":"\377"}\n{"ok":2}\n' >>input
