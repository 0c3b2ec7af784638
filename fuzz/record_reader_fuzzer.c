// SPDX-License-Identifier: Apache-2.0
// Fuzz target for the record reader (docs/c-style.md T10): the same bytes are read as CSV and
// as JSON Lines, leniently and strictly, streamed and loaded into a set. Beyond "no crash, no
// leak, no undefined behaviour" it checks the reader's promises: every delivered record has a
// non-empty id and a name or given name, strict mode delivers nothing after a rejection, and
// a set holds exactly the records the stream delivered.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tabayyun/tby_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fuzz_state {
    size_t records;  /* records delivered */
    size_t rejected; /* rejections reported */
    int is_strict;   /* options.strict of this pass */
} fuzz_state;

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "record_reader_fuzzer: invariant broken: %s\n", what);
    abort();
}

static int fuzz_on_record(const tby_record *record, void *payload)
{
    fuzz_state *state = payload;
    if (!record->id || !record->id[0])
        fuzz_fail("record without id");
    if (!record->name && !record->given)
        fuzz_fail("record without name or given");
    if (record->line < 1)
        fuzz_fail("record without a line");
    if (state->is_strict && state->rejected)
        fuzz_fail("strict mode delivered a record after a rejection");
    for (size_t i = 0; i < record->document_count; i++) {
        if (!record->documents[i].number[0] || !record->documents[i].type[0])
            fuzz_fail("empty document type or number");
    }
    state->records++;
    return 0;
}

static int fuzz_on_reject(const char *source_name, const tby_error *error, void *payload)
{
    fuzz_state *state = payload;
    (void)source_name;
    if (error->code >= 0 || error->message[0] == '\0')
        fuzz_fail("rejection without code or reason");
    state->rejected++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const tby_record_format formats[] = {TBY_FORMAT_CSV, TBY_FORMAT_JSONL};
    const char *text = (const char *)data;
    for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
        for (int is_strict = 0; is_strict <= 1; is_strict++) {
            fuzz_state state = {0, 0, is_strict};
            tby_reader_options opts = TBY_READER_OPTIONS_INIT;
            opts.format = formats[f];
            opts.strict = is_strict != 0;
            opts.ignore_unknown_columns = is_strict != 0;
            opts.max_field_bytes = 256; /* small caps so short inputs reach the cap paths */
            opts.max_record_bytes = 1024;
            opts.on_reject = fuzz_on_reject;
            opts.reject_payload = &state;
            tby_reader_stats stats;
            tby_error err;
            int rc =
                tby_record_read_buffer(text, size, &opts, fuzz_on_record, &state, &stats, &err);
            if (stats.records != state.records || stats.rejected != state.rejected)
                fuzz_fail("stats disagree with the callbacks");

            tby_record_set *set = NULL;
            opts.on_reject = NULL;
            int rc_set = tby_record_set_load_buffer(&set, text, size, &opts, &err);
            if (rc_set != rc)
                fuzz_fail("set loader and stream disagree on the result");
            if (rc_set == 0) {
                if (!set || tby_record_set_count(set) != state.records)
                    fuzz_fail("set does not hold the streamed records");
                for (size_t i = 0; i < tby_record_set_count(set); i++) {
                    const tby_record *record = tby_record_set_get(set, i);
                    if (!record->id || !record->id[0])
                        fuzz_fail("set record without id");
                }
            } else if (set) {
                fuzz_fail("failed load returned a set");
            }
            tby_record_set_free(set);
        }
    }
    return 0;
}
