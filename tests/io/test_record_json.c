// SPDX-License-Identifier: Apache-2.0
// Tests of src/io/record_json.c: records written as JSON read back to the same values through
// the JSON Lines reader, the text is canonical (same values, same bytes), the identity form
// leaves out id, site and note, and records that cannot be written are refused.
#include "harness/test.h"
#include "tabayyun/tby_io.h"

#define DATA "tests/data/records/"

/* Writes every record of a set as JSON Lines into one buffer (tby_free). */
static char *set_to_jsonl(const tby_record_set *set, size_t *len_out)
{
    size_t cap = 1024, len = 0;
    char *all = NULL;
    for (size_t i = 0; i < tby_record_set_count(set); i++) {
        char *line = NULL;
        size_t line_len = 0;
        int rc = tby_record_to_json(&line, &line_len, tby_record_set_get(set, i), 0, NULL);
        TEST_INT_EQ(rc, 0);
        if (rc)
            continue;
        if (!all || len + line_len + 2 > cap) {
            while (len + line_len + 2 > cap)
                cap *= 2;
            char *grown = malloc(cap);
            if (all)
                memcpy(grown, all, len);
            free(all);
            all = grown;
        }
        memcpy(all + len, line, line_len);
        len += line_len;
        all[len++] = '\n';
        all[len] = '\0';
        tby_free(line);
    }
    *len_out = len;
    return all;
}

static tby_record_set *load_buffer(const char *text, size_t len)
{
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.format = TBY_FORMAT_JSONL;
    opts.strict = true;
    tby_record_set *set = NULL;
    tby_error err;
    int rc = tby_record_set_load_buffer(&set, text, len, &opts, &err);
    if (rc)
        TEST__FAIL("JSON does not read back: line %lld: %s", (long long)err.line, err.message);
    return set;
}

static void check_round_trip(const char *path)
{
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    tby_record_set *first = NULL;
    TEST_INT_EQ(tby_record_set_load_file(&first, path, &opts, NULL), 0);
    TEST_CHECK(first && tby_record_set_count(first) > 0);
    if (!first)
        return;
    size_t len1, len2;
    char *text1 = set_to_jsonl(first, &len1);
    tby_record_set *second = load_buffer(text1, len1);
    TEST_INT_EQ(tby_record_set_count(second), tby_record_set_count(first));
    char *text2 = second ? set_to_jsonl(second, &len2) : NULL;
    /* Written, read and written again: the same bytes, so every value came back. */
    TEST_CHECK(text2 && len1 == len2 && memcmp(text1, text2, len1) == 0);
    for (size_t i = 0; second && i < tby_record_set_count(second); i++) {
        const tby_record *a = tby_record_set_get(first, i), *b = tby_record_set_get(second, i);
        TEST_STR_EQ(a->id, b->id);
        TEST_INT_EQ(a->birth_date_count, b->birth_date_count);
        for (size_t k = 0; k < a->birth_date_count && k < b->birth_date_count; k++) {
            TEST_INT_EQ(a->birth_dates[k].kind, b->birth_dates[k].kind);
            TEST_INT_EQ(a->birth_dates[k].year, b->birth_dates[k].year);
            TEST_INT_EQ(a->birth_dates[k].year_last, b->birth_dates[k].year_last);
            TEST_INT_EQ(a->birth_dates[k].month, b->birth_dates[k].month);
            TEST_INT_EQ(a->birth_dates[k].day, b->birth_dates[k].day);
            TEST_INT_EQ(a->birth_dates[k].is_default_day, b->birth_dates[k].is_default_day);
        }
        TEST_INT_EQ(a->document_count, b->document_count);
        for (size_t k = 0; k < a->document_count && k < b->document_count; k++) {
            TEST_STR_EQ(a->documents[k].type, b->documents[k].type);
            TEST_STR_EQ(a->documents[k].number, b->documents[k].number);
        }
        TEST_INT_EQ(a->sex, b->sex);
        TEST_INT_EQ(a->alias_count, b->alias_count);
        TEST_INT_EQ(a->weak_alias_count, b->weak_alias_count);
        TEST_INT_EQ(a->nationality_count, b->nationality_count);
    }
    free(text1);
    free(text2);
    tby_record_set_free(first);
    tby_record_set_free(second);
}

static void test_io_record_json__round_trip_csv(void)
{
    check_round_trip(DATA "good.csv");
}

static void test_io_record_json__round_trip_jsonl(void)
{
    check_round_trip(DATA "good.jsonl");
}

static void test_io_record_json__canonical_text(void)
{
    const char *aliases[] = {"Abu \"Omar\"", "", "back\\slash\ttab\x01"};
    const char *nationalities[] = {"IQ", "سوريا"};
    tby_date dates[2];
    TEST_INT_EQ(tby_date_parse(&dates[0], "~1980", 5, NULL), 0);
    TEST_INT_EQ(tby_date_parse(&dates[1], "1979..1982", 10, NULL), 0);
    tby_document documents[] = {{"passport", "A123:4"}};
    tby_record r;
    memset(&r, 0, sizeof(r));
    r.id = "X1";
    r.name = "محمد علي";
    r.family = "";
    r.aliases = aliases;
    r.alias_count = 3;
    r.birth_dates = dates;
    r.birth_date_count = 2;
    r.sex = TBY_SEX_FEMALE;
    r.nationalities = nationalities;
    r.nationality_count = 2;
    r.documents = documents;
    r.document_count = 1;
    r.site = "Camp 1";
    r.note = "line\nbreak";
    r.line = 42;
    char *json = NULL;
    size_t len = 0;
    TEST_INT_EQ(tby_record_to_json(&json, &len, &r, 0, NULL), 0);
    TEST_STR_EQ(json, "{\"id\":\"X1\",\"name\":\"محمد علي\",\"aliases\":[\"Abu \\\"Omar\\\"\","
                      "\"back\\\\slash\\ttab\\u0001\"],\"birth_date\":[\"~1980\",\"1979..1982\"],"
                      "\"sex\":\"f\",\"nationality\":[\"IQ\",\"سوريا\"],\"documents\":["
                      "\"passport:A123:4\"],\"site\":\"Camp 1\",\"note\":\"line\\nbreak\"}");
    TEST_INT_EQ(len, json ? strlen(json) : 0);
    tby_free(json);

    TEST_INT_EQ(tby_record_to_json(&json, NULL, &r, TBY_RECORD_JSON_IDENTITY, NULL), 0);
    TEST_CHECK(json && !strstr(json, "\"id\"") && !strstr(json, "\"site\"") &&
               !strstr(json, "\"note\"") && strstr(json, "\"name\""));
    tby_free(json);

    /* The same values give the same bytes whatever the order they were set in. */
    char *a = NULL, *b = NULL;
    tby_record copy = r;
    copy.line = 7;
    copy.note = "other";
    TEST_INT_EQ(tby_record_to_json(&a, NULL, &r, TBY_RECORD_JSON_IDENTITY, NULL), 0);
    TEST_INT_EQ(tby_record_to_json(&b, NULL, &copy, TBY_RECORD_JSON_IDENTITY, NULL), 0);
    TEST_STR_EQ(a, b);
    tby_free(a);
    tby_free(b);
}

static void test_io_record_json__refuses_what_cannot_be_written(void)
{
    tby_record r;
    memset(&r, 0, sizeof(r));
    r.name = "Ali";
    char *json = (char *)"unchanged";
    tby_error err;
    TEST_INT_EQ(tby_record_to_json(&json, NULL, &r, 0, &err), TBY_EINVALID);
    TEST_CHECK(json == NULL);
    r.id = "X";
    r.name = "bad \xC3";
    TEST_INT_EQ(tby_record_to_json(&json, NULL, &r, 0, &err), TBY_EUTF8);
    r.name = "Ali";
    tby_document document = {"pass:port", "1"};
    r.documents = &document;
    r.document_count = 1;
    TEST_INT_EQ(tby_record_to_json(&json, NULL, &r, 0, &err), TBY_EINVALID);
    document.type = "passport";
    document.number = "";
    TEST_INT_EQ(tby_record_to_json(&json, NULL, &r, 0, &err), TBY_EINVALID);
}

TEST_LIST = {
    TEST(test_io_record_json__round_trip_csv),
    TEST(test_io_record_json__round_trip_jsonl),
    TEST(test_io_record_json__canonical_text),
    TEST(test_io_record_json__refuses_what_cannot_be_written),
    TEST_END,
};

TEST_MAIN()
