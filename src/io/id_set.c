// SPDX-License-Identifier: Apache-2.0
// The set of ids seen in one file, so a second row with the same id is rejected with the line
// of the first. Open addressing with linear probing over FNV-1a hashes; the table doubles at
// 70% load, which keeps a million-id registry at a few tens of megabytes.
#include <string.h>

#include "io/io_int.h"

struct tby_io__id_entry {
    const char *id; /* NUL-terminated copy in the set's arena; NULL for an empty slot */
    size_t len;     /* length of id */
    uint64_t hash;  /* FNV-1a of id */
    int64_t line;   /* line of the first occurrence */
};

void tby_io__id_set_init(tby_io__id_set *set)
{
    memset(set, 0, sizeof(*set));
    tby__arena_init(&set->strings, 64u * 1024u, 0);
}

void tby_io__id_set_dispose(tby_io__id_set *set)
{
    tby__free(set->slots);
    tby__arena_dispose(&set->strings);
    memset(set, 0, sizeof(*set));
}

static uint64_t id_hash(const char *s, size_t len)
{
    uint64_t hash = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        hash ^= (unsigned char)s[i];
        hash *= 0x100000001b3ull;
    }
    return hash;
}

static tby_io__id_entry *id_find_slot(tby_io__id_entry *slots, size_t slot_count, uint64_t hash,
                                      const char *id, size_t len)
{
    size_t mask = slot_count - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        tby_io__id_entry *slot = &slots[i];
        if (!slot->id)
            return slot;
        if (slot->hash == hash && slot->len == len && memcmp(slot->id, id, len) == 0)
            return slot;
    }
}

static int id_set_grow(tby_io__id_set *set)
{
    size_t count_new = set->slot_count ? set->slot_count * 2 : 1024;
    tby_io__id_entry *slots = tby__calloc(count_new, sizeof(*slots));
    if (!slots)
        return TBY_ENOMEM;
    for (size_t i = 0; i < set->slot_count; i++) {
        tby_io__id_entry *old = &set->slots[i];
        if (old->id)
            *id_find_slot(slots, count_new, old->hash, old->id, old->len) = *old;
    }
    tby__free(set->slots);
    set->slots = slots;
    set->slot_count = count_new;
    return TBY_OK;
}

int tby_io__id_set_add(tby_io__id_set *set, const char *id, size_t len, int64_t line,
                       int64_t *first_line_out)
{
    if ((set->count + 1) * 10 > set->slot_count * 7) {
        int rc = id_set_grow(set);
        if (rc)
            return rc;
    }
    uint64_t hash = id_hash(id, len);
    tby_io__id_entry *slot = id_find_slot(set->slots, set->slot_count, hash, id, len);
    if (slot->id) {
        if (first_line_out)
            *first_line_out = slot->line;
        return TBY_EEXISTS;
    }
    const char *copy = tby__arena_strndup(&set->strings, id, len);
    if (!copy)
        return TBY_ENOMEM;
    slot->id = copy;
    slot->len = len;
    slot->hash = hash;
    slot->line = line;
    set->count++;
    return TBY_OK;
}
