// SPDX-License-Identifier: Apache-2.0
// The one place that calls libc's allocator: everything else goes through tby__malloc & co,
// which route to the pluggable tby_allocator so tests can inject failures.
#include <string.h>

#include "util/util_int.h"

static void *libc_malloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void *libc_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    return realloc(ptr, size);
}

static void libc_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

static tby_allocator alloc_current = {libc_malloc, libc_realloc, libc_free, NULL};

void tby_set_allocator(const tby_allocator *allocator)
{
    if (allocator)
        alloc_current = *allocator;
    else
        alloc_current = (tby_allocator){libc_malloc, libc_realloc, libc_free, NULL};
}

void *tby__malloc(size_t size)
{
    return alloc_current.malloc(alloc_current.ctx, size ? size : 1);
}

void *tby__calloc(size_t count, size_t size)
{
    size_t total;
    if (tby__mul_overflow(count, size, &total))
        return NULL;
    void *ptr = tby__malloc(total);
    if (ptr)
        memset(ptr, 0, total);
    return ptr;
}

void *tby__realloc(void *ptr, size_t size)
{
    return alloc_current.realloc(alloc_current.ctx, ptr, size ? size : 1);
}

void tby__free(void *ptr)
{
    if (ptr)
        alloc_current.free(alloc_current.ctx, ptr);
}

void tby_free(void *ptr)
{
    tby__free(ptr);
}

char *tby__strndup(const char *s, size_t len)
{
    size_t size;
    if (tby__add_overflow(len, 1, &size))
        return NULL;
    char *out = tby__malloc(size);
    if (!out)
        return NULL;
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

void tby__assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "tabayyun: internal assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}
