#!/bin/sh
# Writes this case's input (holds UTF-8 BOMs and a CRLF line).
B=$(printf '\357\273\277')
{
printf '%s\n' "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - ${B}'su root' failed for lonvick on /dev/pts/8"
printf '%s\n' "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts."
printf '%s\n' "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] ${B}An application event log entry..."
printf '%s\r\n' "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]"
printf '%s\n' '<13>1 - - - - - [x@1 a="q\"b\\c\]d\e" a="2"] m'
printf '%s\n' '<34>1 2003-10-11T22:14:15.003Z host app - - [a x="1"][a y="2"] dup'
printf '%s\n' 'Oct 11 22:14:15 mymachine su: not 5424'
} >input
