#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The two everyday commands, usable on a fresh Debian bookworm machine (nothing installed):
#   scripts/dev.sh run    install what is missing, build, start the server on examples/
#                         (prints a sample admin and a curl command; Ctrl-C stops it)
#   scripts/dev.sh test   install what is missing, build with ASan+UBSan, run every test
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
case "${1:-}" in
  run) make run ;;
  test) make test ;;
  *) echo "usage: scripts/dev.sh run|test" >&2; exit 1 ;;
esac
