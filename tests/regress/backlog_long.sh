#!/usr/bin/env bash
# make check-long: backlog.sh on 200 MB of lines without a converter, the
# case of issue 8 (the read of 165 MB kept the loop from epoll throughout),
# with its bound: SIGTERM handled within 100 ms.
BACKLOG_LINES=${BACKLOG_LINES:-2000000} BACKLOG_CONVERTER= \
    BACKLOG_SIGNAL_MS=${BACKLOG_SIGNAL_MS:-100} \
    exec bash "$(dirname "$0")/backlog.sh"
