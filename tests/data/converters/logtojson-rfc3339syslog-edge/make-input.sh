#!/bin/sh
# Writes this case's input (it holds bytes a text editor would mangle).
cd "$(dirname "$0")" || exit 1
{
printf '2024-01-02T03:04:05Z web-1 app[7]: say "hi" \\path\\to\\x\t\001\037\000\010\014\013\177/end\n'
printf '2024-01-02T03:04:06+01:00 web-1 app: caf\303\251 \377 \342\202 end c1:\302\237\n'
printf '2024-01-02T03:04:07Z web\377 app: bad host\n'
printf '2024-01-02T03:04:08Z web-1 app: crlf\r\n'
printf '2024-01-02T03:04:09Z web-1 app: a\rb\n'
printf '2024-01-02T03:04:10Z web-1 app: nel\302\205x\n'
printf '\n'
printf '2024-01-02T03:04:11.5-07:00 web-1 app[1]: last'
} >input
