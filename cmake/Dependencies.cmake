# SPDX-License-Identifier: Apache-2.0
# Every external library is a Debian package found through pkg-config
# (scripts/install-deps.sh installs them). One imported target per dependency.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
# Durable state (src/store): SQLite, the audit chain's hashes and secrets: libsodium.
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
# The UN consolidated list XML (src/io).
pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
# The HTTP server (src/server); TLS through libmicrohttpd's GnuTLS.
pkg_check_modules(MICROHTTPD REQUIRED IMPORTED_TARGET libmicrohttpd)
