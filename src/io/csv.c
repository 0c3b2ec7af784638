// SPDX-License-Identifier: Apache-2.0
// A streaming RFC 4180 tokenizer written for precise error reports: every field remembers the
// line, byte column and input offset it started at, and a malformed row is still delimited so
// the reader can reject that row alone and carry on with the next one.
//
//            ','                      '"'                    '"'
//   START ---------> START    START -------> QUOTED <-------------- QUOTE_SEEN
//     | other                                  | '"'                  | ',' CR LF: end field
//     v                                        +--------------------->| other: row error,
//   UNQUOTED (',' ends the field, CR/LF end the row)                  |        go UNQUOTED
//
// UTF-8 is checked on the raw bytes as they pass, independently of the CSV state: delimiters
// are ASCII, so they can never sit inside a valid multi-byte sequence. A reader of Latin-1
// files (OFAC's) sets is_latin1 instead: bytes are then decoded into UTF-8 as they are stored.
#include <string.h>

#include "io/io_int.h"

typedef enum csv_state {
    CSV_START,     /* at the start of a field */
    CSV_UNQUOTED,  /* inside an unquoted field */
    CSV_QUOTED,    /* inside a quoted field */
    CSV_QUOTE_SEEN /* a quote inside a quoted field: closing, or the first of a doubled pair */
} csv_state;

/* Tokenizer state that only lives for one call of tby_io__csv_next. */
typedef struct csv_pass {
    csv_state state;
    size_t field_len;    /* bytes of the current field so far (stored or not) */
    size_t record_len;   /* bytes of the row's values so far */
    bool is_field_over;  /* the current field passed its cap: stop storing it */
    bool is_record_over; /* the row passed its cap: stop storing anything */
    int utf8_need;       /* bytes of the pending UTF-8 sequence, 0 when none */
    int utf8_have;       /* bytes of it seen so far */
    char utf8_seq[4];    /* the pending sequence */
    int64_t utf8_line;   /* where the pending sequence started */
    int64_t utf8_column; /* ... */
    int64_t utf8_offset; /* ... */
    int64_t byte_line;   /* position of the byte being processed */
    int64_t byte_column; /* ... */
    int64_t byte_offset; /* ... */
} csv_pass;

void tby_io__csv_init(tby_io__csv *csv, tby_io__source *src, size_t max_field_bytes,
                      size_t max_record_bytes, size_t max_fields)
{
    memset(csv, 0, sizeof(*csv));
    csv->src = src;
    csv->max_field_bytes = max_field_bytes;
    csv->max_record_bytes = max_record_bytes;
    csv->max_fields = max_fields;
    tby__buf_init(&csv->row, 0);
    csv->line = 1;
    csv->column = 1;
    tby_error_clear(&csv->row_error);
    csv->row_error_field = -1;
}

void tby_io__csv_dispose(tby_io__csv *csv)
{
    tby__buf_dispose(&csv->row);
    tby__free(csv->fields);
    csv->fields = NULL;
    csv->field_cap = 0;
}

bool tby_io__csv_row_is_blank(const tby_io__csv *csv)
{
    return csv->field_total == 1 && csv->field_count == 1 && csv->fields[0].len == 0 &&
           !csv->fields[0].is_quoted && csv->row_error.code == 0;
}

/* Keeps only the first problem of a row: later ones are usually its consequences. */
static void csv_row_error(tby_io__csv *csv, int code, int64_t line, int64_t offset, const char *fmt,
                          ...) __attribute__((format(printf, 5, 6)));

static void csv_row_error(tby_io__csv *csv, int code, int64_t line, int64_t offset, const char *fmt,
                          ...)
{
    if (csv->row_error.code)
        return;
    tby_error_clear(&csv->row_error);
    csv->row_error.code = code;
    csv->row_error.line = line;
    csv->row_error.offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(csv->row_error.message, sizeof(csv->row_error.message), fmt, ap);
    va_end(ap);
    csv->row_error_field = (int)csv->field_total;
}

/* Makes sure fields[field_count] exists. */
static int csv_reserve_field(tby_io__csv *csv)
{
    if (csv->field_count < csv->field_cap)
        return TBY_OK;
    size_t cap_new = csv->field_cap ? csv->field_cap * 2 : 16;
    tby_io__csv_field *fields = tby__realloc(csv->fields, cap_new * sizeof(*fields));
    if (!fields)
        return TBY_ENOMEM;
    csv->fields = fields;
    csv->field_cap = cap_new;
    return TBY_OK;
}

static int csv_begin_field(tby_io__csv *csv, csv_pass *pass)
{
    pass->field_len = 0;
    pass->is_field_over = false;
    if (csv->field_total < csv->max_fields) {
        int rc = csv_reserve_field(csv);
        if (rc)
            return rc;
        tby_io__csv_field *field = &csv->fields[csv->field_count];
        field->start = csv->row.len;
        field->len = 0;
        field->is_quoted = false;
        field->line = pass->byte_line;
        field->column = pass->byte_column;
        field->offset = pass->byte_offset;
    }
    return TBY_OK;
}

static int csv_end_field(tby_io__csv *csv, csv_pass *pass)
{
    if (csv->field_total < csv->max_fields) {
        tby_io__csv_field *field = &csv->fields[csv->field_count];
        field->len = csv->row.len - field->start;
        int rc = tby__buf_putc(&csv->row, '\0');
        if (rc)
            return rc;
        csv->field_count++;
    } else if (csv->field_total == csv->max_fields) {
        csv_row_error(csv, TBY_ETOOLARGE, pass->byte_line, pass->byte_offset,
                      "row has more than %zu fields", csv->max_fields);
    }
    csv->field_total++;
    return TBY_OK;
}

static int csv_append(tby_io__csv *csv, csv_pass *pass, char c)
{
    pass->field_len++;
    pass->record_len++;
    if (pass->is_field_over || pass->is_record_over || csv->field_total >= csv->max_fields)
        return TBY_OK;
    if (pass->field_len > csv->max_field_bytes) {
        pass->is_field_over = true;
        tby_io__csv_field *field = &csv->fields[csv->field_count];
        csv_row_error(csv, TBY_ETOOLARGE, field->line, field->offset,
                      "field longer than %zu bytes (starts at line %lld, column %lld)",
                      csv->max_field_bytes, (long long)field->line, (long long)field->column);
        return TBY_OK;
    }
    if (pass->record_len > csv->max_record_bytes) {
        pass->is_record_over = true;
        csv_row_error(csv, TBY_ETOOLARGE, csv->row_line, csv->row_offset,
                      "record longer than %zu bytes (starts at line %lld)", csv->max_record_bytes,
                      (long long)csv->row_line);
        return TBY_OK;
    }
    return tby__buf_putc(&csv->row, c);
}

/* Windows-1252 at 0x80..0x9F, where Latin-1 has C1 controls that no list writes on purpose;
   the five bytes Windows-1252 leaves undefined keep their Latin-1 meaning. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

/* Appends one input byte: as it is, or decoded from Latin-1 into UTF-8. */
static int csv_append_byte(tby_io__csv *csv, csv_pass *pass, int c)
{
    if (!csv->is_latin1 || c < 0x80)
        return csv_append(csv, pass, (char)c);
    char utf8[4];
    int32_t cp = c < 0xA0 ? (int32_t)cp1252_high[c - 0x80] : (int32_t)c;
    size_t len = tby__utf8_encode(cp, utf8);
    for (size_t i = 0; i < len; i++) {
        int rc = csv_append(csv, pass, utf8[i]);
        if (rc)
            return rc;
    }
    return TBY_OK;
}

/* Bytes in a UTF-8 sequence with this lead byte, 0 when it cannot lead one. */
static int utf8_lead_length(unsigned char byte)
{
    if (byte >= 0xC2 && byte <= 0xDF)
        return 2;
    if (byte >= 0xE0 && byte <= 0xEF)
        return 3;
    if (byte >= 0xF0 && byte <= 0xF4)
        return 4;
    return 0;
}

static void csv_utf8_bad(tby_io__csv *csv, int64_t line, int64_t column, int64_t offset)
{
    csv_row_error(csv, TBY_EUTF8, line, offset, "invalid UTF-8 at line %lld, byte column %lld",
                  (long long)line, (long long)column);
}

/* Feeds one byte (or -1 for end of input) to the incremental UTF-8 check. */
static void csv_utf8_feed(tby_io__csv *csv, csv_pass *pass, int c)
{
    if (pass->utf8_need) {
        if (c >= 0 && (c & 0xC0) == 0x80) {
            pass->utf8_seq[pass->utf8_have++] = (char)c;
            if (pass->utf8_have == pass->utf8_need) {
                int32_t cp;
                if (tby__utf8_decode(pass->utf8_seq, (size_t)pass->utf8_need, &cp) == 0)
                    csv_utf8_bad(csv, pass->utf8_line, pass->utf8_column, pass->utf8_offset);
                pass->utf8_need = 0;
            }
            return;
        }
        csv_utf8_bad(csv, pass->utf8_line, pass->utf8_column, pass->utf8_offset);
        pass->utf8_need = 0;
    }
    if (c < 0x80)
        return;
    int need = utf8_lead_length((unsigned char)c);
    if (!need) {
        csv_utf8_bad(csv, pass->byte_line, pass->byte_column, pass->byte_offset);
        return;
    }
    pass->utf8_need = need;
    pass->utf8_have = 1;
    pass->utf8_seq[0] = (char)c;
    pass->utf8_line = pass->byte_line;
    pass->utf8_column = pass->byte_column;
    pass->utf8_offset = pass->byte_offset;
}

/* Reads one byte, recording its position and advancing the line/column counters. */
static int csv_getc(tby_io__csv *csv, csv_pass *pass)
{
    pass->byte_line = csv->line;
    pass->byte_column = csv->column;
    pass->byte_offset = csv->src->offset;
    int c = tby_io__source_getc(csv->src);
    if (c == '\r') {
        csv->line++;
        csv->column = 1;
        csv->is_after_cr = true;
    } else if (c == '\n') {
        if (!csv->is_after_cr)
            csv->line++;
        csv->column = 1;
        csv->is_after_cr = false;
    } else if (c >= 0) {
        csv->column++;
        csv->is_after_cr = false;
    }
    return c;
}

int tby_io__csv_next(tby_io__csv *csv)
{
    csv_pass pass;
    memset(&pass, 0, sizeof(pass));
    int rc;

    if (csv->is_skip_lf) {
        csv->is_skip_lf = false;
        if (tby_io__source_peek(csv->src) == '\n')
            csv_getc(csv, &pass);
    }
    tby__buf_clear(&csv->row);
    csv->field_count = 0;
    csv->field_total = 0;
    tby_error_clear(&csv->row_error);
    csv->row_error_field = -1;
    csv->row_line = csv->line;
    csv->row_offset = csv->src->offset;
    pass.byte_line = csv->line;
    pass.byte_column = csv->column;
    pass.byte_offset = csv->src->offset;
    if (tby_io__source_peek(csv->src) < 0)
        return csv->src->status ? csv->src->status : 0;

    pass.state = CSV_START;
    if ((rc = csv_begin_field(csv, &pass)))
        return rc;
    for (;;) {
        int c = csv_getc(csv, &pass);
        if (!csv->is_latin1)
            csv_utf8_feed(csv, &pass, c);
        if (c < 0) {
            if (csv->src->status)
                return csv->src->status;
            if (pass.state == CSV_QUOTED) {
                tby_io__csv_field *field =
                    csv->field_total < csv->max_fields ? &csv->fields[csv->field_count] : NULL;
                int64_t line = field ? field->line : csv->row_line;
                int64_t column = field ? field->column : 1;
                csv_row_error(csv, TBY_EINVALID, line, field ? field->offset : csv->row_offset,
                              "quoted field opened at line %lld, column %lld is never closed",
                              (long long)line, (long long)column);
            }
            return (rc = csv_end_field(csv, &pass)) ? rc : 1;
        }
        switch (pass.state) {
        case CSV_START:
        case CSV_UNQUOTED:
        case CSV_QUOTE_SEEN:
            if (c == ',') {
                if ((rc = csv_end_field(csv, &pass)))
                    return rc;
                pass.byte_line = csv->line;
                pass.byte_column = csv->column;
                pass.byte_offset = csv->src->offset;
                if ((rc = csv_begin_field(csv, &pass)))
                    return rc;
                pass.state = CSV_START;
                continue;
            }
            if (c == '\r' || c == '\n') {
                csv->is_skip_lf = c == '\r';
                return (rc = csv_end_field(csv, &pass)) ? rc : 1;
            }
            if (pass.state == CSV_START && c == '"') {
                if (csv->field_count < csv->field_cap && csv->field_total < csv->max_fields)
                    csv->fields[csv->field_count].is_quoted = true;
                pass.state = CSV_QUOTED;
                continue;
            }
            if (pass.state == CSV_QUOTE_SEEN) {
                if (c == '"') {
                    /* A doubled quote inside a quoted field stands for one quote. */
                    pass.state = CSV_QUOTED;
                    if ((rc = csv_append(csv, &pass, '"')))
                        return rc;
                    continue;
                }
                csv_row_error(csv, TBY_EINVALID, pass.byte_line, pass.byte_offset,
                              "unexpected character after a closing quote at line %lld, "
                              "column %lld",
                              (long long)pass.byte_line, (long long)pass.byte_column);
            }
            pass.state = CSV_UNQUOTED;
            if ((rc = csv_append_byte(csv, &pass, c)))
                return rc;
            break;
        case CSV_QUOTED:
            if (c == '"') {
                pass.state = CSV_QUOTE_SEEN;
                continue;
            }
            if ((rc = csv_append_byte(csv, &pass, c)))
                return rc;
            break;
        }
    }
}
