// SPDX-License-Identifier: Apache-2.0
// Tests of src/names/norm.c: the golden table (tests/golden/norm.tsv), error cases, flags,
// separators, offsets, idempotence and allocation budgets.
#include <stdint.h>
#include <time.h>

#include <utf8proc.h>

#include "harness/test.h"
#include "names/norm.h"

#define GOLDEN_PATH "tests/golden/norm.tsv"

/* One tby__norm for every test: it is big (two 3 KB buffers) and reusable. */
static tby__norm norm_buf;

/* ===== Helpers ===== */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Expands the golden-file escapes of src[0..len) into out (capacity cap); returns the byte
 * length, or -1 on a malformed escape or overflow.
 */
static long unescape(const char *src, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (n + 4 >= cap)
            return -1;
        if (src[i] != '\\') {
            out[n++] = src[i];
            continue;
        }
        if (++i >= len)
            return -1;
        char kind = src[i];
        int digits = kind == 'u' ? 4 : kind == 'U' ? 8 : kind == 'x' ? 2 : 0;
        if (digits == 0) {
            char c = kind == 't' ? '\t' : kind == 'n' ? '\n' : kind == 'r' ? '\r' : kind;
            if (c == kind && kind != '\\')
                return -1;
            out[n++] = c;
            continue;
        }
        int32_t value = 0;
        for (int d = 1; d <= digits; d++) {
            int h = i + (size_t)d < len ? hex_value(src[i + (size_t)d]) : -1;
            if (h < 0)
                return -1;
            value = value * 16 + h;
        }
        i += (size_t)digits;
        if (kind == 'x') {
            out[n++] = (char)value;
        } else {
            size_t w = tby__utf8_encode(value, out + n);
            if (w == 0 && value != 0)
                return -1;
            if (value == 0) {
                out[n] = '\0';
                w = 1;
            }
            n += w;
        }
    }
    out[n] = '\0';
    return (long)n;
}

/* Joins the exact (which = 0) or fold (1) forms of the last run with single spaces. */
static const char *joined(const tby__norm *norm, int which, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < norm->token_count; i++) {
        const char *form = which ? tby__norm_fold(norm, i) : tby__norm_exact(norm, i);
        size_t form_len = strlen(form);
        if (n + form_len + 2 > cap)
            return "(overflow)";
        if (i > 0)
            out[n++] = ' ';
        memcpy(out + n, form, form_len);
        n += form_len;
        out[n] = '\0';
    }
    return out;
}

static int run(const char *text)
{
    return tby__norm_run(&norm_buf, text, strlen(text), NULL);
}

static const char *exact_of(const char *text)
{
    static char out[TBY__NORM_OUT_CAP];
    if (run(text) != 0)
        return "(error)";
    return joined(&norm_buf, 0, out, sizeof(out));
}

static const char *fold_of(const char *text)
{
    static char out[TBY__NORM_OUT_CAP];
    if (run(text) != 0)
        return "(error)";
    return joined(&norm_buf, 1, out, sizeof(out));
}

/* ===== Golden table ===== */

typedef struct golden_case {
    int line;
    char input[4 * TBY_NAME_MAX_BYTES];
    long input_len;
    char exact[TBY__NORM_OUT_CAP];
    char fold[TBY__NORM_OUT_CAP];
    char note[256];
} golden_case;

/* Calls fn for every case of the golden file; returns the number of cases (-1 if unread). */
static int golden_each(void (*fn)(const golden_case *gc))
{
    FILE *file = fopen(GOLDEN_PATH, "rb");
    if (!file) {
        TEST__FAIL("cannot open %s (run from the source tree)", GOLDEN_PATH);
        return -1;
    }
    static char line[16384];
    static golden_case gc;
    int count = 0;
    int line_no = 0;
    while (fgets(line, sizeof(line), file)) {
        line_no++;
        size_t len = strlen(line);
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        char *cols[4] = {line, NULL, NULL, NULL};
        int ncols = 1;
        for (char *p = line; *p && ncols < 4; p++) {
            if (*p == '\t') {
                *p = '\0';
                cols[ncols++] = p + 1;
            }
        }
        if (ncols < 3) {
            TEST__FAIL("%s:%d: expected at least 3 tab-separated columns", GOLDEN_PATH, line_no);
            continue;
        }
        gc.line = line_no;
        gc.input_len = unescape(cols[0], strlen(cols[0]), gc.input, sizeof(gc.input));
        long exact_len = unescape(cols[1], strlen(cols[1]), gc.exact, sizeof(gc.exact));
        long fold_len = unescape(cols[2], strlen(cols[2]), gc.fold, sizeof(gc.fold));
        snprintf(gc.note, sizeof(gc.note), "%s", cols[3] ? cols[3] : "");
        if (gc.input_len < 0 || exact_len < 0 || fold_len < 0) {
            TEST__FAIL("%s:%d: bad escape", GOLDEN_PATH, line_no);
            continue;
        }
        count++;
        fn(&gc);
    }
    fclose(file);
    return count;
}

static void golden_check(const golden_case *gc)
{
    static char exact[TBY__NORM_OUT_CAP], fold[TBY__NORM_OUT_CAP];
    tby_error err;
    tby_error_clear(&err);
    int rc = tby__norm_run(&norm_buf, gc->input, (size_t)gc->input_len, &err);
    if (rc != 0) {
        TEST__FAIL("%s:%d (%s): rc %d: %s", GOLDEN_PATH, gc->line, gc->note, rc, err.message);
        return;
    }
    joined(&norm_buf, 0, exact, sizeof(exact));
    joined(&norm_buf, 1, fold, sizeof(fold));
    if (strcmp(exact, gc->exact) != 0)
        TEST__FAIL("%s:%d (%s): exact \"%s\" != \"%s\"", GOLDEN_PATH, gc->line, gc->note, exact,
                   gc->exact);
    if (strcmp(fold, gc->fold) != 0)
        TEST__FAIL("%s:%d (%s): fold \"%s\" != \"%s\"", GOLDEN_PATH, gc->line, gc->note, fold,
                   gc->fold);
    for (uint32_t i = 0; i < norm_buf.token_count; i++) {
        const tby__ntoken *tok = &norm_buf.tokens[i];
        if (tok->fold_len == 0 || tok->exact_len == 0 ||
            strlen(tby__norm_exact(&norm_buf, i)) != tok->exact_len ||
            strlen(tby__norm_fold(&norm_buf, i)) != tok->fold_len)
            TEST__FAIL("%s:%d: token %u lengths inconsistent", GOLDEN_PATH, gc->line, i);
    }
}

static void test_names_norm__golden(void)
{
    int count = golden_each(golden_check);
    TEST_CHECK(count >= 80);
}

/* Normalising the joined exact forms again must give the same fold tokens (T10). */
static void golden_idempotent(const golden_case *gc)
{
    static char exact[TBY__NORM_OUT_CAP], fold[TBY__NORM_OUT_CAP], fold2[TBY__NORM_OUT_CAP];
    if (tby__norm_run(&norm_buf, gc->input, (size_t)gc->input_len, NULL) != 0)
        return;
    joined(&norm_buf, 0, exact, sizeof(exact));
    joined(&norm_buf, 1, fold, sizeof(fold));
    uint32_t count = norm_buf.token_count;
    int rc = tby__norm_run(&norm_buf, exact, strlen(exact), NULL);
    if (rc != 0 || norm_buf.token_count != count) {
        TEST__FAIL("%s:%d: second pass rc %d, %u tokens (was %u)", GOLDEN_PATH, gc->line, rc,
                   norm_buf.token_count, count);
        return;
    }
    joined(&norm_buf, 1, fold2, sizeof(fold2));
    if (strcmp(fold, fold2) != 0)
        TEST__FAIL("%s:%d: fold not idempotent: \"%s\" then \"%s\"", GOLDEN_PATH, gc->line, fold,
                   fold2);
}

static void test_names_norm__golden_idempotent(void)
{
    golden_each(golden_idempotent);
}

/*
 * The ASCII fast path and the general path must agree: a trailing zero-width space (removed,
 * no boundary) forces the general path without changing the tokens.
 */
static void golden_fast_path(const golden_case *gc)
{
    static char fast_exact[TBY__NORM_OUT_CAP], fast_fold[TBY__NORM_OUT_CAP];
    static char slow_exact[TBY__NORM_OUT_CAP], slow_fold[TBY__NORM_OUT_CAP];
    static char forced[4 * TBY_NAME_MAX_BYTES + 4];
    for (long i = 0; i < gc->input_len; i++)
        if ((unsigned char)gc->input[i] >= 0x80)
            return;
    if (tby__norm_run(&norm_buf, gc->input, (size_t)gc->input_len, NULL) != 0)
        return;
    joined(&norm_buf, 0, fast_exact, sizeof(fast_exact));
    joined(&norm_buf, 1, fast_fold, sizeof(fast_fold));
    uint32_t count = norm_buf.token_count;
    tby__ntoken first = norm_buf.tokens[0];
    memcpy(forced, gc->input, (size_t)gc->input_len);
    memcpy(forced + gc->input_len, "\xe2\x80\x8b", 3);
    TEST_INT_EQ(tby__norm_run(&norm_buf, forced, (size_t)gc->input_len + 3, NULL), 0);
    joined(&norm_buf, 0, slow_exact, sizeof(slow_exact));
    joined(&norm_buf, 1, slow_fold, sizeof(slow_fold));
    TEST_STR_EQ(slow_exact, fast_exact);
    TEST_STR_EQ(slow_fold, fast_fold);
    TEST_INT_EQ(norm_buf.token_count, count);
    TEST_INT_EQ(norm_buf.tokens[0].flags, first.flags);
    TEST_INT_EQ(norm_buf.tokens[0].sep_before, first.sep_before);
    TEST_INT_EQ(norm_buf.tokens[0].orig_off, first.orig_off);
    TEST_INT_EQ(norm_buf.tokens[0].script, first.script);
}

static void test_names_norm__ascii_fast_path_agrees(void)
{
    golden_each(golden_fast_path);
}

/* ===== Errors ===== */

static void test_names_norm__too_large(void)
{
    size_t big_len = 1024 * 1024;
    char *big = malloc(big_len);
    TEST_CHECK(big != NULL);
    if (!big)
        return;
    memset(big, 'a', big_len);
    tby_error err;
    tby_error_clear(&err);
    TEST_INT_EQ(tby__norm_run(&norm_buf, big, big_len, &err), TBY_ETOOLARGE);
    TEST_INT_EQ(err.code, TBY_ETOOLARGE);
    TEST_CHECK(strstr(err.message, "1048576") != NULL);
    TEST_CHECK(strstr(err.message, "1024") != NULL);
    TEST_INT_EQ(norm_buf.token_count, 0);

    /* Exactly at the limit is fine; one byte more is not. */
    TEST_INT_EQ(tby__norm_run(&norm_buf, big, TBY_NAME_MAX_BYTES, NULL), 0);
    TEST_INT_EQ(norm_buf.token_count, 1);
    TEST_INT_EQ(tby__norm_run(&norm_buf, big, TBY_NAME_MAX_BYTES + 1, NULL), TBY_ETOOLARGE);
    free(big);
}

static void test_names_norm__too_many_tokens(void)
{
    char text[256];
    size_t n = 0;
    for (int i = 0; i < TBY_NAME_MAX_PARTS * 2; i++) {
        text[n++] = 'a';
        text[n++] = ' ';
    }
    TEST_INT_EQ(tby__norm_run(&norm_buf, text, n, NULL), 0);
    TEST_INT_EQ(norm_buf.token_count, TBY_NAME_MAX_PARTS * 2);
    text[n++] = 'b';
    tby_error err;
    tby_error_clear(&err);
    TEST_INT_EQ(tby__norm_run(&norm_buf, text, n, &err), TBY_ETOOLARGE);
    TEST_CHECK(strstr(err.message, "words") != NULL);
    TEST_INT_EQ(norm_buf.token_count, 0);
}

static void test_names_norm__empty(void)
{
    tby_error err;
    tby_error_clear(&err);
    TEST_INT_EQ(tby__norm_run(&norm_buf, "\xcc\x81\xcc\x88\xd9\x8e\xd9\x91", 8, &err),
                TBY_EEMPTY); /* only combining marks */
    TEST_STR_EQ(err.message, "no letters in name");
    TEST_INT_EQ(norm_buf.token_count, 0);
    TEST_INT_EQ(tby__norm_run(&norm_buf, "", 0, NULL), TBY_EEMPTY);
    TEST_INT_EQ(tby__norm_run(&norm_buf, NULL, 0, NULL), TBY_EEMPTY);
    TEST_INT_EQ(run("  - , ; ()"), TBY_EEMPTY);
    TEST_INT_EQ(run("1234 ١٢٣"), TBY_EEMPTY); /* digits are not letters */
    TEST_INT_EQ(run("\xe2\x80\x8f\xe2\x80\x8e\xef\xbb\xbf"), TBY_EEMPTY); /* RLM LRM BOM */
    TEST_INT_EQ(run("\xd9\x80\xd9\x80"), TBY_EEMPTY);                     /* tatweel */
    TEST_INT_EQ(run("\xd8\xa1"), TBY_EEMPTY);     /* lone hamza folds to nothing */
    TEST_INT_EQ(run("\xef\xb7\xba"), TBY_EEMPTY); /* honorific ligature only */
    TEST_INT_EQ(run("' ` '"), TBY_EEMPTY);
}

static void check_utf8_error(const char *text, size_t len, int64_t offset, const char *message)
{
    tby_error err;
    tby_error_clear(&err);
    TEST_INT_EQ(tby__norm_run(&norm_buf, text, len, &err), TBY_EUTF8);
    TEST_INT_EQ(err.code, TBY_EUTF8);
    TEST_INT_EQ(err.offset, offset);
    if (message)
        TEST_STR_EQ(err.message, message);
    TEST_INT_EQ(norm_buf.token_count, 0);
}

static void test_names_norm__invalid_utf8(void)
{
    check_utf8_error("abc\xff", 4, 3, "invalid UTF-8 byte 0xff at offset 3");
    check_utf8_error("ab\xffzz", 5, 2, "invalid UTF-8 byte 0xff at offset 2");
    check_utf8_error("\x80", 1, 0, "invalid UTF-8 byte 0x80 at offset 0"); /* lone continuation */
    check_utf8_error("\xd9\x85\xd8", 3, 2, "invalid UTF-8 byte 0xd8 at offset 2"); /* truncated */
    check_utf8_error("Ali \xe2\x80", 6, 4, NULL);     /* truncated 3-byte sequence */
    check_utf8_error("\xc0\x80", 2, 0, NULL);         /* overlong NUL */
    check_utf8_error("x\xed\xa0\x80", 4, 1, NULL);    /* surrogate */
    check_utf8_error("\xf4\x90\x80\x80", 4, 0, NULL); /* above U+10FFFF */
    check_utf8_error("\xe3\xcd\xe3\xcf", 4, 0, NULL); /* محمد in raw CP1256 bytes */
    check_utf8_error("Ali\x00\xfe", 5, 4, NULL);      /* after a NUL */
}

/* ===== Flags ===== */

static void test_names_norm__control_flagged(void)
{
    TEST_INT_EQ(tby__norm_run(&norm_buf, "Ali\0Hasan\0", 10, NULL), 0);
    TEST_CHECK(norm_buf.flags & TBY_NORM_CONTROL);
    TEST_STR_EQ(tby__norm_exact(&norm_buf, 0), "alihasan");
    TEST_INT_EQ(norm_buf.tokens[0].orig_len, 9);
    TEST_INT_EQ(tby__norm_run(&norm_buf, "\0\xd9\x85\xd8\xad\xd9\x85\xd8\xaf", 9, NULL), 0);
    TEST_CHECK(norm_buf.flags & TBY_NORM_CONTROL);
    TEST_INT_EQ(norm_buf.tokens[0].orig_off, 1);
    TEST_INT_EQ(run("Ali\tHasan\n"), 0);
    TEST_CHECK(!(norm_buf.flags & TBY_NORM_CONTROL)); /* white space is not a control */
    TEST_INT_EQ(norm_buf.token_count, 2);
}

static void test_names_norm__invisible_and_bidi(void)
{
    TEST_INT_EQ(run("\xe2\x80\x8f\xd9\x85\xd8\xad\xd9\x85\xd8\xaf"), 0); /* RLM */
    TEST_CHECK(norm_buf.flags & TBY_NORM_INVISIBLE);
    TEST_CHECK(!(norm_buf.flags & TBY_NORM_BIDI));
    TEST_INT_EQ(run("\xe2\x80\xae"
                    "Ali"
                    "\xe2\x80\xac"),
                0); /* RLO ... PDF */
    TEST_CHECK(norm_buf.flags & TBY_NORM_INVISIBLE);
    TEST_CHECK(norm_buf.flags & TBY_NORM_BIDI);
    TEST_STR_EQ(tby__norm_exact(&norm_buf, 0), "ali");
    TEST_INT_EQ(norm_buf.tokens[0].orig_off, 3);
    TEST_INT_EQ(run("\xe2\x81\xa6"
                    "Ali"
                    "\xe2\x81\xa9"),
                0); /* LRI ... PDI */
    TEST_CHECK(norm_buf.flags & TBY_NORM_BIDI);
    TEST_INT_EQ(run("Ali Hasan"), 0);
    TEST_INT_EQ(norm_buf.flags, 0);
}

static void test_names_norm__tatweel_and_diacritics(void)
{
    TEST_INT_EQ(run("محـــمد"), 0);
    TEST_INT_EQ(norm_buf.flags, TBY_NORM_TATWEEL);
    TEST_INT_EQ(run("مُحَمَّد حسن"), 0);
    TEST_INT_EQ(norm_buf.flags, TBY_NORM_DIACRITICS);
    TEST_CHECK(norm_buf.tokens[0].flags & TBY__TOK_SHADDA);
    TEST_CHECK(norm_buf.tokens[0].flags & TBY__TOK_HARAKAT);
    TEST_INT_EQ(norm_buf.tokens[1].flags, 0);
    TEST_INT_EQ(norm_buf.tokens[0].orig_len, strlen("مُحَمَّد"));
    TEST_INT_EQ(run("حسّان"), 0);
    TEST_INT_EQ(norm_buf.tokens[0].flags & (TBY__TOK_SHADDA | TBY__TOK_HARAKAT), TBY__TOK_SHADDA);
    TEST_STR_EQ(exact_of("ا\xd9\x94حمد"), "أحمد"); /* NFD: no diacritic left over */
}

static void test_names_norm__presentation(void)
{
    TEST_INT_EQ(run("ﷲ"), 0);
    TEST_CHECK(norm_buf.flags & TBY_NORM_PRESENTATION);
    TEST_STR_EQ(tby__norm_exact(&norm_buf, 0), "الله");
    TEST_INT_EQ(norm_buf.tokens[0].orig_len, 3);
    TEST_INT_EQ(run("ﻻ"), 0);
    TEST_CHECK(norm_buf.flags & TBY_NORM_PRESENTATION);
    TEST_INT_EQ(run("محمد ﷺ"), 0);
    TEST_CHECK(norm_buf.flags & TBY_NORM_PRESENTATION);
    TEST_CHECK(norm_buf.flags & TBY_NORM_TITLES);
    TEST_INT_EQ(norm_buf.token_count, 1);
    TEST_INT_EQ(run("لا"), 0);
    TEST_INT_EQ(norm_buf.flags, 0);
}

static void test_names_norm__mojibake(void)
{
    const char *cp1252 = "Ø£Ø\xc2\xadÙ…Ø¯ Ø¹Ù„ÙŠ";
    TEST_INT_EQ(run(cp1252), 0);
    TEST_CHECK(norm_buf.flags & TBY_NORM_MOJIBAKE);
    TEST_CHECK(norm_buf.repaired != NULL);
    TEST_STR_EQ(norm_buf.repaired, "أحمد علي");
    /* Offsets refer to the repaired text. */
    TEST_INT_EQ(norm_buf.token_count, 2);
    TEST_INT_EQ(norm_buf.tokens[0].orig_off, 0);
    TEST_INT_EQ(norm_buf.tokens[0].orig_len, strlen("أحمد"));
    TEST_INT_EQ(norm_buf.tokens[1].orig_off, strlen("أحمد "));
    TEST_INT_EQ(norm_buf.tokens[1].orig_len, strlen("علي"));
    TEST_CHECK(norm_buf.tokens[0].flags & TBY__TOK_HAMZA);

    TEST_INT_EQ(run("ظ…ط\xc2\xadظ…ط¯"), 0); /* CP1256 */
    TEST_CHECK(norm_buf.flags & TBY_NORM_MOJIBAKE);
    TEST_STR_EQ(norm_buf.repaired, "محمد");

    /* Fuzz regression: controls inside mojibake stay out of the repaired C string. */
    TEST_INT_EQ(tby__norm_run(&norm_buf, "@\0#\xc3\x98\xc2\xa3@", 8, NULL), 0);
    TEST_CHECK(norm_buf.flags & TBY_NORM_MOJIBAKE);
    TEST_CHECK(norm_buf.flags & TBY_NORM_CONTROL);
    TEST_STR_EQ(norm_buf.repaired, "@#أ@");
    TEST_INT_EQ(norm_buf.tokens[0].orig_off, 2);
    TEST_INT_EQ(norm_buf.tokens[0].orig_len, 2);

    /* The next run forgets the repair. */
    TEST_INT_EQ(run("محمد"), 0);
    TEST_CHECK(norm_buf.repaired == NULL);
    TEST_INT_EQ(norm_buf.flags, 0);

    /* Real text that happens to map back is left alone. */
    TEST_INT_EQ(run("José Müller"), 0);
    TEST_CHECK(!(norm_buf.flags & TBY_NORM_MOJIBAKE));
    TEST_INT_EQ(run("ظريف"), 0);
    TEST_CHECK(!(norm_buf.flags & TBY_NORM_MOJIBAKE));
    /* Maps back to valid UTF-8 but shows no garbage character: not repaired. */
    TEST_INT_EQ(run("ÏºŠ"), 0);
    TEST_CHECK(!(norm_buf.flags & TBY_NORM_MOJIBAKE));
}

static void test_names_norm__scripts(void)
{
    TEST_INT_EQ(run("Ali محمد Мухаммад 1980 Pаypal"), 0);
    TEST_INT_EQ(norm_buf.token_count, 5);
    TEST_INT_EQ(norm_buf.tokens[0].script, TBY_SCRIPT_LATIN);
    TEST_INT_EQ(norm_buf.tokens[1].script, TBY_SCRIPT_ARABIC);
    TEST_INT_EQ(norm_buf.tokens[2].script, TBY_SCRIPT_OTHER);
    TEST_INT_EQ(norm_buf.tokens[3].script, TBY_SCRIPT_NONE);
    TEST_CHECK(norm_buf.tokens[3].flags & TBY__TOK_DIGITS);
    TEST_INT_EQ(norm_buf.tokens[4].script, TBY_SCRIPT_MIXED);
    TEST_CHECK(norm_buf.flags & TBY_NORM_MIXED_SCRIPT);
    TEST_INT_EQ(run("Ali محمد"), 0);
    TEST_CHECK(!(norm_buf.flags & TBY_NORM_MIXED_SCRIPT));
    TEST_INT_EQ(run("محمدAli"), 0); /* split, so not mixed */
    TEST_INT_EQ(norm_buf.token_count, 2);
    TEST_INT_EQ(norm_buf.tokens[1].sep_before, ' ');
    TEST_CHECK(!(norm_buf.flags & TBY_NORM_MIXED_SCRIPT));
}

static void test_names_norm__token_flags(void)
{
    TEST_INT_EQ(run("AL-JUBOURI, Mohammed ahmed M"), 0);
    TEST_INT_EQ(norm_buf.token_count, 5);
    TEST_INT_EQ(norm_buf.tokens[0].flags, TBY__TOK_ALLCAPS | TBY__TOK_CAPITAL);
    TEST_INT_EQ(norm_buf.tokens[1].flags, TBY__TOK_ALLCAPS | TBY__TOK_CAPITAL);
    TEST_INT_EQ(norm_buf.tokens[2].flags, TBY__TOK_CAPITAL);
    TEST_INT_EQ(norm_buf.tokens[3].flags, 0);
    TEST_INT_EQ(norm_buf.tokens[4].flags, TBY__TOK_CAPITAL); /* one letter: not ALLCAPS */
    TEST_INT_EQ(run("İSMAİL ÇELİK Şerif"), 0);
    TEST_INT_EQ(norm_buf.tokens[0].flags, TBY__TOK_ALLCAPS | TBY__TOK_CAPITAL);
    TEST_INT_EQ(norm_buf.tokens[1].flags, TBY__TOK_ALLCAPS | TBY__TOK_CAPITAL);
    TEST_INT_EQ(norm_buf.tokens[2].flags, TBY__TOK_CAPITAL);
    TEST_INT_EQ(run("ʿAbd"), 0);
    TEST_INT_EQ(norm_buf.tokens[0].flags, TBY__TOK_CAPITAL);

    TEST_INT_EQ(run("فاطمة حمزه مؤمن زهراء علي"), 0);
    TEST_INT_EQ(norm_buf.tokens[0].flags, TBY__TOK_TA_MARBUTA);
    TEST_INT_EQ(norm_buf.tokens[1].flags, 0);
    TEST_INT_EQ(norm_buf.tokens[2].flags, TBY__TOK_HAMZA);
    TEST_INT_EQ(norm_buf.tokens[3].flags, TBY__TOK_HAMZA);
    TEST_INT_EQ(norm_buf.tokens[4].flags, 0);
    TEST_INT_EQ(run("فاطمةً"), 0); /* a vowel mark after ة still ends in ة */
    TEST_CHECK(norm_buf.tokens[0].flags & TBY__TOK_TA_MARBUTA);
    TEST_INT_EQ(run("Ali2 ٣علي"), 0);
    TEST_INT_EQ(norm_buf.tokens[0].flags, TBY__TOK_CAPITAL | TBY__TOK_DIGITS);
    TEST_INT_EQ(norm_buf.tokens[0].script, TBY_SCRIPT_LATIN);
    TEST_STR_EQ(tby__norm_exact(&norm_buf, 1), "3علي");
    TEST_INT_EQ(norm_buf.tokens[1].script, TBY_SCRIPT_ARABIC);
}

static void test_names_norm__separators(void)
{
    TEST_INT_EQ(run("(AL-JUBOURI), Mohammed Ahmed/Hasan.Omar - , Ali;Zaid \"Umar\" —Amr"), 0);
    TEST_INT_EQ(norm_buf.token_count, 10);
    const char expected[] = {'(', '-', ',', ' ', '/', '.', ',', ';', '"', '-'};
    for (uint32_t i = 0; i < norm_buf.token_count && i < sizeof(expected); i++) {
        if (norm_buf.tokens[i].sep_before != expected[i])
            TEST__FAIL("token %u sep_before '%c' != '%c'", i, norm_buf.tokens[i].sep_before,
                       expected[i]);
    }
    TEST_INT_EQ(run("  Ali"), 0);
    TEST_INT_EQ(norm_buf.tokens[0].sep_before, 0); /* leading space is not a separator */
    TEST_INT_EQ(run("Ali ( Hasan )"), 0);
    TEST_INT_EQ(norm_buf.tokens[1].sep_before, '('); /* punctuation beats space */
    TEST_INT_EQ(run("علي، حسن ـ عمر"), 0);
    TEST_INT_EQ(norm_buf.token_count, 3);
    TEST_INT_EQ(norm_buf.tokens[1].sep_before, ',');
    TEST_INT_EQ(norm_buf.tokens[2].sep_before, ' '); /* tatweel is not a dash */
    TEST_INT_EQ(run("ء - علي"), 0);                  /* a dropped token's separators carry over */
    TEST_INT_EQ(norm_buf.token_count, 1);
    TEST_INT_EQ(norm_buf.tokens[0].sep_before, '-');
}

static void test_names_norm__offsets(void)
{
    const char *text = "  Abd\xc2\xa0"
                       "al-Raḥmān,\tأحمـد ";
    TEST_INT_EQ(run(text), 0);
    TEST_INT_EQ(norm_buf.token_count, 4);
    const char *originals[] = {"Abd", "al", "Raḥmān", "أحمـد"};
    for (uint32_t i = 0; i < norm_buf.token_count && i < 4; i++) {
        const tby__ntoken *tok = &norm_buf.tokens[i];
        if (tok->orig_len != strlen(originals[i]) ||
            memcmp(text + tok->orig_off, originals[i], tok->orig_len) != 0)
            TEST__FAIL("token %u spans \"%.*s\", expected \"%s\"", i, (int)tok->orig_len,
                       text + tok->orig_off, originals[i]);
    }
    /* Forms are laid out back to back, each NUL-terminated. */
    TEST_INT_EQ(norm_buf.tokens[0].exact_off, 0);
    TEST_INT_EQ(norm_buf.tokens[1].exact_off, 4);
    TEST_INT_EQ(norm_buf.tokens[1].fold_off, 4);
}

static void test_names_norm__reuse_after_error(void)
{
    TEST_INT_EQ(run("Ali Hasan"), 0);
    TEST_INT_EQ(run("\xff"), TBY_EUTF8);
    TEST_INT_EQ(norm_buf.token_count, 0);
    TEST_STR_EQ(norm_buf.exact, "");
    TEST_STR_EQ(fold_of("Ali"), "ali");
}

/* ===== Allocation budget and OOM (T5, T6) ===== */

static int alloc_calls;
static int alloc_fail_at; /* fail the N-th call (1-based); 0 never */

static void *count_malloc(void *ctx, size_t size)
{
    (void)ctx;
    alloc_calls++;
    if (alloc_fail_at && alloc_calls == alloc_fail_at)
        return NULL;
    return malloc(size);
}

static void *count_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    alloc_calls++;
    if (alloc_fail_at && alloc_calls == alloc_fail_at)
        return NULL;
    return realloc(ptr, size);
}

static void count_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

static void test_names_norm__allocations(void)
{
    tby_allocator counting = {count_malloc, count_realloc, count_free, NULL};
    tby__norm *norm = &norm_buf;
    tby__norm_dispose(norm); /* free what the earlier tests left with the libc allocator */
    tby__norm_init(norm);
    tby_set_allocator(&counting);
    alloc_calls = 0;
    alloc_fail_at = 0;
    TEST_INT_EQ(run("Mohammed Ahmed AL-JUBOURI"), 0);
    TEST_INT_EQ(run("مُحَمَّد أحمد علي الجبوري"), 0);
    TEST_INT_EQ(run("Ḥusayn ışık Şerif"), 0);
    TEST_INT_EQ(alloc_calls, 0);
    TEST_INT_EQ(run("Ù…Ø\xc2\xadÙ…Ø¯"), 0);
    TEST_INT_EQ(alloc_calls, 1); /* the repaired text only */

    alloc_calls = 0;
    alloc_fail_at = 1;
    tby_error err;
    tby_error_clear(&err);
    TEST_INT_EQ(tby__norm_run(norm, "Ù…Ø\xc2\xadÙ…Ø¯", strlen("Ù…Ø\xc2\xadÙ…Ø¯"), &err),
                TBY_ENOMEM);
    TEST_INT_EQ(norm->token_count, 0);
    TEST_CHECK(norm->repaired == NULL);
    alloc_fail_at = 0;
    tby__norm_dispose(norm);
    tby_set_allocator(NULL);
    tby__norm_init(norm);
}

/*
 * norm.c skips NFC for single code points of these ranges (is_normal_alone); that is only
 * right while each of them is its own NFC in the utf8proc we link.
 */
static void test_names_norm__nfc_stable_ranges(void)
{
    static const int32_t ranges[][2] = {
        {0x00C0, 0x024F}, {0x0400, 0x04FF}, {0x0600, 0x06FF}, {0x1E00, 0x1EFF}};
    for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
        for (int32_t cp = ranges[r][0]; cp <= ranges[r][1]; cp++) {
            utf8proc_uint8_t in[8] = {0};
            utf8proc_encode_char(cp, in);
            utf8proc_uint8_t *out = utf8proc_NFC(in);
            if (!out || strcmp((const char *)in, (const char *)out) != 0)
                TEST__FAIL("U+%04X is not its own NFC", (unsigned)cp);
            free(out);
        }
    }
}

/* ===== Speed (reported, never gating: sanitizer builds are slow) ===== */

static void test_names_norm__speed_report(void)
{
    const char *names[] = {"Mohammed Ahmed AL-JUBOURI", "محمد أحمد علي الجبوري",
                           "Abd al-Raḥmān Ḥusayn"};
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        size_t len = strlen(names[k]);
        int rounds = 20000;
        struct timespec t0, t1;
        timespec_get(&t0, TIME_UTC);
        for (int i = 0; i < rounds; i++)
            TEST_CHECK(tby__norm_run(&norm_buf, names[k], len, NULL) == 0);
        timespec_get(&t1, TIME_UTC);
        double ns =
            ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / rounds;
        printf("  norm %-28s %8.0f ns/call\n", names[k], ns);
    }
}

TEST_LIST = {
    TEST(test_names_norm__golden),
    TEST(test_names_norm__golden_idempotent),
    TEST(test_names_norm__ascii_fast_path_agrees),
    TEST(test_names_norm__too_large),
    TEST(test_names_norm__too_many_tokens),
    TEST(test_names_norm__empty),
    TEST(test_names_norm__invalid_utf8),
    TEST(test_names_norm__control_flagged),
    TEST(test_names_norm__invisible_and_bidi),
    TEST(test_names_norm__tatweel_and_diacritics),
    TEST(test_names_norm__presentation),
    TEST(test_names_norm__mojibake),
    TEST(test_names_norm__scripts),
    TEST(test_names_norm__token_flags),
    TEST(test_names_norm__separators),
    TEST(test_names_norm__offsets),
    TEST(test_names_norm__reuse_after_error),
    TEST(test_names_norm__allocations),
    TEST(test_names_norm__nfc_stable_ranges),
    TEST(test_names_norm__speed_report),
    TEST_END,
};
TEST_MAIN()
