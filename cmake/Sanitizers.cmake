# SPDX-License-Identifier: Apache-2.0
# TBY_SANITIZER="address;undefined" builds everything with ASan and UBSan, and makes any
# UBSan report fatal so that a test cannot pass over undefined behaviour.
if(TBY_SANITIZER)
  string(REPLACE ";" "," _tby_san "${TBY_SANITIZER}")
  add_compile_options(-fsanitize=${_tby_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_tby_san})
endif()
