// SPDX-License-Identifier: Apache-2.0
// A set of records that owns their memory. Every record and everything it points to is copied
// into one arena, so a registry of a million rows costs a few large blocks instead of tens of
// millions of small allocations, and freeing it is one walk over the blocks. The records
// themselves also live in the arena and only the index of pointers grows by realloc, which
// keeps every pointer handed out stable while the set grows.
#include <string.h>

#include "records/records_int.h"

/* Arena blocks of 256 KiB: large enough that a registry needs few of them. */
#define RECORD_SET_BLOCK_BYTES (256u * 1024u)

struct tby_record_set {
    tby_arena arena;      /* owns every record, string and array of the set */
    tby_record **records; /* heap array of pointers into the arena, in insertion order */
    size_t count;         /* records in use */
    size_t cap;           /* slots allocated in records */
    tby_error *rejects;   /* heap array of kept rejections */
    size_t reject_count;  /* rejections kept (at most TBY_RECORD_SET_MAX_REJECTS) */
    size_t reject_cap;    /* slots allocated in rejects */
    size_t reject_total;  /* rejections seen, kept or not */
};

int tby_record_set_new(tby_record_set **out, tby_error *err)
{
    TBY_ASSERT_ARG(out != NULL);
    *out = NULL;
    tby_record_set *set = tby__calloc(1, sizeof(*set));
    if (!set)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    tby__arena_init(&set->arena, RECORD_SET_BLOCK_BYTES, 0);
    *out = set;
    return TBY_OK;
}

void tby_record_set_free(tby_record_set *set)
{
    if (!set)
        return;
    tby__arena_dispose(&set->arena);
    tby__free(set->records);
    tby__free(set->rejects);
    tby__free(set);
}

/* Makes room for one more element in a heap array, doubling its capacity. */
static int grow(void **array, size_t *cap, size_t count, size_t element_size)
{
    if (count < *cap)
        return TBY_OK;
    size_t cap_new = *cap ? *cap : 64;
    size_t bytes;
    if (*cap && tby__mul_overflow(cap_new, 2, &cap_new))
        return TBY_ENOMEM;
    if (tby__mul_overflow(cap_new, element_size, &bytes))
        return TBY_ENOMEM;
    void *array_new = tby__realloc(*array, bytes);
    if (!array_new)
        return TBY_ENOMEM;
    *array = array_new;
    *cap = cap_new;
    return TBY_OK;
}

int tby_record_set_add(tby_record_set *set, const tby_record *record, tby_error *err)
{
    TBY_ASSERT_ARG(set != NULL && record != NULL);
    if (!record->id || !record->id[0]) {
        tby__error(err, TBY_EINVALID, -1, "record has no id");
        tby__error_field(err, "id");
        return TBY_EINVALID;
    }
    void *records = set->records;
    if (grow(&records, &set->cap, set->count, sizeof(tby_record *)))
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    set->records = records;
    tby_record *copy = tby__arena_alloc(&set->arena, sizeof(*copy));
    /* On failure the arena keeps what was copied so far; it is freed with the set. */
    if (!copy || tby_record__copy(copy, record, &set->arena))
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    set->records[set->count++] = copy;
    return TBY_OK;
}

size_t tby_record_set_count(const tby_record_set *set)
{
    return set ? set->count : 0;
}

const tby_record *tby_record_set_get(const tby_record_set *set, size_t index)
{
    if (!set || index >= set->count)
        return NULL;
    return set->records[index];
}

int tby_record__set_add_reject(tby_record_set *set, const tby_error *error)
{
    set->reject_total++;
    if (set->reject_count >= TBY_RECORD_SET_MAX_REJECTS)
        return TBY_OK;
    void *rejects = set->rejects;
    if (grow(&rejects, &set->reject_cap, set->reject_count, sizeof(tby_error)))
        return TBY_ENOMEM;
    set->rejects = rejects;
    set->rejects[set->reject_count++] = *error;
    return TBY_OK;
}

size_t tby_record_set_reject_count(const tby_record_set *set)
{
    return set ? set->reject_count : 0;
}

size_t tby_record_set_reject_total(const tby_record_set *set)
{
    return set ? set->reject_total : 0;
}

const tby_error *tby_record_set_reject(const tby_record_set *set, size_t index)
{
    if (!set || index >= set->reject_count)
        return NULL;
    return &set->rejects[index];
}
