/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The in-house test harness: typed assertions that print both operands and stay active under
 * NDEBUG, and a runner that takes an optional name filter (substring) as argv[1].
 *
 *   static void test_names_norm__tatweel(void) { TEST_STR_EQ(fold_of("محـــمد"), "محمد"); }
 *   TEST_LIST = { TEST(test_names_norm__tatweel), TEST_END };
 *   TEST_MAIN()
 */
#ifndef TBY_TEST_H
#define TBY_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct test_case {
    const char *name;
    void (*fn)(void);
} test_case;

extern int test__failures; /* failed assertions in the current test */
extern const char *test__current;

#define TEST(fn)                                                                                   \
    {                                                                                              \
#fn, fn                                                                                    \
    }
#define TEST_END                                                                                   \
    {                                                                                              \
        NULL, NULL                                                                                 \
    }
#define TEST_LIST const test_case test__cases[]

#define TEST__FAIL(...)                                                                            \
    do {                                                                                           \
        fprintf(stderr, "  FAIL %s (%s:%d): ", test__current, __FILE__, __LINE__);                 \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        test__failures++;                                                                          \
    } while (0)

#define TEST_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            TEST__FAIL("%s", #cond);                                                               \
    } while (0)

#define TEST_INT_EQ(a, b)                                                                          \
    do {                                                                                           \
        long long test__a = (long long)(a), test__b = (long long)(b);                              \
        if (test__a != test__b)                                                                    \
            TEST__FAIL("%s == %s: %lld != %lld", #a, #b, test__a, test__b);                        \
    } while (0)

#define TEST_STR_EQ(a, b)                                                                          \
    do {                                                                                           \
        const char *test__a = (a), *test__b = (b);                                                 \
        if (!test__a || !test__b || strcmp(test__a, test__b) != 0)                                 \
            TEST__FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, test__a ? test__a : "(null)",         \
                       test__b ? test__b : "(null)");                                              \
    } while (0)

#define TEST_DBL_NEAR(a, b, eps)                                                                   \
    do {                                                                                           \
        double test__a = (a), test__b = (b);                                                       \
        if (!(fabs(test__a - test__b) <= (eps)))                                                   \
            TEST__FAIL("%s ~ %s: %.6f vs %.6f", #a, #b, test__a, test__b);                         \
    } while (0)

#define TEST_DBL_GT(a, b)                                                                          \
    do {                                                                                           \
        double test__a = (a), test__b = (b);                                                       \
        if (!(test__a > test__b))                                                                  \
            TEST__FAIL("%s > %s: %.6f <= %.6f", #a, #b, test__a, test__b);                         \
    } while (0)

/* Defines main(): runs every test whose name contains argv[1] (all when absent). */
#define TEST_MAIN()                                                                                \
    int test__failures;                                                                            \
    const char *test__current;                                                                     \
    extern const test_case test__cases[];                                                          \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        const char *filter = argc > 1 ? argv[1] : NULL;                                            \
        int passed = 0, failed = 0;                                                                \
        for (const test_case *tc = test__cases; tc->name; tc++) {                                  \
            if (filter && !strstr(tc->name, filter))                                               \
                continue;                                                                          \
            test__current = tc->name;                                                              \
            test__failures = 0;                                                                    \
            tc->fn();                                                                              \
            if (test__failures) {                                                                  \
                failed++;                                                                          \
                fprintf(stderr, "not ok %s\n", tc->name);                                          \
            } else {                                                                               \
                passed++;                                                                          \
            }                                                                                      \
        }                                                                                          \
        printf("%d passed, %d failed\n", passed, failed);                                          \
        return failed ? 1 : 0;                                                                     \
    }

#endif
