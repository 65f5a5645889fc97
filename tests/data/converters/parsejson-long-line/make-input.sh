#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
x() { head -c 1040000 /dev/zero | tr '\000' x; }
{ printf '{"m":"'; x; printf '"}\n'; } >input
{ printf '{"m":"'; x; printf '","f":"case"}\n'; } >expected
