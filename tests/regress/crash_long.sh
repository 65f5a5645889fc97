#!/usr/bin/env bash
# crash.sh as a soak: 2,000 SIGKILLs (KILLS overrides) at random moments,
# 0 to 0.6 s apart (GAP_MIN_MS, GAP_MAX_MS override).  Restarts dominate
# there, and each costs what was in flight, so the duplicate rate allowed
# is MAX_DUP_PCT, 10% by default; lost lines are never allowed.
export KILLS=${KILLS:-2000}
export GAP_MIN_MS=${GAP_MIN_MS:-0}
export GAP_MAX_MS=${GAP_MAX_MS:-600}
export MAX_DUP_PCT=${MAX_DUP_PCT:-10}
exec bash "$(dirname "$0")/crash.sh"
