// SPDX-License-Identifier: Apache-2.0
// The failing allocator of failalloc.h. It is the one file outside src/util/alloc.c that calls
// libc's allocator directly, because it is an allocator; the lint covers src/ only.
#include "harness/failalloc.h"

#include "tabayyun/tby_common.h"

static long failalloc_fail_at; /* allocation number to fail, 0 for none */
static long failalloc_seen;    /* allocations attempted since install */
static bool failalloc_failed;  /* the planned failure happened */

/* Counts one allocation and says whether it is the one to fail. */
static bool failalloc_should_fail(void)
{
    failalloc_seen++;
    if (failalloc_fail_at != 0 && failalloc_seen == failalloc_fail_at) {
        failalloc_failed = true;
        return true;
    }
    return false;
}

static void *failalloc_malloc(void *ctx, size_t size)
{
    (void)ctx;
    return failalloc_should_fail() ? NULL : malloc(size);
}

static void *failalloc_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    /* A failing realloc leaves the old block alone, exactly like libc's. */
    return failalloc_should_fail() ? NULL : realloc(ptr, size);
}

static void failalloc_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

void failalloc_install(long fail_at)
{
    static const tby_allocator failing = {failalloc_malloc, failalloc_realloc, failalloc_free,
                                          NULL};
    failalloc_fail_at = fail_at;
    failalloc_seen = 0;
    failalloc_failed = false;
    tby_set_allocator(&failing);
}

void failalloc_uninstall(void)
{
    tby_set_allocator(NULL);
    failalloc_fail_at = 0;
}

long failalloc_count(void)
{
    return failalloc_seen;
}

bool failalloc_has_failed(void)
{
    return failalloc_failed;
}

bool failalloc__next(failalloc_run *run, const char *file, int line)
{
    if (run->is_started && !failalloc_failed) {
        /* The pass just finished never reached fail_at: every error path has been tried. */
        failalloc_uninstall();
        return false;
    }
    if (run->fail_at >= run->max) {
        failalloc_uninstall();
        fprintf(stderr, "  FAIL %s (%s:%d): still failing after %ld allocations\n", test__current,
                file, line, run->max);
        test__failures++;
        return false;
    }
    run->is_started = true;
    run->fail_at++;
    failalloc_install(run->fail_at);
    return true;
}
