#!/usr/bin/env bash
# make check-long: logrotate.sh with every mode, both patterns, restarts
# by SIGTERM and SIGKILL before, after and during a rotation, and the
# test's own modes (cp, shift) with several rotations while stopped.
set -eu
LR_LONG=1 bash "$(dirname "$0")/logrotate.sh"
