#!/usr/bin/env bash
# make check-long: logrotate.sh with every mode, both patterns, restarts
# at every point by SIGTERM and SIGKILL, and the copy and several-files
# cases.
set -eu
LR_LONG=1 bash "$(dirname "$0")/logrotate.sh"
