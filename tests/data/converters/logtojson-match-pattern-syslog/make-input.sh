#!/bin/sh
# Writes this case's input (it holds a CRLF line).
cd "$(dirname "$0")" || exit 1
printf '2024-01-02 INFO - started\n- - - -\n2024-01-02 WARN alice\n2024-01-02 INFO bob done\r\noneword\n' >input
