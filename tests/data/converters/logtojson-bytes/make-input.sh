#!/bin/sh
# Writes this case's input (binary bytes).
printf 'Mar 12 12:01:02 h p: tab\there "q" back\\slash \001\037\177\n' >input
printf 'Mar 12 12:01:02 h p: bad \377 byte, cut \342\202 and surrogate \355\240\200 end\n' >>input
printf 'Mar 12 12:01:02 h p: nul \000 byte\n' >>input
printf 'Mar 12 12:01:02 h p: line\342\200\250sep\n' >>input
printf 'Mar 12 12:01:02 h p: caf\303\251 \360\237\230\200\n' >>input
