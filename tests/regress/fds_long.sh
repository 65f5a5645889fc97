#!/usr/bin/env bash
# make check-long: fds.sh with 10,000 files created after the start, then
# again with maxOpenFiles past the descriptor limit (EMFILE at run time).
set -eu
here=$(dirname "$0")
FDS_DIRS=100 FDS_FILES=100 bash "$here/fds.sh"
FDS_DIRS=100 FDS_FILES=100 FDS_MAXOPEN=400 bash "$here/fds.sh"
