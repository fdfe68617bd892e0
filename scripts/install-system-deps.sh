#!/usr/bin/env bash
# Installs the Debian packages Confidant needs to build, run and test, skipping
# everything that is already installed so a warm machine pays nothing.
set -euo pipefail

packages=(
  build-essential pkg-config libssl-dev
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  xvfb xauth webkit2gtk-driver
  dbus dbus-x11 libdbus-1-dev gnome-keyring librsvg2-bin
  imagemagick xclip xdotool python3-venv poppler-utils age
  fontconfig fonts-dejavu-core
  hunspell-en-us hunspell-en-med x11-utils python3-xlib
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing system packages: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
