#!/usr/bin/env bash
# Opens the built app: on the desktop when there is one, otherwise under Xvfb.
set -euo pipefail
binary=$1

if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$binary"
fi

display=:99
while [ -e "/tmp/.X11-unix/X${display#:}" ]; do
  display=":$(( ${display#:} + 1 ))"
done
echo "No display found: starting Confidant under Xvfb on $display (1280x800)."
echo "Take a screenshot from another terminal with:"
echo "  DISPLAY=$display import -window root confidant.png"
echo "Stop with Ctrl+C."
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp &
xvfb_pid=$!
trap 'kill "$xvfb_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  [ -e "/tmp/.X11-unix/X${display#:}" ] && break
  sleep 0.1
done
DISPLAY=$display "$binary"
