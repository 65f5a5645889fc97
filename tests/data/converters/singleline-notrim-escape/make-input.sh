#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
printf '2024-01-01 ERROR boom\n    at a.b(C.java:1)\n\n    at d.e(F.java:2)\n2024-01-01 INFO ok' >input
