// SPDX-License-Identifier: Apache-2.0
// Tests of src/util: buffer caps, arena, UTF-8 decoding, error text.
#include "harness/test.h"
#include "util/util_int.h"

static void test_util_buf__cap_frees_and_fails(void)
{
    tby_buf buf = TBY_BUF_INIT(8);
    TEST_INT_EQ(tby__buf_puts(&buf, "abcd"), 0);
    TEST_INT_EQ(tby__buf_puts(&buf, "efgh"), 0);
    TEST_STR_EQ(buf.ptr, "abcdefgh");
    TEST_INT_EQ(tby__buf_putc(&buf, 'x'), TBY_ETOOLARGE);
    TEST_CHECK(buf.ptr == NULL);
    TEST_INT_EQ(buf.len, 0);
    tby__buf_dispose(&buf);
}

static void test_util_buf__printf_long(void)
{
    tby_buf buf = TBY_BUF_INIT(0);
    char big[600];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    TEST_INT_EQ(tby__buf_printf(&buf, "<%s>", big), 0);
    TEST_INT_EQ(buf.len, 601);
    TEST_CHECK(buf.ptr[0] == '<' && buf.ptr[600] == '>');
    tby__buf_dispose(&buf);
}

static void test_util_arena__alloc_reset_cap(void)
{
    tby_arena arena;
    tby__arena_init(&arena, 64, 256);
    char *a = tby__arena_strndup(&arena, "hello", 5);
    TEST_STR_EQ(a, "hello");
    void *big = tby__arena_alloc(&arena, 200);
    TEST_CHECK(big != NULL);
    TEST_CHECK(tby__arena_alloc(&arena, 100) == NULL); /* over the cap */
    tby__arena_reset(&arena);
    TEST_CHECK(tby__arena_alloc(&arena, 100) != NULL);
    tby__arena_dispose(&arena);
}

static void test_util_utf8__decode_rejects_bad(void)
{
    int32_t cp;
    TEST_INT_EQ(tby__utf8_decode("\xd9\x85", 2, &cp), 2);
    TEST_INT_EQ(cp, 0x645);
    TEST_INT_EQ(tby__utf8_decode("\xc0\x80", 2, &cp), 0);         /* overlong NUL */
    TEST_INT_EQ(tby__utf8_decode("\xed\xa0\x80", 3, &cp), 0);     /* surrogate */
    TEST_INT_EQ(tby__utf8_decode("\xf4\x90\x80\x80", 4, &cp), 0); /* > U+10FFFF */
    TEST_INT_EQ(tby__utf8_decode("\xd9", 1, &cp), 0);             /* truncated */
    TEST_INT_EQ(tby__utf8_validate("ab\xffzz", 5), 2);
    char out[4];
    TEST_INT_EQ(tby__utf8_encode(0x1F600, out), 4);
    TEST_INT_EQ(tby__utf8_decode(out, 4, &cp), 4);
    TEST_INT_EQ(cp, 0x1F600);
}

static void test_util_error__names_and_text(void)
{
    TEST_STR_EQ(tby_error_name(TBY_EUTF8), "TBY_EUTF8");
    TEST_STR_EQ(tby_strerror(TBY_ENOMEM), "out of memory");
    tby_error err;
    tby_error_clear(&err);
    TEST_INT_EQ(tby__error(&err, TBY_EINVALID, 7, "bad '%s'", "x"), TBY_EINVALID);
    TEST_STR_EQ(err.message, "bad 'x'");
    TEST_INT_EQ(err.offset, 7);
}

TEST_LIST = {
    TEST(test_util_buf__cap_frees_and_fails), TEST(test_util_buf__printf_long),
    TEST(test_util_arena__alloc_reset_cap),   TEST(test_util_utf8__decode_rejects_bad),
    TEST(test_util_error__names_and_text),    TEST_END,
};
TEST_MAIN()
