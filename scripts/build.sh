#!/usr/bin/env bash
# Builds sluice in build/ (or $BUILD), configured with the given flags.
# Reconfigures only when the flags change.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build=${BUILD:-build}
flags="$*"
[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ] || [ "$(cat .sluice-flags 2>/dev/null)" != "$flags" ]; then
	# shellcheck disable=SC2086
	"$src/configure" $flags >/dev/null
	echo "$flags" >.sluice-flags
fi
make -j"$(nproc)" >/dev/null
