#!/usr/bin/env bash
# make check-long: rotate_grow.sh with maxOpenRotatedFiles: 1, so that the
# new file waits for the rotated one to be read and closed.
set -eu
ROTGROW_CAP=1 bash "$(dirname "$0")/rotate_grow.sh"
