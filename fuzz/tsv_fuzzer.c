// SPDX-License-Identifier: Apache-2.0
// Fuzz target for the TSV reader (src/util/tsv.c), the first code that sees an imported file.
// Besides crashes it checks that every record obeys the reader's promises, and that reading
// in tiny windows gives exactly what reading in one window gives (chunk boundaries must not
// change the result).
#include <string.h>

#include "util/util_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks the reader's promises about the record it just returned with code rc. */
static void check_record(const tby_tsv *tsv, int rc, const tby_error *err, size_t size,
                         int64_t line_before)
{
    TBY_ASSERT(tsv->offset >= 0 && (size_t)tsv->offset <= size);
    if (rc == TBY__TSV_END) {
        TBY_ASSERT((size_t)tsv->offset == size);
        return;
    }
    /* Each call consumes at least one line, except a failed chunk allocation. */
    TBY_ASSERT(tsv->line_no > line_before || rc == TBY_ENOMEM);
    if (rc < 0) {
        TBY_ASSERT(rc == TBY_ETOOLARGE || rc == TBY_EUTF8 || rc == TBY_EINVALID ||
                   rc == TBY_ENOMEM);
        TBY_ASSERT(err->code == rc && err->line == tsv->line_no);
        TBY_ASSERT(err->offset >= 0 && (size_t)err->offset <= size);
        TBY_ASSERT(tsv->field_count == 0);
        return;
    }
    TBY_ASSERT(rc == TBY__TSV_RECORD);
    TBY_ASSERT(tsv->field_count >= 1 && tsv->field_count <= tsv->opts.field_cap);
    size_t total = tsv->field_count - 1;
    for (size_t i = 0; i < tsv->field_count; i++) {
        const tby_tsv_field *field = &tsv->fields[i];
        TBY_ASSERT(strlen(field->ptr) == field->len);
        TBY_ASSERT(memchr(field->ptr, '\t', field->len) == NULL);
        TBY_ASSERT(memchr(field->ptr, '\n', field->len) == NULL);
        TBY_ASSERT(tby__utf8_validate(field->ptr, field->len) == field->len);
        total += field->len;
    }
    TBY_ASSERT(total >= 1 && total <= tsv->opts.line_cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    tby_tsv whole, sliced, small;
    tby_tsv_options whole_opts = {.read_size = size ? size : 1};
    tby_tsv_options sliced_opts = {.read_size = 1 + size % 5};
    /* Small caps so that short inputs reach the over-long-line and too-many-fields paths. */
    tby_tsv_options small_opts = {.line_cap = 40, .field_cap = 5, .read_size = 3};
    tby__tsv_init_mem(&whole, text, size, &whole_opts);
    tby__tsv_init_mem(&sliced, text, size, &sliced_opts);
    tby__tsv_init_mem(&small, text, size, &small_opts);

    /* At most one call per input byte, plus the final TBY__TSV_END. */
    bool is_done = false;
    for (size_t calls = 0; calls <= size && !is_done; calls++) {
        tby_error err_whole, err_sliced;
        int64_t line_before = whole.line_no;
        int rc = tby__tsv_next(&whole, &err_whole);
        int rc_sliced = tby__tsv_next(&sliced, &err_sliced);
        check_record(&whole, rc, &err_whole, size, line_before);
        TBY_ASSERT(rc == rc_sliced && whole.line_no == sliced.line_no);
        TBY_ASSERT(whole.offset == sliced.offset && whole.field_count == sliced.field_count);
        for (size_t i = 0; i < whole.field_count; i++) {
            TBY_ASSERT(whole.fields[i].len == sliced.fields[i].len);
            TBY_ASSERT(memcmp(whole.fields[i].ptr, sliced.fields[i].ptr, whole.fields[i].len) == 0);
        }
        is_done = rc == TBY__TSV_END;
    }
    TBY_ASSERT(is_done && whole.empty_count == sliced.empty_count);

    is_done = false;
    for (size_t calls = 0; calls <= size && !is_done; calls++) {
        tby_error err;
        int64_t line_before = small.line_no;
        int rc = tby__tsv_next(&small, &err);
        check_record(&small, rc, &err, size, line_before);
        is_done = rc == TBY__TSV_END;
    }
    TBY_ASSERT(is_done);

    tby__tsv_dispose(&whole);
    tby__tsv_dispose(&sliced);
    tby__tsv_dispose(&small);
    return 0;
}
