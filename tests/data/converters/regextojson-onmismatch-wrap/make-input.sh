#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
printf 'INFO: ok\nsay "hi"\tthere\\now\n\nbad \377 byte\nctrl \001\037 end\r\nWARN: last' >input
