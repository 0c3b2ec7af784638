// SPDX-License-Identifier: Apache-2.0
// Tests of src/util/tsv.c: line endings, BOM, empty lines, caps, bad bytes and recovery after a
// rejected line, from memory with every read size and from a FILE, and under failing malloc.
#include "harness/failalloc.h"
#include "harness/test.h"
#include "util/util_int.h"

/*
 * Reads all of data[0..len) and renders what the reader reported, one entry per call:
 * "1:a|b" for a record of line 1 with fields a and b, "E3:TBY_EUTF8" for an error naming
 * line 3, and "." at the end followed by the empty-line count. The rendering is compared
 * with a literal, and with itself across read sizes.
 */
static char *tsv_render(const char *data, size_t len, const tby_tsv_options *opts)
{
    tby_tsv tsv;
    tby_buf out = TBY_BUF_INIT(0);
    tby__tsv_init_mem(&tsv, data, len, opts);
    for (int calls = 0; calls < 1000; calls++) {
        tby_error err;
        tby_error_clear(&err);
        int rc = tby__tsv_next(&tsv, &err);
        if (rc == TBY__TSV_END)
            break;
        if (rc < 0) {
            tby__buf_printf(&out, "E%lld:%s ", (long long)tsv.line_no, tby_error_name(rc));
            TEST_INT_EQ(err.line, tsv.line_no);
            TEST_INT_EQ(err.code, rc);
            continue;
        }
        tby__buf_printf(&out, "%lld:", (long long)tsv.line_no);
        for (size_t i = 0; i < tsv.field_count; i++) {
            TEST_INT_EQ(strlen(tsv.fields[i].ptr), tsv.fields[i].len);
            tby__buf_printf(&out, "%s%s", i ? "|" : "", tsv.fields[i].ptr);
        }
        tby__buf_putc(&out, ' ');
    }
    tby__buf_printf(&out, ".%lld", (long long)tsv.empty_count);
    tby__tsv_dispose(&tsv);
    return tby__buf_detach(&out);
}

/* Checks the rendering of `data` with the default read size and with tiny ones. */
static void check_tsv(const char *data, size_t len, const tby_tsv_options *opts, const char *want)
{
    static const size_t read_sizes[] = {0, 1, 2, 3, 7};
    for (size_t i = 0; i < sizeof(read_sizes) / sizeof(read_sizes[0]); i++) {
        tby_tsv_options with_size = opts ? *opts : (tby_tsv_options){0, 0, 0};
        with_size.read_size = read_sizes[i];
        char *got = tsv_render(data, len, &with_size);
        if (strcmp(got, want) != 0)
            TEST__FAIL("read_size %zu: \"%s\" != \"%s\"", read_sizes[i], got, want);
        tby__free(got);
    }
}

#define CHECK_TSV(literal, want) check_tsv(literal, sizeof(literal) - 1, NULL, want)

static void test_util_tsv__fields_and_lines(void)
{
    CHECK_TSV("name\tdob\nAli\t1970\n", "1:name|dob 2:Ali|1970 .0");
    CHECK_TSV("one\n", "1:one .0");
    CHECK_TSV("a\t\tb\n\t\n", "1:a||b 2:| .0");
    CHECK_TSV(" \n", "1:  .0"); /* a space is content, not an empty line */
}

static void test_util_tsv__crlf_and_last_line(void)
{
    CHECK_TSV("a\tb\r\nc\td\r\n", "1:a|b 2:c|d .0");
    CHECK_TSV("a\r\nb", "1:a 2:b .0");
    CHECK_TSV("a\nb\r", "1:a 2:b .0");
    CHECK_TSV("a\rb\n", "1:a\rb .0"); /* only a CR right before the LF ends a line */
}

static void test_util_tsv__bom_only_on_line_one(void)
{
    CHECK_TSV("\xEF\xBB\xBFname\n", "1:name .0");
    CHECK_TSV("\xEF\xBB\xBF\nx\n", "2:x .1");
    CHECK_TSV("a\n\xEF\xBB\xBFx\n", "1:a 2:\xEF\xBB\xBFx .0");
}

static void test_util_tsv__empty_lines_skipped_and_counted(void)
{
    CHECK_TSV("", ".0");
    CHECK_TSV("\n\r\n\n", ".3");
    CHECK_TSV("\na\n\n\nb\n\n", "2:a 5:b .4");
}

static void test_util_tsv__line_cap(void)
{
    tby_tsv_options opts = {.line_cap = 4};
    /* A BOM after line 1 is data (U+FEFF), so it counts. */
    const char *data = "abcd\nabcde\nab\r\n\xEF\xBB\xBFxy\n";
    check_tsv(data, strlen(data), &opts, "1:abcd E2:TBY_ETOOLARGE 3:ab E4:TBY_ETOOLARGE .0");
    /* The BOM and the CR do not count against the cap of line 1. */
    data = "\xEF\xBB\xBF"
           "abcd\r\nabcd\r\nabcde\r\n";
    check_tsv(data, strlen(data), &opts, "1:abcd 2:abcd E3:TBY_ETOOLARGE .0");
    data = "abcde";
    check_tsv(data, strlen(data), &opts, "E1:TBY_ETOOLARGE .0");
}

static void test_util_tsv__field_cap(void)
{
    tby_tsv_options opts = {.field_cap = 3};
    const char *data = "a\tb\tc\na\tb\tc\td\n\t\t\n";
    check_tsv(data, strlen(data), &opts, "1:a|b|c E2:TBY_ETOOLARGE 3:|| .0");
}

static void test_util_tsv__bad_bytes_name_line_and_column(void)
{
    CHECK_TSV("ok\nab\xff"
              "cd\nfine\n",
              "1:ok E2:TBY_EUTF8 3:fine .0");
    CHECK_TSV("ok\na\0b\nz", "1:ok E2:TBY_EINVALID 3:z .0");
    CHECK_TSV("\xd9\n", "E1:TBY_EUTF8 .0"); /* truncated sequence at the end of a line */

    tby_tsv tsv;
    tby_error err;
    const char bad[] = "name\nAl\xc0\x80i\n";
    tby__tsv_init_mem(&tsv, bad, sizeof(bad) - 1, NULL);
    TEST_INT_EQ(tby__tsv_next(&tsv, &err), TBY__TSV_RECORD);
    TEST_INT_EQ(tby__tsv_next(&tsv, &err), TBY_EUTF8);
    TEST_INT_EQ(err.line, 2);
    TEST_INT_EQ(err.offset, 7);
    TEST_STR_EQ(err.message, "line 2: invalid UTF-8 at byte column 3");
    tby__tsv_dispose(&tsv);

    /* Whichever problem comes first in the line is the one reported. */
    const char nul_first[] = "\xEF\xBB\xBF"
                             "a\0\xff\n";
    tby__tsv_init_mem(&tsv, nul_first, sizeof(nul_first) - 1, NULL);
    TEST_INT_EQ(tby__tsv_next(&tsv, &err), TBY_EINVALID);
    TEST_STR_EQ(err.message, "line 1: NUL byte at byte column 5");
    TEST_INT_EQ(err.offset, 4);
    tby__tsv_dispose(&tsv);

    const char long_line[] = "x\n12345678\n";
    tby_tsv_options opts = {.line_cap = 5};
    tby__tsv_init_mem(&tsv, long_line, sizeof(long_line) - 1, &opts);
    TEST_INT_EQ(tby__tsv_next(&tsv, &err), TBY__TSV_RECORD);
    TEST_INT_EQ(tby__tsv_next(&tsv, &err), TBY_ETOOLARGE);
    TEST_STR_EQ(err.message, "line 2 is longer than 5 bytes");
    TEST_INT_EQ(tby__tsv_next(&tsv, &err), TBY__TSV_END);
    tby__tsv_dispose(&tsv);
}

static void test_util_tsv__file_source(void)
{
    FILE *file = tmpfile();
    TEST_CHECK(file != NULL);
    if (!file)
        return;
    fputs("\xEF\xBB\xBFid\tname\r\n\r\n1\tAli\r\n2\tMuna", file);
    for (size_t read_size = 1; read_size <= 8; read_size *= 2) {
        rewind(file);
        tby_tsv tsv;
        tby_tsv_options opts = {.read_size = read_size};
        tby__tsv_init_file(&tsv, file, &opts);
        TEST_INT_EQ(tby__tsv_next(&tsv, NULL), TBY__TSV_RECORD);
        TEST_INT_EQ(tsv.field_count, 2);
        TEST_STR_EQ(tsv.fields[0].ptr, "id");
        TEST_INT_EQ(tby__tsv_next(&tsv, NULL), TBY__TSV_RECORD);
        TEST_INT_EQ(tsv.line_no, 3);
        TEST_STR_EQ(tsv.fields[1].ptr, "Ali");
        TEST_INT_EQ(tby__tsv_next(&tsv, NULL), TBY__TSV_RECORD);
        TEST_STR_EQ(tsv.fields[1].ptr, "Muna");
        TEST_INT_EQ(tby__tsv_next(&tsv, NULL), TBY__TSV_END);
        TEST_INT_EQ(tby__tsv_next(&tsv, NULL), TBY__TSV_END);
        TEST_INT_EQ(tsv.empty_count, 1);
        TEST_INT_EQ(tsv.offset, 27);
        tby__tsv_dispose(&tsv);
    }
    fclose(file);
}

static void test_util_tsv__read_error_is_sticky(void)
{
    /* Reading a stream opened only for writing sets its error indicator. */
    FILE *file = fopen("/dev/null", "w");
    TEST_CHECK(file != NULL);
    if (!file)
        return;
    tby_tsv tsv;
    tby_error err;
    tby__tsv_init_file(&tsv, file, NULL);
    TEST_INT_EQ(tby__tsv_next(&tsv, &err), TBY_EIO);
    TEST_INT_EQ(tby__tsv_next(&tsv, &err), TBY_EIO);
    TEST_STR_EQ(err.message, "read error after line 0");
    tby__tsv_dispose(&tsv);
    fclose(file);
}

static void test_util_tsv__oom_skips_one_line(void)
{
    FILE *file = tmpfile();
    TEST_CHECK(file != NULL);
    if (!file)
        return;
    fputs("a\tb\tc\td\te\tf\tg\th\ti\tj\nlonger line of text to grow the buffer\nlast\n", file);
    FAILALLOC_LOOP(run, 50)
    {
        rewind(file);
        tby_tsv tsv;
        tby_tsv_options opts = {.read_size = 16};
        tby__tsv_init_file(&tsv, file, &opts);
        int records = 0, nomem = 0, rc;
        while ((rc = tby__tsv_next(&tsv, NULL)) != TBY__TSV_END) {
            if (rc == TBY__TSV_RECORD)
                records++;
            else if (rc == TBY_ENOMEM)
                nomem++;
            else
                TEST__FAIL("allocation %ld failing: unexpected %s", run.fail_at,
                           tby_error_name(rc));
        }
        TEST_INT_EQ(nomem, failalloc_has_failed() ? 1 : 0);
        TEST_CHECK(records + nomem >= 3);
        TEST_INT_EQ(tsv.line_no, 3);
        tby__tsv_dispose(&tsv);
    }
    fclose(file);
}

TEST_LIST = {
    TEST(test_util_tsv__fields_and_lines),
    TEST(test_util_tsv__crlf_and_last_line),
    TEST(test_util_tsv__bom_only_on_line_one),
    TEST(test_util_tsv__empty_lines_skipped_and_counted),
    TEST(test_util_tsv__line_cap),
    TEST(test_util_tsv__field_cap),
    TEST(test_util_tsv__bad_bytes_name_line_and_column),
    TEST(test_util_tsv__file_source),
    TEST(test_util_tsv__read_error_is_sticky),
    TEST(test_util_tsv__oom_skips_one_line),
    TEST_END,
};
TEST_MAIN()
