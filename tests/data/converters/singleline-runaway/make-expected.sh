#!/bin/sh
# The agent's runaway record: the first 5 MiB become a record and the rest
# of the line is discarded; SINGLELINE then runs on it and the result is
# cut to 1,048,544 bytes ending in "\n".  The next line is whole.
{ head -c 1048543 /dev/zero | tr '\0' r; printf '\nnext\n'; } >expected
