#!/usr/bin/env bash
# make check-long: logrotate.sh with every mode, both patterns, restarts
# by SIGTERM and SIGKILL before, after and during a rotation.  The copy
# and several-files cases run with LR_KNOWN_BUGS=1 (see logrotate.sh).
set -eu
LR_LONG=1 bash "$(dirname "$0")/logrotate.sh"
