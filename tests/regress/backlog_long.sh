#!/usr/bin/env bash
# make check-long: backlog.sh on 200 MB of lines without a converter, the
# case of issue 8 (the read of 165 MB kept the loop from epoll throughout).
BACKLOG_LINES=${BACKLOG_LINES:-2000000} BACKLOG_CONVERTER= \
    exec bash "$(dirname "$0")/backlog.sh"
