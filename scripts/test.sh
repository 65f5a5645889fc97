#!/usr/bin/env bash
# Runs every test: unit tests and the end-to-end suite under AddressSanitizer,
# UBSan and LeakSanitizer (make check), the interop suite against kinesalite
# and the AWS SDK for JavaScript (make check-interop), and make distcheck.
# The last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
step() {
	local name=$1
	shift
	echo "=== $name"
	if "$@"; then
		echo "=== $name: ok"
	else
		echo "=== $name: FAILED"
		failed=$((failed + 1))
		return 1
	fi
}

# Adds up one automake test run from its summary ("# PASS:  N" ...).
count_automake() {
	local p f
	p=$(sed -n 's/^# PASS: *//p' "$1" | tail -n 1)
	f=$(sed -n 's/^# \(FAIL\|ERROR\|XPASS\): *//p' "$1" |
	    awk '{s += $1} END {print s + 0}')
	if [ -z "$p" ]; then
		f=$((f + 1))	# no summary: the run itself broke
	fi
	passed=$((passed + ${p:-0}))
	failed=$((failed + f))
}

BUILD=build-asan
if step "build (asan, -Werror)" env BUILD=$BUILD ./scripts/build.sh \
    --enable-debug --enable-asan; then
	(cd $BUILD && make -j"$(nproc)" check) 2>&1 | tee "$BUILD/check.out"
	count_automake "$BUILD/check.out"
	echo "=== interop (kinesalite, AWS SDK, SigV4 proxy)"
	make -C $BUILD check-interop 2>&1 | tee "$BUILD/interop.out"
	rc=${PIPESTATUS[0]}
	p=$(sed -n 's/^\([a-z-]*: \)\{0,1\}\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$BUILD/interop.out" | awk '{s += $1} END {print s + 0}')
	f=$(sed -n 's/^\([a-z-]*: \)\{0,1\}\([0-9]*\) passed, \([0-9]*\) failed.*/\3/p' "$BUILD/interop.out" | awk '{s += $1} END {print s + 0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# it broke before it could count
	fi
	passed=$((passed + p))
	failed=$((failed + f))
fi

# libFuzzer targets (the framer and each converter), a bounded time each,
# under ASan and UBSan.
if step "fuzz (libFuzzer, ${FUZZ_SECONDS:=15} s a target)" \
    env FUZZ_SECONDS="$FUZZ_SECONDS" bash tests/fuzz/run.sh; then
	passed=$((passed + 1))
fi

# make distcheck: the tarball builds, installs and passes make check.
distcheck() {
	BUILD=build ./scripts/build.sh &&
	    make -C build distcheck \
	    DISTCHECK_CONFIGURE_FLAGS=--enable-debug >build/distcheck.out 2>&1 ||
	    { tail -n 60 build/distcheck.out; return 1; }
}
if [ "${SLUICE_SKIP_DISTCHECK:-0}" != 1 ] && step "make distcheck" distcheck; then
	passed=$((passed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
