#!/usr/bin/env bash
# crash.sh as a soak: 2,000 SIGKILLs (KILLS overrides) at random moments.
export KILLS=${KILLS:-2000}
exec bash "$(dirname "$0")/crash.sh"
