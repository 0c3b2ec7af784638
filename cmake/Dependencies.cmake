# SPDX-License-Identifier: Apache-2.0
# Every external library is a Debian package found through pkg-config
# (scripts/install-deps.sh installs them). One imported target per dependency.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
