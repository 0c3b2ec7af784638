# SPDX-License-Identifier: Apache-2.0
# Writes a C file holding the bytes of INPUT as `const unsigned char NAME[]` (with a NUL after
# the last byte, not counted) and `const size_t NAME_len`. Run at build time:
#   cmake -DINPUT=openapi/tabayyun.json -DOUTPUT=openapi_json.c -DNAME=tby_server__openapi_json
#         -P cmake/EmbedFile.cmake
# A byte array rather than a string literal: ISO C caps literals at 4095 bytes (-pedantic).
file(READ ${INPUT} _hex HEX)
string(LENGTH "${_hex}" _hex_len)
math(EXPR _len "${_hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _bytes "${_hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n" _bytes "${_bytes}")
get_filename_component(_input_name ${INPUT} NAME)
file(WRITE ${OUTPUT}.tmp
  "/* Generated from ${_input_name} by cmake/EmbedFile.cmake at build time; do not edit. */\n"
  "#include <stddef.h>\n"
  "extern const unsigned char ${NAME}[];\n"
  "extern const size_t ${NAME}_len;\n"
  "const unsigned char ${NAME}[] = {\n${_bytes}0x00};\n"
  "const size_t ${NAME}_len = ${_len};\n")
# Only touch OUTPUT when it changes, so that an unchanged document rebuilds nothing.
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
