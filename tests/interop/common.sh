# Shell helpers shared by selftest.sh and run.sh (sourced, not run).
# They start the third-party peers on 127.0.0.1, track every child so the
# EXIT trap can stop it, and keep all state in one temp dir that the trap
# removes (set INTEROP_KEEP=1 to keep it for debugging).

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-interop.XXXXXX")
children=""
checks_passed=0
checks_failed=0

cleanup() {
	local pid i
	trap - EXIT INT TERM
	for pid in $children; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $children; do
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ -n "${INTEROP_KEEP:-}" ]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

say() {
	echo "== $*"
}

die() {
	echo "FAIL: $*" >&2
	exit 1
}

# check DESCRIPTION COMMAND...: runs COMMAND, counts and reports the
# result, and returns COMMAND's success or failure.
check() {
	local what=$1
	shift
	if "$@"; then
		checks_passed=$((checks_passed + 1))
		echo "ok: $what"
		return 0
	fi
	checks_failed=$((checks_failed + 1))
	echo "not ok: $what"
	return 1
}

ensure_node_modules() {
	if [ ! -d "$here/node_modules" ]; then
		say "installing node modules"
		(cd "$here" && timeout 300 npm ci --no-audit --no-fund) ||
		    die "npm ci failed"
	fi
}

# wait_file FILE SECONDS PID: waits for FILE to exist while PID lives.
wait_file() {
	local file=$1 secs=$2 pid=$3 i
	for i in $(seq $((secs * 10))); do
		[ -s "$file" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# start_kinesalite STREAM:SHARDS: sets kin_port and kin_pid.
start_kinesalite() {
	node "$here/kinesalite.js" --port 0 --stream "$1" \
	    --port-file "$tmp/kinesalite.port" >"$tmp/kinesalite.log" 2>&1 &
	kin_pid=$!
	children="$children $kin_pid"
	wait_file "$tmp/kinesalite.port" 30 "$kin_pid" || {
		cat "$tmp/kinesalite.log" >&2
		die "kinesalite did not start"
	}
	kin_port=$(cat "$tmp/kinesalite.port")
	say "kinesalite on 127.0.0.1:$kin_port (pid $kin_pid), stream $1"
}

# start_sigproxy ARGS...: in front of kinesalite (or of $proxy_target);
# sets proxy_port, proxy_pid.
start_sigproxy() {
	node "$here/sigproxy.js" --listen-port 0 \
	    --target "${proxy_target:-http://127.0.0.1:$kin_port}" \
	    --port-file "$tmp/sigproxy.port" --log "$tmp/sigproxy.log" \
	    "$@" >"$tmp/sigproxy.out" 2>&1 &
	proxy_pid=$!
	children="$children $proxy_pid"
	wait_file "$tmp/sigproxy.port" 30 "$proxy_pid" || {
		cat "$tmp/sigproxy.out" >&2
		die "sigproxy did not start"
	}
	proxy_port=$(cat "$tmp/sigproxy.port")
	say "sigproxy on 127.0.0.1:$proxy_port (pid $proxy_pid) $*"
}

# proxy_stat NAME: prints one counter of the proxy.
proxy_stat() {
	timeout 10 node -e '
	    const http = require("node:http");
	    http.get({ host: "127.0.0.1", port: process.argv[1],
		path: "/__stats" }, (res) => {
		    let s = "";
		    res.on("data", (c) => { s += c; });
		    res.on("end", () => console.log(JSON.parse(s)[process.argv[2]]));
	    }).on("error", (e) => { console.error(e.message); process.exit(1); });
	' "$proxy_port" "$1"
}

# summary: prints the plain closing line and exits with the result.
summary() {
	echo "$1: $checks_passed passed, $checks_failed failed"
	[ "$checks_failed" -eq 0 ]
	exit $?
}
