/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation-failure injection for tests (docs/c-style.md T5): installs a tby_allocator that
 * fails exactly the N-th allocation (malloc or realloc) after installation and forwards every
 * other call to libc. FAILALLOC_LOOP reruns a block for N = 1, 2, ... until the block gets
 * through without meeting the failure; ASan's leak checker then catches any leak on the
 * error paths, and FAILALLOC_CHECK_RC asserts that each injected failure surfaced cleanly.
 *
 *   FAILALLOC_LOOP(run, 100) {
 *       tby_buf buf = TBY_BUF_INIT(0);
 *       int rc = tby__buf_puts(&buf, "some text");
 *       FAILALLOC_CHECK_RC(run, rc);         // TBY_ENOMEM if run.fail_at was reached, else 0
 *       tby__buf_dispose(&buf);
 *   }
 */
#ifndef TBY_TEST_FAILALLOC_H
#define TBY_TEST_FAILALLOC_H

#include <stdbool.h>

#include "harness/test.h"

/* State of one FAILALLOC_LOOP; the block reads fail_at to name the run in messages. */
typedef struct failalloc_run {
    long fail_at;    /* the allocation number that fails in this pass (1-based) */
    long max;        /* give up (and fail the test) after this many passes */
    bool is_started; /* false before the first pass */
} failalloc_run;

/* Installs the failing allocator: allocation number fail_at fails, 0 means none does. */
void failalloc_install(long fail_at);

/* Restores the libc allocator. Memory from either allocator may be freed by the other. */
void failalloc_uninstall(void);

/* Allocations (malloc and realloc) attempted since failalloc_install. */
long failalloc_count(void);

/* Whether the planned failure has happened since failalloc_install. */
bool failalloc_has_failed(void);

/* Loop control behind FAILALLOC_LOOP: returns true when another pass should run. */
bool failalloc__next(failalloc_run *run, const char *file, int line);

/*
 * Runs the following block with allocation 1 failing, then 2, ... until a pass completes
 * without reaching the failing allocation, which is the success run. Fails the test when
 * `max_` passes all met a failure (raise it, or the code allocates without bound).
 */
#define FAILALLOC_LOOP(run_, max_)                                                                 \
    for (failalloc_run run_ = {0, (max_), false}; failalloc__next(&run_, __FILE__, __LINE__);)

/* Asserts rc is TBY_ENOMEM when this pass's failure has happened and 0 otherwise. */
#define FAILALLOC_CHECK_RC(run_, rc_)                                                              \
    do {                                                                                           \
        int failalloc__rc = (rc_);                                                                 \
        int failalloc__want = failalloc_has_failed() ? TBY_ENOMEM : 0;                             \
        if (failalloc__rc != failalloc__want)                                                      \
            TEST__FAIL("allocation %ld failing: %s == %d, want %d", (run_).fail_at, #rc_,          \
                       failalloc__rc, failalloc__want);                                            \
    } while (0)

#endif
