// SPDX-License-Identifier: Apache-2.0
// Bump allocator: blocks chained newest-first, everything freed in one call.
//
//   head -> [block 3: used 40/4096] -> [block 2: full] -> [block 1: full] -> NULL
//
// An allocation larger than block_size gets a block of its own. Reset frees all but the
// newest block, so a loop that resets per iteration settles into zero allocations.
#include <string.h>

#include "util/util_int.h"

struct tby_arena_block {
    tby_arena_block *next; /* older block */
    size_t size;           /* usable bytes in data */
    size_t used;           /* bytes handed out from data */
    _Alignas(8) unsigned char data[];
};

void tby__arena_init(tby_arena *arena, size_t block_size, size_t cap)
{
    arena->head = NULL;
    arena->block_size = block_size ? block_size : 4096;
    arena->used_total = 0;
    arena->cap = cap;
}

void *tby__arena_alloc(tby_arena *arena, size_t size)
{
    size_t aligned;
    if (tby__add_overflow(size, 7, &aligned))
        return NULL;
    aligned &= ~(size_t)7;
    if (aligned == 0)
        aligned = 8;
    if (arena->cap && (aligned > arena->cap || arena->used_total > arena->cap - aligned))
        return NULL;
#ifdef TBY_ARENA_MALLOC
    size_t whole;
    if (tby__add_overflow(sizeof(tby_arena_block), aligned, &whole))
        return NULL;
    tby_arena_block *own = tby__malloc(whole);
    if (!own)
        return NULL;
    own->size = aligned;
    own->used = aligned;
    own->next = arena->head;
    arena->head = own;
    arena->used_total += aligned;
    return own->data;
#else
    tby_arena_block *block = arena->head;
    if (!block || block->size - block->used < aligned) {
        size_t size_new = aligned > arena->block_size ? aligned : arena->block_size;
        size_t whole;
        if (tby__add_overflow(sizeof(tby_arena_block), size_new, &whole))
            return NULL;
        tby_arena_block *fresh = tby__malloc(whole);
        if (!fresh)
            return NULL;
        fresh->size = size_new;
        fresh->used = 0;
        fresh->next = arena->head;
        arena->head = fresh;
        block = fresh;
    }
    void *ptr = block->data + block->used;
    block->used += aligned;
    arena->used_total += aligned;
    return ptr;
#endif
}

char *tby__arena_strndup(tby_arena *arena, const char *s, size_t len)
{
    size_t size;
    if (tby__add_overflow(len, 1, &size))
        return NULL;
    char *out = tby__arena_alloc(arena, size);
    if (!out)
        return NULL;
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

void tby__arena_reset(tby_arena *arena)
{
    tby_arena_block *keep = arena->head;
    if (!keep)
        return;
    tby_arena_block *block = keep->next;
    while (block) {
        tby_arena_block *next = block->next;
        tby__free(block);
        block = next;
    }
    keep->next = NULL;
    keep->used = 0;
    arena->used_total = 0;
#ifdef TBY_ARENA_MALLOC
    tby__free(keep);
    arena->head = NULL;
#endif
}

void tby__arena_dispose(tby_arena *arena)
{
    tby_arena_block *block = arena->head;
    while (block) {
        tby_arena_block *next = block->next;
        tby__free(block);
        block = next;
    }
    arena->head = NULL;
    arena->used_total = 0;
}
