#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Format check (docs/c-style.md B5), run by ctest as `format`: clang-format --dry-run --Werror
# over the tracked C files. Exits 77, which ctest reports as skipped, when git or clang-format
# is missing, when the tree is not a git checkout, or when clang-format is not version 14:
# the style is pinned to bookworm's 14, and other versions lay out some constructs
# differently, which would fail correctly formatted code.
# Usage: tools/format-check.sh [ROOT]   (`make format` fixes what it reports)
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

skip() { echo "format: skipped: $*"; exit 77; }
command -v git >/dev/null || skip "git not found"
command -v clang-format >/dev/null || skip "clang-format not found"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || skip "$root is not a git checkout"
version=$(clang-format --version | grep -o 'version [0-9]*' | grep -o '[0-9]*$' || true)
[ "$version" = 14 ] || skip "clang-format ${version:-unknown} found, the style is pinned to 14"

mapfile -t files < <(git ls-files '*.c' '*.h')
[ ${#files[@]} -gt 0 ] || skip "no tracked C files"
clang-format --dry-run --Werror "${files[@]}"
echo "format: ${#files[@]} files clean"
