# SPDX-License-Identifier: Apache-2.0
# The warning set of docs/c-style.md (B2). Applied to every target of the project through
# the interface library tby_warnings, so third-party code never sees it.
add_library(tby_warnings INTERFACE)
target_compile_options(tby_warnings INTERFACE
  -Wall -Wextra -Werror -pedantic -Wstrict-prototypes -Wmissing-prototypes
  -Wshadow -Wformat=2 -Wvla -Wcast-qual -Wpointer-arith -Wundef)
