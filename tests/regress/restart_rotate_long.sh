#!/usr/bin/env bash
# make check-long: restart_rotate.sh with restarts at every point of its
# first part, not only the first.
set -eu
RESTART_LONG=1 bash "$(dirname "$0")/restart_rotate.sh"
