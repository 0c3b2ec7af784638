// SPDX-License-Identifier: Apache-2.0
// Streaming TSV reader (util_int.h): assembles one line at a time from a FILE or a memory
// buffer into a capped buffer, checks it and splits it at tabs. It does no quoting or
// escaping, because TSV (IANA text/tab-separated-values) has none: a value cannot hold a tab.
//
// Input moves through three stages, the same for both sources:
//
//   source --fill--> window (chunk of fread, or a read_size slice of memory)
//          --memchr('\n')--> line buffer (tby_buf, capped) --split at '\t'--> fields
//
// Slicing memory into read_size windows instead of handing it over whole keeps one code
// path, so the fuzzer and the tests (read_size 1) exercise the chunk boundaries a FILE sees.
#include <string.h>

#include "util/util_int.h"

/* ===== Private ===== */

static const char tsv_bom[3] = {'\xEF', '\xBB', '\xBF'};

static size_t tsv_add_saturating(size_t a, size_t b)
{
    size_t sum;
    return tby__add_overflow(a, b, &sum) ? SIZE_MAX : sum;
}

static void tsv_init(tby_tsv *tsv, const tby_tsv_options *opts)
{
    memset(tsv, 0, sizeof(*tsv));
    if (opts)
        tsv->opts = *opts;
    if (!tsv->opts.line_cap)
        tsv->opts.line_cap = TBY__TSV_LINE_CAP_DEFAULT;
    if (!tsv->opts.field_cap)
        tsv->opts.field_cap = TBY__TSV_FIELD_CAP_DEFAULT;
    if (!tsv->opts.read_size)
        tsv->opts.read_size = TBY__TSV_READ_SIZE_DEFAULT;
    /* Room for a CR before the LF and for a BOM on line 1, both removed before the cap is
     * checked, so that a CRLF file accepts exactly the lines an LF file does. */
    tby__buf_init(&tsv->line, tsv_add_saturating(tsv->opts.line_cap, 4));
}

/*
 * Makes unread input available in the window. Returns 1 when there is some, 0 at the end of
 * the input, TBY_ENOMEM (the fread chunk could not be allocated; nothing consumed) or TBY_EIO.
 */
static int tsv_fill(tby_tsv *tsv)
{
    if (tsv->win_off < tsv->win_len)
        return 1;
    if (tsv->is_eof)
        return 0;
    if (!tsv->file) {
        size_t left = tsv->mem_len - tsv->mem_off;
        if (left == 0) {
            tsv->is_eof = true;
            return 0;
        }
        tsv->win = tsv->mem + tsv->mem_off;
        tsv->win_len = left < tsv->opts.read_size ? left : tsv->opts.read_size;
        tsv->win_off = 0;
        tsv->mem_off += tsv->win_len;
        return 1;
    }
    if (!tsv->chunk) {
        tsv->chunk = tby__malloc(tsv->opts.read_size);
        if (!tsv->chunk)
            return TBY_ENOMEM;
    }
    size_t got = fread(tsv->chunk, 1, tsv->opts.read_size, tsv->file);
    if (got == 0) {
        if (ferror(tsv->file)) {
            tsv->is_io_error = true;
            return TBY_EIO;
        }
        tsv->is_eof = true;
        return 0;
    }
    tsv->win = tsv->chunk;
    tsv->win_len = got;
    tsv->win_off = 0;
    return 1;
}

/*
 * Consumes input up to and including the next LF, keeping at most `limit` bytes of it in
 * tsv->line. Returns 1 when a line (possibly empty or unterminated) was consumed, 0 at the
 * end of the input, or an error. TBY_ETOOLARGE and TBY_ENOMEM come back only after the whole
 * line has been consumed, so the next call starts on the following line.
 */
static int tsv_read_line(tby_tsv *tsv, size_t limit)
{
    int rc_line = 0;
    bool has_input = false;
    tby__buf_clear(&tsv->line);
    for (;;) {
        int rc = tsv_fill(tsv);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        const char *start = tsv->win + tsv->win_off;
        size_t avail = tsv->win_len - tsv->win_off;
        const char *newline = memchr(start, '\n', avail);
        size_t take = newline ? (size_t)(newline - start) : avail;
        has_input = true;
        if (rc_line == 0 && take > 0) {
            if (take > limit - tsv->line.len)
                rc_line = TBY_ETOOLARGE;
            else
                rc_line = tby__buf_put(&tsv->line, start, take);
        }
        size_t used = take + (newline ? 1 : 0);
        tsv->win_off += used;
        tsv->offset += (int64_t)used;
        if (newline)
            break;
    }
    if (!has_input)
        return 0;
    tsv->line_no++;
    return rc_line ? rc_line : 1;
}

/*
 * Splits text[0..len) at tabs into tsv->fields, writing a NUL over each tab and at text[len].
 * Returns 0, TBY_ETOOLARGE (more than field_cap fields) or TBY_ENOMEM; on error no fields.
 */
static int tsv_split(tby_tsv *tsv, char *text, size_t len)
{
    char *cursor = text;
    char *end = text + len;
    tsv->field_count = 0;
    for (;;) {
        char *tab = memchr(cursor, '\t', (size_t)(end - cursor));
        char *stop = tab ? tab : end;
        if (tsv->field_count == tsv->opts.field_cap) {
            tsv->field_count = 0;
            return TBY_ETOOLARGE;
        }
        if (tsv->field_count == tsv->field_asize) {
            size_t asize_new = tsv->field_asize ? tsv->field_asize : 8;
            size_t bytes;
            if (tsv->field_asize && tby__mul_overflow(asize_new, 2, &asize_new))
                asize_new = tsv->opts.field_cap;
            if (asize_new > tsv->opts.field_cap)
                asize_new = tsv->opts.field_cap;
            tby_tsv_field *grown = NULL;
            if (!tby__mul_overflow(asize_new, sizeof(*grown), &bytes))
                grown = tby__realloc(tsv->fields, bytes);
            if (!grown) {
                tsv->field_count = 0;
                return TBY_ENOMEM;
            }
            tsv->fields = grown;
            tsv->field_asize = asize_new;
        }
        tsv->fields[tsv->field_count].ptr = cursor;
        tsv->fields[tsv->field_count].len = (size_t)(stop - cursor);
        tsv->field_count++;
        *stop = '\0';
        if (!tab)
            return 0;
        cursor = tab + 1;
    }
}

/* Completes an error already written by tby__error with the line it belongs to. */
static int tsv_at_line(const tby_tsv *tsv, tby_error *err, int code)
{
    if (err)
        err->line = tsv->line_no;
    return code;
}

static int tsv_too_long(const tby_tsv *tsv, tby_error *err, int64_t line_start)
{
    return tsv_at_line(tsv, err,
                       tby__error(err, TBY_ETOOLARGE, line_start,
                                  "line %lld is longer than %zu bytes", (long long)tsv->line_no,
                                  tsv->opts.line_cap));
}

/* ===== Public ===== */

void tby__tsv_init_file(tby_tsv *tsv, FILE *file, const tby_tsv_options *opts)
{
    TBY_ASSERT(file != NULL);
    tsv_init(tsv, opts);
    tsv->file = file;
}

void tby__tsv_init_mem(tby_tsv *tsv, const char *data, size_t len, const tby_tsv_options *opts)
{
    TBY_ASSERT(data != NULL || len == 0);
    tsv_init(tsv, opts);
    tsv->mem = data;
    tsv->mem_len = len;
}

int tby__tsv_next(tby_tsv *tsv, tby_error *err)
{
    tsv->field_count = 0;
    if (tsv->is_io_error)
        return tsv_at_line(tsv, err,
                           tby__error(err, TBY_EIO, tsv->offset, "read error after line %lld",
                                      (long long)tsv->line_no));
    for (;;) {
        bool is_first = tsv->line_no == 0;
        size_t limit = tsv_add_saturating(tsv->opts.line_cap, is_first ? 4 : 1);
        int64_t line_start = tsv->offset;
        int rc = tsv_read_line(tsv, limit);
        if (rc == 0)
            return TBY__TSV_END;
        if (rc == TBY_EIO)
            return tsv_at_line(tsv, err,
                               tby__error(err, rc, tsv->offset, "read error after line %lld",
                                          (long long)tsv->line_no));
        /* Only a failed chunk allocation returns before consuming anything. */
        if (rc == TBY_ENOMEM)
            return tsv_at_line(
                tsv, err,
                tby__error(err, rc, line_start, "out of memory reading line %lld",
                           (long long)tsv->line_no + (tsv->offset == line_start ? 1 : 0)));
        if (rc < 0)
            return tsv_too_long(tsv, err, line_start);

        char *text = tsv->line.ptr;
        size_t len = tsv->line.len;
        size_t bom_len = 0;
        if (is_first && len >= sizeof(tsv_bom) && memcmp(text, tsv_bom, sizeof(tsv_bom)) == 0)
            bom_len = sizeof(tsv_bom);
        if (len > bom_len && text[len - 1] == '\r')
            len--;
        size_t content_len = len - bom_len;
        if (content_len == 0) {
            tsv->empty_count++;
            continue;
        }
        if (content_len > tsv->opts.line_cap)
            return tsv_too_long(tsv, err, line_start);

        /* NUL is valid UTF-8, so look for it separately, and report whichever comes first. */
        char *body = text + bom_len;
        const char *nul = memchr(body, '\0', content_len);
        size_t scan_len = nul ? (size_t)(nul - body) : content_len;
        size_t bad = tby__utf8_validate(body, scan_len);
        if (bad < scan_len)
            return tsv_at_line(tsv, err,
                               tby__error(err, TBY_EUTF8, line_start + (int64_t)(bom_len + bad),
                                          "line %lld: invalid UTF-8 at byte column %zu",
                                          (long long)tsv->line_no, bom_len + bad + 1));
        if (nul)
            return tsv_at_line(tsv, err,
                               tby__error(err, TBY_EINVALID,
                                          line_start + (int64_t)(bom_len + scan_len),
                                          "line %lld: NUL byte at byte column %zu",
                                          (long long)tsv->line_no, bom_len + scan_len + 1));

        rc = tsv_split(tsv, body, content_len);
        if (rc == TBY_ETOOLARGE)
            return tsv_at_line(tsv, err,
                               tby__error(err, rc, line_start, "line %lld has more than %zu fields",
                                          (long long)tsv->line_no, tsv->opts.field_cap));
        if (rc < 0)
            return tsv_at_line(tsv, err,
                               tby__error(err, rc, line_start, "out of memory reading line %lld",
                                          (long long)tsv->line_no));
        return TBY__TSV_RECORD;
    }
}

void tby__tsv_dispose(tby_tsv *tsv)
{
    tby__free(tsv->chunk);
    tby__free(tsv->fields);
    tby__buf_dispose(&tsv->line);
    tsv->chunk = NULL;
    tsv->fields = NULL;
    tsv->field_count = 0;
    tsv->field_asize = 0;
}
