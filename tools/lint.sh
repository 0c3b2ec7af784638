#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Source lint (docs/c-style.md B7), run by ctest as `lint`. In src/ it rejects calls to
# functions with no length bound or no error report (strcpy strcat sprintf vsprintf strtok
# atoi atol gets strncpy), and calls to libc's allocator anywhere but src/util/alloc.c, since
# every allocation must go through the tby_allocator hook (O4) for OOM tests to see it.
#
# Comments and the insides of string and character literals are blanked first, so prose may
# name these functions. Only calls count (the name followed by '('), and a call through a
# struct member (`alloc.malloc(`, `hook->free(`) is the allocator hook, not libc.
# Usage: tools/lint.sh [ROOT]   (ROOT defaults to the repository containing this script)
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

mapfile -t files < <(find src -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
[ ${#files[@]} -gt 0 ] || { echo "lint: no sources under $root/src" >&2; exit 1; }

LC_ALL=C awk '
BEGIN {
    split("strcpy strcat sprintf vsprintf strtok atoi atol gets strncpy", list, " ")
    for (k in list) banned[list[k]] = 1
    split("malloc calloc realloc free", list, " ")
    for (k in list) allocator[list[k]] = 1
    problems = 0
}
FNR == 1 { in_block = 0 }

# Returns the line with comments and literal contents replaced by spaces; in_block carries
# an open /* comment to the next line.
function blank(line,    out, i, n, c, quote) {
    out = ""; n = length(line); i = 1
    while (i <= n) {
        c = substr(line, i, 1)
        if (in_block) {
            if (c == "*" && substr(line, i + 1, 1) == "/") { in_block = 0; out = out "  "; i += 2 }
            else { out = out " "; i++ }
            continue
        }
        if (c == "/" && substr(line, i + 1, 1) == "*") { in_block = 1; out = out "  "; i += 2; continue }
        if (c == "/" && substr(line, i + 1, 1) == "/") break
        if (c == "\"" || c == "\047") {
            quote = c; out = out c; i++
            while (i <= n) {
                c = substr(line, i, 1)
                if (c == "\\") { out = out "  "; i += 2; continue }
                out = out (c == quote ? c : " "); i++
                if (c == quote) break
            }
            continue
        }
        out = out c; i++
    }
    return out
}

function report(what) {
    printf "%s:%d: %s\n    %s\n", FILENAME, FNR, what, $0
    problems++
}

{
    code = blank($0)
    rest = code; consumed = 0
    while (match(rest, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/)) {
        call = substr(rest, RSTART, RLENGTH)
        name = call; sub(/[ \t]*\($/, "", name)
        before = substr(code, 1, consumed + RSTART - 1)
        sub(/[ \t]+$/, "", before)
        is_member = before ~ /(\.|->)$/
        if ((name in banned) && !is_member)
            report("banned function " name "() (docs/c-style.md B7)")
        if ((name in allocator) && !is_member && FILENAME != "src/util/alloc.c")
            report("raw " name "() outside src/util/alloc.c: use tby__" name "()")
        consumed += RSTART + RLENGTH - 1
        rest = substr(rest, RSTART + RLENGTH)
    }
}
END {
    if (problems) { printf "lint: %d problem(s)\n", problems; exit 1 }
    printf "lint: %d files clean\n", ARGC - 1
}
' "${files[@]}"
