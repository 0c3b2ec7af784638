# SPDX-License-Identifier: Apache-2.0
# TBY_BUILD_FUZZERS=ON builds real libFuzzer binaries (docs/c-style.md T10; fuzz/README.md).
# libFuzzer only steers by the coverage of instrumented code, so the whole build, library
# included, gets -fsanitize=fuzzer-no-link, and ASan+UBSan unless other sanitizers were asked
# for. Only clang has libFuzzer; the gcc build still replays the corpora through the
# standalone driver, which needs none of this.
if(TBY_BUILD_FUZZERS)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "TBY_BUILD_FUZZERS needs clang (configure with CC=clang): "
                        "${CMAKE_C_COMPILER_ID} has no libFuzzer")
  endif()
  if(NOT TBY_SANITIZER)
    set(TBY_SANITIZER "address;undefined")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
