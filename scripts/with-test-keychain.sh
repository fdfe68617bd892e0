#!/usr/bin/env bash
# Runs a command against a real, throw-away Secret Service: a private D-Bus
# session with an unlocked gnome-keyring-daemon whose files live in a temporary
# folder. tests/acceptance/keychain.rs runs itself again through it, so the real
# keychain round trip runs in every `cargo test`, never against the user's keyring.
set -euo pipefail

if [ -z "${CONFIDANT_INSIDE_TEST_BUS:-}" ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  export CONFIDANT_INSIDE_TEST_BUS=1 CONFIDANT_KEYCHAIN_SCRATCH="$scratch"
  exec dbus-run-session -- "$0" "$@"
fi

# gnome-keyring keeps its files under XDG_DATA_HOME/keyrings: a scratch folder.
export XDG_DATA_HOME="$CONFIDANT_KEYCHAIN_SCRATCH/data"
mkdir -p "$XDG_DATA_HOME"
# --unlock reads the login keyring's password from stdin; without it: NoStorageAccess.
printf 'confidant-test-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
daemon_pid=$(pgrep -n -u "$(id -u)" gnome-keyring-d || true)
status=0
"$@" || status=$?
# The daemon can outlive the D-Bus session: stop it by PID.
if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
exit "$status"
