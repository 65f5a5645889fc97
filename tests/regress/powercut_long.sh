#!/usr/bin/env bash
# powercut.sh as a soak: 300 seeds (POWERCUT_SEEDS overrides) over a spool
# of 6 segments of 5,000 lines each (POWERCUT_ROUNDS, POWERCUT_LINES), so
# that the cut and the flipped byte land in every kind of place: a frame's
# marker, length, number, time, CRC or data, the first or the last frame
# of a segment, next to each other.
export POWERCUT_SEEDS=${POWERCUT_SEEDS:-300}
export POWERCUT_ROUNDS=${POWERCUT_ROUNDS:-6}
export POWERCUT_LINES=${POWERCUT_LINES:-5000}
exec bash "$(dirname "$0")/powercut.sh"
