/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Blocking keys of name parts: the consonant skeleton of a part's cross-script phonetic key,
 * coarse enough that every spelling of one name in either script shares it (محمد, Muhammad,
 * Mohamed, Mehmet -> MHMT), used to find candidates and to count how common a name is.
 * Comparison, not these keys, decides how alike two names are.
 */
#ifndef TBY_NAMES_KEYS_H
#define TBY_NAMES_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tabayyun/tby_names.h"

/* Longest skeleton, in bytes, including the NUL. */
#define TBY__SKELETON_MAX 48

/*
 * Writes the skeleton of `part` into out (NUL-terminated) and returns its length; 0 when the
 * part has no consonant (such parts carry no blocking key). Parts in other scripts use their
 * orthographic key instead.
 */
size_t tby__part_skeleton(const tby_name_part *part, char out[TBY__SKELETON_MAX]);

/*
 * The second key of a part with an ambiguous letter: g read as j (Egyptian Gamal, not Gasim)
 * and dh/z read as d (Iraqi Fadhil for فاضل). Returns 0 when the part has neither.
 */
size_t tby__part_skeleton_alt(const tby_name_part *part, char out[TBY__SKELETON_MAX]);

/* 64-bit hash of a skeleton (FNV-1a), never 0. */
uint64_t tby__skeleton_hash(const char *skeleton, size_t len);

#endif
