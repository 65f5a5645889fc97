#!/usr/bin/env bash
# make check's share of many_files_long.sh: 2,000 files.
MANY_FILES=2000 exec bash "$(dirname "$0")/many_files_long.sh"
