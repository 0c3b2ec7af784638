// SPDX-License-Identifier: Apache-2.0
// Fuzz target for the OFAC SDN reader (src/io/ofac.c). The input is split at its first two NUL
// bytes into sdn.csv, alt.csv and add.csv (no second NUL: no add.csv; no NUL at all: an empty
// alt.csv), and read leniently, strictly and with bad values dropped. Beyond "no crash, no
// leak, no undefined behaviour" it checks the reader's promises: every delivered record has
// an id, a name and a line, its dates, documents and strings are well formed, strict mode
// delivers nothing after a rejection, and the stats agree with the callbacks.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fuzz_state {
    size_t records;      /* records delivered */
    size_t rejected;     /* rejections reported */
    size_t dropped;      /* values dropped */
    size_t aliases;      /* aliases in delivered records */
    size_t weak_aliases; /* ... */
    size_t birth_dates;  /* ... */
    size_t documents;    /* ... */
    bool is_strict;      /* options.strict of this pass */
} fuzz_state;

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "ofac_fuzzer: invariant broken: %s\n", what);
    abort();
}

static void fuzz_check_string(const char *s)
{
    if (!s || !s[0])
        fuzz_fail("empty string in a record");
    size_t len = strlen(s);
    if (tby__utf8_validate(s, len) != len)
        fuzz_fail("string in a record is not UTF-8");
}

static int fuzz_on_record(const tby_record *record, void *payload)
{
    fuzz_state *state = payload;
    if (!record->id || !record->name || record->line < 1)
        fuzz_fail("record without id, name or line");
    fuzz_check_string(record->id);
    fuzz_check_string(record->name);
    if (state->is_strict && state->rejected)
        fuzz_fail("strict mode delivered a record after a rejection");
    for (size_t i = 0; i < record->alias_count; i++)
        fuzz_check_string(record->aliases[i]);
    for (size_t i = 0; i < record->weak_alias_count; i++)
        fuzz_check_string(record->weak_aliases[i]);
    for (size_t i = 0; i < record->nationality_count; i++)
        fuzz_check_string(record->nationalities[i]);
    if (record->birth_place)
        fuzz_check_string(record->birth_place);
    for (size_t i = 0; i < record->document_count; i++) {
        fuzz_check_string(record->documents[i].type);
        fuzz_check_string(record->documents[i].number);
    }
    for (size_t i = 0; i < record->birth_date_count; i++) {
        /* Every date the reader makes must survive the record format's own syntax. */
        char text[TBY_DATE_FORMAT_LEN];
        tby_date again;
        tby_date_format(text, &record->birth_dates[i]);
        if (record->birth_dates[i].kind == TBY_DATE_NONE ||
            tby_date_parse(&again, text, strlen(text), NULL) != 0)
            fuzz_fail("birth date that does not parse back");
    }
    state->records++;
    state->aliases += record->alias_count;
    state->weak_aliases += record->weak_alias_count;
    state->birth_dates += record->birth_date_count;
    state->documents += record->document_count;
    return 0;
}

static int fuzz_on_reject(const char *source_name, const tby_error *error, void *payload)
{
    fuzz_state *state = payload;
    if (!source_name || error->code >= 0 || error->message[0] == '\0')
        fuzz_fail("rejection without source, code or reason");
    state->rejected++;
    return 0;
}

static int fuzz_on_dropped(const char *source_name, const tby_error *error, void *payload)
{
    fuzz_state *state = payload;
    if (!source_name || error->code >= 0 || error->message[0] == '\0')
        fuzz_fail("dropped value without source, code or reason");
    state->dropped++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *first = size ? memchr(text, '\0', size) : NULL;
    const char *second = first ? memchr(first + 1, '\0', size - (size_t)(first + 1 - text)) : NULL;
    size_t sdn_len = first ? (size_t)(first - text) : size;
    const char *alt = first ? first + 1 : "";
    size_t alt_len = first ? (second ? (size_t)(second - alt) : size - sdn_len - 1) : 0;
    const char *add = second ? second + 1 : NULL;
    size_t add_len = second ? size - (size_t)(add - text) : 0;

    for (int pass = 0; pass < 3; pass++) {
        fuzz_state state;
        memset(&state, 0, sizeof(state));
        state.is_strict = pass == 1;
        tby_reader_options opts = TBY_READER_OPTIONS_INIT;
        opts.strict = pass == 1;
        opts.drop_bad_values = pass == 2;
        opts.max_field_bytes = 512; /* small caps so short inputs reach the cap paths */
        opts.max_record_bytes = 2048;
        opts.on_reject = fuzz_on_reject;
        opts.reject_payload = &state;
        opts.on_dropped = fuzz_on_dropped;
        opts.dropped_payload = &state;
        tby_list_stats stats;
        tby_error err;
        int rc = tby_io__ofac_read_buffers(text, sdn_len, alt, alt_len, add, add_len, &opts,
                                           fuzz_on_record, &state, &stats, &err);
        if (stats.individuals != state.records || stats.rejected != state.rejected ||
            stats.aliases != state.aliases || stats.weak_aliases != state.weak_aliases ||
            stats.birth_dates != state.birth_dates || stats.documents != state.documents ||
            stats.names != state.records)
            fuzz_fail("stats disagree with the callbacks");
        if (stats.dates_dropped > state.dropped)
            fuzz_fail("more dates dropped than reported");
        if (pass != 2 && state.dropped)
            fuzz_fail("value dropped without drop_bad_values");
        if (rc != 0 && (err.code != rc || err.message[0] == '\0'))
            fuzz_fail("failure without an error description");
        if (pass == 1 && state.rejected && rc == 0)
            fuzz_fail("strict read with rejections succeeded");
    }
    return 0;
}
