#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian (bookworm) packages needed to build and test tabayyun, only those that
# are missing, without asking questions. Used by scripts/dev.sh, hence by both README
# commands and by .ci/run.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git python3 # build-essential brings g++ for tests/headertest
  curl openssl # tests/cli/server*.sh talk to the server with curl; openssl makes the HTTPS test certificate
  libutf8proc-dev libjansson-dev
  libsqlite3-dev libsodium-dev libxml2-dev libmicrohttpd-dev
  clang libclang-rt-14-dev clang-format
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
