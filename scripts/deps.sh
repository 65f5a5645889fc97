#!/usr/bin/env bash
# Installs what sluice needs to build and test, from Debian's archive and
# npm (dpkg-dev and debhelper build the Debian package for
# tests/regress/package.sh; systemd brings systemd-analyze for install.sh).  Idempotent: it installs only what is missing.  Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs="build-essential autoconf automake pkg-config libyaml-dev
libcurl4-openssl-dev libpcre2-dev libssl-dev libjansson-dev libcmocka-dev
mandoc curl perl nodejs npm valgrind libclang-rt-14-dev clang
python3 python3-prometheus-client openssl
dpkg-dev debhelper dh-autoreconf fakeroot adduser systemd util-linux logrotate gzip
libsqlite3-dev sqlite3"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed" || missing="$missing $p"
done
# Node and npm may come from elsewhere than Debian (as on our CI machines).
if command -v node >/dev/null && command -v npm >/dev/null; then
	missing=$(echo "$missing" | tr ' ' '\n' | grep -vx -e nodejs -e npm | tr '\n' ' ')
fi
if [ -n "$(echo "$missing" | tr -d ' ')" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: need root to install:$missing" >&2
		exit 1
	fi
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Again whenever the lock file changed since the last install.
if [ ! -d tests/interop/node_modules ] ||
    [ tests/interop/package-lock.json -nt \
    tests/interop/node_modules/.package-lock.json ]; then
	echo "deps: installing the interop test peers from npm"
	(cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
fi
