#!/bin/sh
# install.sh builds c3cred with the local Go toolchain and installs it, with a git-credential-c3
# link beside it, into $PREFIX/bin (default ~/.local/bin). Running it again replaces both.
#
#   ./install.sh           build and install
#   ./install.sh --demo    also start a local stand-in of the platform on 127.0.0.1 and show a
#                          token fetched, then served from the cache (no C3 account needed)
#
# The binary is built with CGO_ENABLED=0. A Go program that links package net is linked
# dynamically when cgo is on, and then pays the dynamic loader on every start; c3cred runs before
# every kubectl command, so it is built static. Go's own DNS resolver and the OS keyring clients
# (D-Bus on Linux, the security tool on macOS, the Win32 API on Windows) need no cgo.
set -eu

cd "$(dirname "$0")"
demo=no
for arg in "$@"; do
	case $arg in
	--demo) demo=yes ;;
	-h | --help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "install.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
	esac
done

command -v go >/dev/null 2>&1 || { echo "install.sh: Go is not on PATH; install Go 1.26 or later" >&2; exit 1; }

bindir="${PREFIX:-$HOME/.local}/bin"
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
mkdir -p "$bindir"
tmp="$bindir/.c3cred.tmp.$$"
trap 'rm -f "$tmp"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X c3cred/cli.Version=$version" -o "$tmp" .
mv -f "$tmp" "$bindir/c3cred"
ln -sf c3cred "$bindir/git-credential-c3"
echo "installed $bindir/c3cred ($version) and the link $bindir/git-credential-c3"

case ":$PATH:" in
*":$bindir:"*) ;;
*) echo "install.sh: warning: $bindir is not on your PATH; add it, e.g. export PATH=\"$bindir:\$PATH\"" >&2 ;;
esac

[ "$demo" = yes ] || exit 0

# The demo runs in a throwaway home: config, cache and the stand-in all vanish afterwards.
echo
echo "demo: starting a local stand-in of the C3 AI Platform on 127.0.0.1"
work=$(mktemp -d)
trap 'kill "$standin_pid" 2>/dev/null; rm -rf "$work" "$tmp"' EXIT
go build -o "$work/c3-standin" ./standin/c3-standin
mkfifo "$work/keepalive"
"$work/c3-standin" -stdin-eof <"$work/keepalive" >"$work/standin.env" 2>"$work/standin.log" &
standin_pid=$!
exec 3>"$work/keepalive"
for _ in $(seq 50); do grep -q '^C3CRED_CLIENT_SECRET=' "$work/standin.env" 2>/dev/null && break; sleep 0.1; done
. "$work/standin.env"

export XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state"
unset DBUS_SESSION_BUS_ADDRESS C3CRED_CONFIG C3CRED_PROFILE
mkdir -p "$XDG_CONFIG_HOME/c3cred"
cat >"$XDG_CONFIG_HOME/c3cred/config.toml" <<TOML
[profiles.demo]
url = "$C3CRED_URL"
client_id = "$C3CRED_CLIENT_ID"
client_secret_env = "DEMO_SECRET"
cache = "file"
TOML
export DEMO_SECRET="$C3CRED_CLIENT_SECRET"
unset C3CRED_URL C3CRED_CLIENT_ID C3CRED_CLIENT_SECRET

for call in first second; do
	echo
	echo "demo: $call call: c3cred token --verbose"
	"$bindir/c3cred" token --verbose | cut -c1-60 | sed 's/$/…/'
done
echo
echo "demo: $("$bindir/c3cred" status | head -2 | tail -1)"
exec 3>&-
wait "$standin_pid" 2>/dev/null || true
echo "demo: $(grep -h 'requests:' "$work/standin.log" | sed 's/^c3-standin: //')"
echo "demo: one token request for two calls: the second came from the cache"
