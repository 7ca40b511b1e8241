#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing drover needs.
# Idempotent: when every package is present it prints one line and does nothing.
set -euo pipefail

packages=(
  g++ cmake make pkg-config ccache clang-format
  libcaf-dev libssl-dev
  libzmq3-dev cppzmq-dev
  libmsgpack-cxx-dev
  libboost-dev
  nlohmann-json3-dev
  libcli11-dev
  libspdlog-dev
  libsqlite3-dev
  libpng-dev libjpeg62-turbo-dev libwebp-dev libexif-dev libgif-dev libtiff-dev
  doctest-dev
  iproute2 procps
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
