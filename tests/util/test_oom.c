// SPDX-License-Identifier: Apache-2.0
// Allocation-failure tests of src/util (docs/c-style.md T5): every allocation of tby_buf and
// tby_arena is failed in turn, and each must come back as a clean TBY_ENOMEM with the object
// still safe to use and to dispose. Leaks on those paths are caught by ASan or valgrind.
#include "harness/failalloc.h"
#include "harness/test.h"
#include "util/util_int.h"

static void test_util_oom__failalloc_fails_only_the_nth(void)
{
    failalloc_install(2);
    void *first = tby__malloc(8);
    void *second = tby__malloc(8);
    void *third = tby__malloc(8);
    TEST_CHECK(first != NULL);
    TEST_CHECK(second == NULL);
    TEST_CHECK(third != NULL);
    TEST_INT_EQ(failalloc_count(), 3);
    TEST_CHECK(failalloc_has_failed());
    failalloc_uninstall();
    tby__free(first);
    tby__free(third);
}

static void test_util_oom__loop_runs_until_success(void)
{
    long passes = 0;
    FAILALLOC_LOOP(run, 10)
    {
        passes++;
        void *a = tby__malloc(1);
        void *b = tby__malloc(1);
        FAILALLOC_CHECK_RC(run, a && b ? 0 : TBY_ENOMEM);
        tby__free(a);
        tby__free(b);
    }
    /* Two passes that fail allocation 1 and 2, then the one that gets through. */
    TEST_INT_EQ(passes, 3);
}

static void test_util_oom__buf(void)
{
    char big[700];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    FAILALLOC_LOOP(run, 100)
    {
        tby_buf buf = TBY_BUF_INIT(0);
        int rc = 0;
        for (int i = 0; i < 20 && rc == 0; i++)
            rc = tby__buf_puts(&buf, "grow the buffer past several reallocations ");
        if (rc == 0)
            rc = tby__buf_printf(&buf, "[%s]", big);
        FAILALLOC_CHECK_RC(run, rc);
        /* A failed append leaves the earlier content in place and NUL-terminated. */
        if (rc == TBY_ENOMEM && buf.ptr)
            TEST_INT_EQ(strlen(buf.ptr), buf.len);
        char *text = tby__buf_detach(&buf);
        if (text || !failalloc_has_failed())
            TEST_CHECK(text != NULL);
        tby__free(text);
        tby__buf_dispose(&buf);
    }
}

static void test_util_oom__arena(void)
{
    FAILALLOC_LOOP(run, 100)
    {
        tby_arena arena;
        tby__arena_init(&arena, 64, 0);
        int rc = 0;
        for (int i = 0; i < 10 && rc == 0; i++) {
            char *copy = tby__arena_strndup(&arena, "a name of some length", 21);
            rc = copy ? 0 : TBY_ENOMEM;
            if (copy)
                TEST_STR_EQ(copy, "a name of some length");
        }
        if (rc == 0)
            rc = tby__arena_alloc(&arena, 500) ? 0 : TBY_ENOMEM;
        FAILALLOC_CHECK_RC(run, rc);
        tby__arena_reset(&arena);
        tby__arena_dispose(&arena);
    }
}

TEST_LIST = {
    TEST(test_util_oom__failalloc_fails_only_the_nth),
    TEST(test_util_oom__loop_runs_until_success),
    TEST(test_util_oom__buf),
    TEST(test_util_oom__arena),
    TEST_END,
};
TEST_MAIN()
