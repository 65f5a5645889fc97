#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
printf '2024-01-01 ERROR boom\r\n    at a.b(C.java:1)\r\n    at d.e(F.java:2)\r\n2024-01-01 INFO ok\r\n' >input
