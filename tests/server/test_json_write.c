// SPDX-License-Identifier: Apache-2.0
// The server's direct JSON writer (src/server/json_write.c) against jansson: for the same
// values it must write the same bytes as json_dump_callback(JSON_COMPACT), because the
// screening answer and the audit detail used to be built with jansson and clients, tests and
// the audit log compare them as text. Reals (the exact 128-bit path and printf's), strings
// of every byte, nesting, and the alerts of real screenings against tby_screen__alert_json,
// which `tabayyun screen --json` prints.
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "harness/test.h"
#include "screen/screen_int.h"
#include "server/server_int.h"

/* A fixed-seed generator, so a failure repeats. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* jansson's text of a value (consumed), or NULL when jansson refuses it. */
static char *jansson_text(json_t *value)
{
    if (!value)
        return NULL;
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(value);
    return text;
}

static int real_mismatches;

static void check_real(double v)
{
    char mine[TBY_SERVER__JW_REAL_LEN];
    int n = tby_server__jw_format_real(v, mine);
    char *theirs = jansson_text(json_real(v));
    if (!theirs) {
        TEST_INT_EQ(n, -1);
        return;
    }
    if (n < 0 || strcmp(mine, theirs) != 0 || (size_t)n != strlen(theirs)) {
        if (real_mismatches++ < 10)
            TEST__FAIL("real %a: mine \"%s\", jansson's \"%s\"", v, n < 0 ? "(refused)" : mine,
                       theirs);
    }
    free(theirs); /* json_dumps allocates with jansson's allocator: malloc */
}

static void test_json_write__reals_as_jansson(void)
{
    real_mismatches = 0;
    static const double fixed[] = {0.0,
                                   -0.0,
                                   1.0,
                                   -1.0,
                                   0.1,
                                   0.5,
                                   0.3,
                                   1e-4,
                                   1e-5,
                                   1e-6,
                                   9.9999999999999995e-7,
                                   1.0000000000000002e-6,
                                   0.00012345,
                                   123.456,
                                   999999999999999.9,
                                   1e15,
                                   1e15 - 0.5,
                                   1e16,
                                   1e17,
                                   1e21,
                                   1e300,
                                   5e-324,
                                   2.2250738585072014e-308,
                                   1.7976931348623157e308,
                                   0.30000000000000004,
                                   14.843782864924673,
                                   -30.610977771741954,
                                   0.9408999976873398,
                                   0.8999999761581421,
                                   NAN,
                                   INFINITY,
                                   -INFINITY};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        check_real(fixed[i]);
    /* Log-uniform over the fast path's range and beyond, both signs. */
    for (int i = 0; i < 300000; i++) {
        double u = (double)(rng_next() >> 11) / 9007199254740992.0;
        double v = pow(10.0, -9.0 + 27.0 * u);
        check_real((rng_next() & 1) ? -v : v);
    }
    /* Every bit pattern is a double: NaNs, subnormals, the extremes. */
    for (int i = 0; i < 100000; i++) {
        uint64_t bits = rng_next();
        double v;
        memcpy(&v, &bits, sizeof(v));
        check_real(v);
    }
    /* Few significant bits: decimal expansions that end exactly at the 18th digit (ties). */
    for (int i = 0; i < 100000; i++) {
        double v = ldexp((double)(rng_next() % 100000 + 1), -(int)(rng_next() % 60));
        check_real(v);
        check_real(v + ldexp(1.0, -(int)(rng_next() % 60)));
    }
    /* Whole numbers around the integer path's bound. */
    for (int i = 0; i < 100000; i++)
        check_real((double)(int64_t)(rng_next() >> (rng_next() % 64)));
    TEST_INT_EQ(real_mismatches, 0);
}

static void test_json_write__strings_as_jansson(void)
{
    int mismatches = 0;
    for (int i = 0; i < 50000; i++) {
        char s[24];
        size_t len = rng_next() % sizeof(s);
        for (size_t k = 0; k < len; k++) {
            uint64_t r = rng_next();
            /* Mostly the interesting bytes: controls, quotes, backslashes, UTF-8 lead and
               continuation bytes, and sometimes whole Arabic letters. */
            static const char pick[] = "\x01\x1f\"\\/\b\f\n\r\t a\x7f";
            if (r % 4 == 0)
                s[k] = pick[(r >> 8) % (sizeof(pick) - 1)];
            else if (r % 4 == 1 && k + 1 < len) {
                s[k++] = (char)0xd8;
                s[k] = (char)(0xa7 + (r >> 8) % 20);
            } else
                s[k] = (char)(r >> 16);
        }
        tby_buf buf = TBY_BUF_INIT(0);
        tby_server__jw w;
        tby_server__jw_init(&w, &buf);
        tby_server__jw_stringn(&w, s, len);
        int rc = tby_server__jw_finish(&w);
        char *theirs = jansson_text(json_stringn(s, len));
        bool same = theirs ? rc == 0 && strcmp(buf.ptr, theirs) == 0 : rc == TBY_EINVALID;
        if (!same && mismatches++ < 10)
            TEST__FAIL("string %d: mine \"%s\" (rc %d), jansson's \"%s\"", i, rc ? "" : buf.ptr, rc,
                       theirs ? theirs : "(refused)");
        free(theirs);
        tby__buf_dispose(&buf);
    }
    TEST_INT_EQ(mismatches, 0);
}

static void test_json_write__structure_as_jansson(void)
{
    tby_buf buf = TBY_BUF_INIT(0);
    tby_server__jw w;
    tby_server__jw_init(&w, &buf);
    tby_server__jw_object(&w);
    tby_server__jw_key(&w, "a");
    tby_server__jw_array(&w);
    tby_server__jw_array_end(&w);
    tby_server__jw_key(&w, "b");
    tby_server__jw_array(&w);
    tby_server__jw_integer(&w, -42);
    tby_server__jw_null(&w);
    tby_server__jw_bool(&w, true);
    tby_server__jw_object(&w);
    tby_server__jw_object_end(&w);
    tby_server__jw_object(&w);
    tby_server__jw_key(&w, "x\"y");
    tby_server__jw_string_or_null(&w, NULL);
    tby_server__jw_key(&w, "z");
    tby_server__jw_real(&w, 0.25);
    tby_server__jw_object_end(&w);
    tby_server__jw_array_end(&w);
    tby_server__jw_key(&w, "c");
    tby_server__jw_array(&w);
    tby_server__jw_raw(&w, "1,2", 3);
    tby_server__jw_raw(&w, "", 0);
    tby_server__jw_array_end(&w);
    tby_server__jw_key(&w, "d");
    tby_server__jw_bool(&w, false);
    tby_server__jw_object_end(&w);
    TEST_INT_EQ(tby_server__jw_finish(&w), 0);
    json_t *expected = json_pack("{s:[], s:[i, n, b, {}, {s:n, s:f}], s:[i, i], s:b}", "a", "b",
                                 -42, 1, "x\"y", "z", 0.25, "c", 1, 2, "d", 0);
    char *theirs = jansson_text(expected);
    TEST_STR_EQ(buf.ptr, theirs);
    free(theirs);
    tby__buf_dispose(&buf);

    /* Refusals are sticky and reported once, at the end. */
    tby_server__jw_init(&w, &buf);
    tby_server__jw_array(&w);
    tby_server__jw_string(&w, "\xff");
    tby_server__jw_integer(&w, 1);
    tby_server__jw_array_end(&w);
    TEST_INT_EQ(tby_server__jw_finish(&w), TBY_EINVALID);
    tby__buf_dispose(&buf);
    tby_server__jw_init(&w, &buf);
    tby_server__jw_real(&w, NAN);
    TEST_INT_EQ(tby_server__jw_finish(&w), TBY_EINVALID);
    tby__buf_dispose(&buf);

    /* Longer than the writer's staging array: goes to the buffer whole. */
    char long_text[3000];
    memset(long_text, 'q', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    tby_server__jw_init(&w, &buf);
    tby_server__jw_array(&w);
    for (int i = 0; i < 3; i++)
        tby_server__jw_string(&w, long_text);
    tby_server__jw_array_end(&w);
    TEST_INT_EQ(tby_server__jw_finish(&w), 0);
    theirs = jansson_text(json_pack("[s, s, s]", long_text, long_text, long_text));
    TEST_STR_EQ(buf.ptr, theirs);
    free(theirs);
    tby__buf_dispose(&buf);
}

typedef struct alert_check {
    int alerts;
    int mismatches;
} alert_check;

static int check_alert(const tby_alert *alert, void *payload)
{
    alert_check *check = payload;
    check->alerts++;
    tby_buf buf = TBY_BUF_INIT(0);
    tby_server__jw w;
    tby_server__jw_init(&w, &buf);
    tby_server__jw_alert(&w, alert);
    int rc = tby_server__jw_finish(&w);
    char *theirs = jansson_text(tby_screen__alert_json(alert));
    if ((rc || !theirs || strcmp(buf.ptr, theirs) != 0) && check->mismatches++ < 3)
        TEST__FAIL("alert %s: mine\n%s\njansson's (tabayyun screen --json)\n%s", alert->entry->id,
                   rc ? "(failed)" : buf.ptr, theirs ? theirs : "(failed)");
    free(theirs);
    tby__buf_dispose(&buf);
    return 0;
}

/* Every alert of the example registry against the example list, at a threshold low enough
   for many alerts of every grade. */
static void test_json_write__alerts_as_screen_json(void)
{
    tby_error err;
    tby_reader_options ro = TBY_READER_OPTIONS_INIT;
    tby_record_set *list = NULL, *registry = NULL;
    tby_screener *screener = NULL;
    tby_screen_worker *worker = NULL;
    tby_screen_options opts = TBY_SCREEN_OPTIONS_INIT;
    opts.threshold = 1e-6;
    TEST_INT_EQ(tby_record_set_load_file(&list, "examples/watchlist.csv", &ro, &err), 0);
    TEST_INT_EQ(tby_record_set_load_file(&registry, "examples/registry.csv", &ro, &err), 0);
    TEST_INT_EQ(tby_screener_new(&screener, list, &err), 0);
    TEST_INT_EQ(tby_screen_worker_new(&worker, screener, &opts, &err), 0);
    alert_check check = {0, 0};
    for (size_t i = 0; worker && i < tby_record_set_count(registry); i++)
        tby_screen_worker_record(worker, tby_record_set_get(registry, i), check_alert, &check,
                                 &err);
    TEST_CHECK(check.alerts >= 10);
    TEST_INT_EQ(check.mismatches, 0);
    tby_screen_worker_free(worker);
    tby_screener_free(screener);
    tby_record_set_free(registry);
    tby_record_set_free(list);
}

TEST_LIST = {
    TEST(test_json_write__reals_as_jansson),
    TEST(test_json_write__strings_as_jansson),
    TEST(test_json_write__structure_as_jansson),
    TEST(test_json_write__alerts_as_screen_json),
    TEST_END,
};

TEST_MAIN()
