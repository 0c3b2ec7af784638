// SPDX-License-Identifier: Apache-2.0
// Fuzz target for the UN consolidated list reader (src/io/un_xml.c): the same bytes are read
// leniently and strictly, with bad values rejected and dropped. Beyond "no crash, no leak, no
// undefined behaviour" it checks the reader's promises: every delivered record has an id, a
// name and a line, no empty alias, document type or number, no date of kind NONE; strict
// mode delivers nothing after a rejection; the stats agree with the callbacks; a failed read
// says why.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tabayyun/tby_lists.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fuzz_state {
    size_t records;  /* records delivered */
    size_t aliases;  /* aliases in them */
    size_t rejected; /* rejections reported */
    size_t dropped;  /* dropped values reported */
    int is_strict;   /* options.strict of this pass */
} fuzz_state;

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "un_xml_fuzzer: invariant broken: %s\n", what);
    abort();
}

static void check_names(const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (!names[i] || !names[i][0])
            fuzz_fail("empty alias");
        if (names[i][0] == ' ' || names[i][strlen(names[i]) - 1] == ' ')
            fuzz_fail("alias not trimmed");
    }
}

static int fuzz_on_record(const tby_record *record, void *payload)
{
    fuzz_state *state = payload;
    if (!record->id || !record->id[0])
        fuzz_fail("record without id");
    if (!record->name || !record->name[0])
        fuzz_fail("record without name");
    if (record->line < 1)
        fuzz_fail("record without a line");
    if (state->is_strict && state->rejected)
        fuzz_fail("strict mode delivered a record after a rejection");
    check_names(record->aliases, record->alias_count);
    check_names(record->weak_aliases, record->weak_alias_count);
    for (size_t i = 0; i < record->birth_date_count; i++) {
        if (record->birth_dates[i].kind == TBY_DATE_NONE)
            fuzz_fail("birth date of kind NONE");
    }
    for (size_t i = 0; i < record->document_count; i++) {
        if (!record->documents[i].number[0] || !record->documents[i].type[0])
            fuzz_fail("empty document type or number");
    }
    state->records++;
    state->aliases += record->alias_count;
    return 0;
}

static int fuzz_on_problem(const char *source_name, const tby_error *error, void *payload)
{
    size_t *count = payload;
    if (!source_name || error->code >= 0 || error->message[0] == '\0' || error->line < 1)
        fuzz_fail("problem without code, reason or line");
    ++*count;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    for (int pass = 0; pass < 4; pass++) {
        fuzz_state state = {0, 0, 0, 0, pass & 1};
        tby_reader_options opts = TBY_READER_OPTIONS_INIT;
        opts.strict = (pass & 1) != 0;
        opts.drop_bad_values = (pass & 2) != 0;
        opts.max_field_bytes = 256; /* small cap so short inputs reach it */
        opts.on_reject = fuzz_on_problem;
        opts.reject_payload = &state.rejected;
        opts.on_dropped = fuzz_on_problem;
        opts.dropped_payload = &state.dropped;
        tby_list_stats stats;
        tby_error err;
        tby_error_clear(&err);
        int rc = tby_un_xml_read_buffer(text, size, &opts, fuzz_on_record, &state, &stats, &err);
        if (stats.individuals != state.records || stats.rejected != state.rejected ||
            stats.aliases != state.aliases || stats.names != stats.individuals)
            fuzz_fail("stats disagree with the callbacks");
        if (!opts.drop_bad_values && (state.dropped || stats.dates_dropped))
            fuzz_fail("a value was dropped without drop_bad_values");
        if (rc > 0 || (rc < 0 && err.message[0] == '\0'))
            fuzz_fail("failure without a reason");
        if (rc == 0 && opts.strict && state.rejected)
            fuzz_fail("strict read with rejections succeeded");
    }
    return 0;
}
