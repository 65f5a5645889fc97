#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
printf '%s\n' '{"b": 1, "a": [1, 2, {"x": null}], "c": "s", "t": true, "e": {}}' >input
printf '  {"z":"last","a":"first"}  \n' >>input
printf '{"dup":1,"k":2,"dup":3}\r\n' >>input
printf '%s\n' '{"r":1.50,"e":1e3,"i":-7}' >>input
printf '%s' '{"no":"newline"}' >>input
