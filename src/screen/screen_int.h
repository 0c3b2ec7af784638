/* SPDX-License-Identifier: Apache-2.0 */
/* The screener's insides, shared by screen.c (loading, fitting, screening) and model_io.c
 * (pinned models and the key sets of delta rescreening). */
#ifndef TBY_SCREEN_INT_H
#define TBY_SCREEN_INT_H

#include "index/index.h"
#include "records/evidence.h"
#include "tabayyun/tby_screen.h"

struct tby_screener {
    const tby_record_set *list;
    tby__person *entries; /* usable list entries, parsed */
    size_t entry_count;
    size_t *list_pos; /* entry -> its position in the list (unusable entries are skipped) */
    size_t skipped;
    tby__index index;
    tby__freq freq;
    tby__model model;
};

#endif
