// SPDX-License-Identifier: Apache-2.0
// Reads the project's record format (docs/record-format.md) from CSV and JSON Lines and hands
// out one tby_record per valid row. The format rules on values live in src/records; this file
// decides what a row is, where it came from (line, column, offset) and what happens to it:
//
//   bytes -> csv.c tokenizer / one line + jansson -> field text -> tby_record__set_value
//         -> id check (unique per file) -> tby_record__check -> on_record
//                   any problem on the way -> on_reject, next row
//
// Memory: each row is built in one arena that is reset before the next row, so a streamed
// file of any length allocates nothing per row once the arena has warmed up, and the record
// passed to on_record is borrowed for the call only. The one thing that grows with the file
// is the set of ids used to reject duplicates.
#include <jansson.h>
#include <stdarg.h>
#include <string.h>

#include "io/io_int.h"
#include "records/records_int.h"
#include "tabayyun/tby_io.h"

/* Row arena blocks: most rows fit in one. */
#define READER_ROW_BLOCK_BYTES (16u * 1024u)

typedef struct reader {
    bool is_strict;                            /* see tby_reader_options.strict */
    bool is_ignore_unknown;                    /* see tby_reader_options.ignore_unknown_columns */
    const char *source_name;                   /* for on_reject; never NULL */
    size_t max_field_bytes;                    /* resolved caps */
    size_t max_record_bytes;                   /* ... */
    tby_reject_cb on_reject;                   /* may be NULL */
    void *reject_payload;                      /* ... */
    bool is_drop_bad_values;                   /* see tby_reader_options.drop_bad_values */
    tby_reject_cb on_dropped;                  /* may be NULL */
    void *dropped_payload;                     /* ... */
    tby_record_cb on_record;                   /* may be NULL (validation only) */
    void *payload;                             /* ... */
    tby_error *err;                            /* the caller's, for fatal errors; may be NULL */
    tby_reader_stats stats;                    /* counters so far */
    tby_arena row_arena;                       /* the current row's record; reset per row */
    tby_io__id_set ids;                        /* ids seen in this input */
    tby_error first_reject;                    /* code 0 until a row is rejected */
    int column_fields[TBY_READER_MAX_COLUMNS]; /* CSV: field of each column, -1 when ignored */
    size_t column_count;                       /* CSV: columns in the header */
    size_t id_column;                          /* CSV: index of the id column */
} reader;

/* ===== Rejections ===== */

static int reader_reject(reader *r, const tby_error *error)
{
    r->stats.rejected++;
    if (!r->first_reject.code)
        r->first_reject = *error;
    if (r->on_reject)
        return r->on_reject(r->source_name, error, r->reject_payload);
    return TBY_OK;
}

static int reader_reject_at(reader *r, int code, const char *field, int64_t line, int64_t offset,
                            const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int reader_reject_at(reader *r, int code, const char *field, int64_t line, int64_t offset,
                            const char *fmt, ...)
{
    tby_error error;
    tby_error_clear(&error);
    error.code = code;
    error.line = line;
    error.offset = offset;
    snprintf(error.field, sizeof(error.field), "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error.message, sizeof(error.message), fmt, ap);
    va_end(ap);
    return reader_reject(r, &error);
}

/* A value error from src/records: add the position, then reject (or fail on ENOMEM). */
static int reader_value_error(reader *r, int rc, tby_error *error, int64_t line, int64_t offset)
{
    if (rc == TBY_ENOMEM) {
        if (r->err)
            *r->err = *error;
        return rc;
    }
    error->line = line;
    error->offset = offset;
    if (r->is_drop_bad_values && rc == TBY_EINVALID && strcmp(error->field, "id") != 0) {
        r->stats.dropped++;
        return r->on_dropped ? r->on_dropped(r->source_name, error, r->dropped_payload) : TBY_OK;
    }
    return reader_reject(r, error);
}

static int reader_fatal(reader *r, int code, int64_t line, int64_t offset, const char *field,
                        const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int reader_fatal(reader *r, int code, int64_t line, int64_t offset, const char *field,
                        const char *fmt, ...)
{
    if (!r->err)
        return code;
    tby_error_clear(r->err);
    r->err->code = code;
    r->err->line = line;
    r->err->offset = offset;
    snprintf(r->err->field, sizeof(r->err->field), "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err->message, sizeof(r->err->message), fmt, ap);
    va_end(ap);
    return code;
}

/* ===== Records ===== */

/*
 * Registers the record's id. A second occurrence is rejected even when the first row was
 * rejected for another reason, so fixing that row later cannot reveal a hidden duplicate.
 * Returns 0 (new id), the reject callback's value after rejecting a duplicate (with
 * *is_duplicate set), or TBY_ENOMEM.
 */
static int reader_register_id(reader *r, const tby_record *record, int64_t line, int64_t offset,
                              bool *is_duplicate)
{
    int64_t first_line = 0;
    *is_duplicate = false;
    int rc = tby_io__id_set_add(&r->ids, record->id, strlen(record->id), line, &first_line);
    if (rc == TBY_EEXISTS) {
        char quoted[96];
        tby_record__quote(quoted, sizeof(quoted), record->id, strlen(record->id));
        *is_duplicate = true;
        return reader_reject_at(r, TBY_EEXISTS, "id", line, offset,
                                "duplicate id %s (first on line %lld)", quoted,
                                (long long)first_line);
    }
    if (rc)
        return reader_fatal(r, rc, line, offset, "id", "out of memory");
    return TBY_OK;
}

static int reader_finish(reader *r, const tby_record *record, int64_t line, int64_t offset)
{
    tby_error error;
    tby_error_clear(&error);
    int rc = tby_record__check(record, &error);
    if (rc)
        return reader_value_error(r, rc, &error, line, offset);
    /* Strict mode delivers nothing after a rejection: the import is going to fail anyway. */
    if (r->is_strict && r->first_reject.code)
        return TBY_OK;
    r->stats.records++;
    return r->on_record ? r->on_record(record, r->payload) : TBY_OK;
}

/* ===== CSV ===== */

static tby_span span_trim_blanks(const char *s, size_t len)
{
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    tby_span span = {s, len};
    return span;
}

/* Appends `"name"` to a list in a fixed buffer, ending with "..." when it does not fit. */
static void name_list_add(char *list, size_t size, const char *name, size_t len)
{
    size_t used = strlen(list);
    char quoted[64];
    tby_record__quote(quoted, sizeof(quoted), name, len);
    if (used + strlen(quoted) + 8 >= size) {
        if (used + 5 < size && !strstr(list, "..."))
            snprintf(list + used, size - used, ", ...");
        return;
    }
    snprintf(list + used, size - used, "%s%s", used ? ", " : "", quoted);
}

static int csv_header(reader *r, tby_io__csv *csv)
{
    if (csv->row_error.code) {
        if (r->err)
            *r->err = csv->row_error;
        return csv->row_error.code;
    }
    size_t seen[TBY_FIELD_COUNT] = {0};
    char unknown[160] = "";
    const char *first_unknown = NULL;
    r->column_count = csv->field_count;
    for (size_t column = 0; column < csv->field_count; column++) {
        tby_span name = span_trim_blanks(tby_io__csv_value(csv, column), csv->fields[column].len);
        int field = tby_record__field_lookup(name.ptr, name.len);
        r->column_fields[column] = field;
        if (field < 0) {
            if (!r->is_ignore_unknown) {
                if (!first_unknown)
                    first_unknown = tby_io__csv_value(csv, column);
                name_list_add(unknown, sizeof(unknown), name.ptr, name.len);
            }
            continue;
        }
        if (seen[field])
            return reader_fatal(r, TBY_EINVALID, csv->row_line, csv->fields[column].offset,
                                tby_record__field_name(field),
                                "column \"%s\" appears twice (columns %zu and %zu)",
                                tby_record__field_name(field), seen[field], column + 1);
        seen[field] = column + 1;
    }
    if (first_unknown)
        return reader_fatal(r, TBY_EINVALID, csv->row_line, csv->row_offset, first_unknown,
                            "unknown columns %s (a typo? pass ignore_unknown_columns to skip)",
                            unknown);
    if (!seen[TBY_FIELD_ID])
        return reader_fatal(r, TBY_EINVALID, csv->row_line, csv->row_offset, "id",
                            "missing required column \"id\"");
    if (!seen[TBY_FIELD_NAME] && !seen[TBY_FIELD_GIVEN])
        return reader_fatal(r, TBY_EINVALID, csv->row_line, csv->row_offset, "name",
                            "needs a \"name\" or a \"given\" column");
    r->id_column = seen[TBY_FIELD_ID] - 1;
    return TBY_OK;
}

static int csv_set(reader *r, tby_record *record, const tby_io__csv *csv, size_t column)
{
    tby_error error;
    tby_error_clear(&error);
    const tby_io__csv_field *field = &csv->fields[column];
    int rc = tby_record__set_value(record, &r->row_arena, r->column_fields[column],
                                   tby_io__csv_value(csv, column), field->len, &error);
    if (rc)
        return reader_value_error(r, rc, &error, field->line, field->offset);
    return TBY_OK;
}

/*
 * Builds and delivers one CSV row. Returns 0 after delivering or rejecting it, or the value
 * that ends the read (a callback's non-zero value, TBY_ENOMEM).
 */
static int csv_row(reader *r, const tby_io__csv *csv)
{
    tby_record record;
    memset(&record, 0, sizeof(record));
    record.line = csv->row_line;

    if (csv->row_error.code) {
        tby_error error = csv->row_error;
        int index = csv->row_error_field;
        if (index >= 0 && (size_t)index < r->column_count && r->column_fields[index] >= 0)
            tby__error_field(&error, tby_record__field_name(r->column_fields[index]));
        return reader_reject(r, &error);
    }
    if (csv->field_total != r->column_count)
        return reader_reject_at(r, TBY_EINVALID, "", csv->row_line, csv->row_offset,
                                "row has %zu fields, the header has %zu", csv->field_total,
                                r->column_count);

    /* The id goes first, so that every later rejection of the row can be traced to it. */
    size_t rejected = r->stats.rejected;
    int rc = csv_set(r, &record, csv, r->id_column);
    if (rc || r->stats.rejected != rejected)
        return rc;
    if (!record.id)
        return reader_reject_at(r, TBY_EINVALID, "id", csv->fields[r->id_column].line,
                                csv->fields[r->id_column].offset, "id is empty");
    bool is_duplicate;
    rc = reader_register_id(r, &record, csv->fields[r->id_column].line,
                            csv->fields[r->id_column].offset, &is_duplicate);
    if (rc || is_duplicate)
        return rc;

    for (size_t column = 0; column < r->column_count; column++) {
        if (column == r->id_column || r->column_fields[column] < 0)
            continue;
        rc = csv_set(r, &record, csv, column);
        if (rc || r->stats.rejected != rejected)
            return rc;
    }
    return reader_finish(r, &record, csv->row_line, csv->row_offset);
}

static int read_csv(reader *r, tby_io__source *src)
{
    tby_io__csv csv;
    tby_io__csv_init(&csv, src, r->max_field_bytes, r->max_record_bytes, TBY_READER_MAX_COLUMNS);
    int rc;
    /* Blank lines before the header are tolerated; an empty input holds no records. */
    while ((rc = tby_io__csv_next(&csv)) == 1 && tby_io__csv_row_is_blank(&csv))
        ;
    if (rc <= 0)
        goto done;
    if ((rc = csv_header(r, &csv)))
        goto out;
    while ((rc = tby_io__csv_next(&csv)) == 1) {
        if (tby_io__csv_row_is_blank(&csv))
            continue;
        tby__arena_reset(&r->row_arena);
        if ((rc = csv_row(r, &csv)))
            goto out;
    }
done:
    if (rc == TBY_EIO)
        rc = reader_fatal(r, rc, csv.line, src->offset, "", "read error at line %lld",
                          (long long)csv.line);
    else if (rc == TBY_ENOMEM)
        rc = reader_fatal(r, rc, csv.line, src->offset, "", "out of memory");
out:
    r->stats.lines = (size_t)(csv.column == 1 ? csv.line - 1 : csv.line);
    tby_io__csv_dispose(&csv);
    return rc;
}

/* ===== JSON Lines ===== */

/* A JSON document object {"type": ..., "number": ...} as the record format's "type:number". */
static int json_document_text(reader *r, json_t *value, tby_span *out)
{
    json_t *type = json_object_get(value, "type");
    json_t *number = json_object_get(value, "number");
    if (!json_is_string(type) || !json_is_string(number) || json_object_size(value) != 2)
        return TBY_EINVALID;
    size_t type_len = json_string_length(type), number_len = json_string_length(number);
    char *text = tby__arena_alloc(&r->row_arena, type_len + number_len + 2);
    if (!text)
        return TBY_ENOMEM;
    memcpy(text, json_string_value(type), type_len);
    text[type_len] = ':';
    memcpy(text + type_len + 1, json_string_value(number), number_len);
    text[type_len + 1 + number_len] = '\0';
    out->ptr = text;
    out->len = type_len + 1 + number_len;
    return TBY_OK;
}

static int jsonl_set(reader *r, tby_record *record, tby_record_field field, json_t *value,
                     int64_t line, int64_t offset)
{
    const char *key = tby_record__field_name(field);
    tby_error error;
    tby_error_clear(&error);
    int rc;

    if (json_is_null(value))
        return TBY_OK;
    if (json_is_string(value) || (field == TBY_FIELD_ID && json_is_integer(value))) {
        char number[32];
        const char *text = number;
        size_t len;
        if (json_is_string(value)) {
            text = json_string_value(value);
            len = json_string_length(value);
        } else {
            len = (size_t)snprintf(number, sizeof(number), "%" JSON_INTEGER_FORMAT,
                                   json_integer_value(value));
        }
        if (len > r->max_field_bytes)
            return reader_reject_at(r, TBY_ETOOLARGE, key, line, offset,
                                    "value longer than %zu bytes", r->max_field_bytes);
        rc = tby_record__set_value(record, &r->row_arena, field, text, len, &error);
        return rc ? reader_value_error(r, rc, &error, line, offset) : TBY_OK;
    }
    if (!json_is_array(value) || !tby_record__field_is_list(field))
        return reader_reject_at(r, TBY_EINVALID, key, line, offset, "%s must be a string%s", key,
                                tby_record__field_is_list(field) ? " or an array of strings" : "");

    size_t count = json_array_size(value);
    tby_span *items = tby__arena_alloc(&r->row_arena, (count ? count : 1) * sizeof(tby_span));
    if (!items)
        return reader_fatal(r, TBY_ENOMEM, line, offset, key, "out of memory");
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        json_t *item = json_array_get(value, i);
        if (json_is_null(item))
            continue;
        if (json_is_string(item)) {
            items[kept].ptr = json_string_value(item);
            items[kept].len = json_string_length(item);
            if (items[kept].len > r->max_field_bytes)
                return reader_reject_at(r, TBY_ETOOLARGE, key, line, offset,
                                        "item %zu longer than %zu bytes", i + 1,
                                        r->max_field_bytes);
            kept++;
            continue;
        }
        if (field == TBY_FIELD_DOCUMENTS && json_is_object(item)) {
            rc = json_document_text(r, item, &items[kept]);
            if (rc == TBY_ENOMEM)
                return reader_fatal(r, rc, line, offset, key, "out of memory");
            if (rc == 0) {
                kept++;
                continue;
            }
            return reader_reject_at(r, TBY_EINVALID, key, line, offset,
                                    "document %zu must be {\"type\": ..., \"number\": ...}", i + 1);
        }
        return reader_reject_at(r, TBY_EINVALID, key, line, offset,
                                "item %zu of %s must be a string", i + 1, key);
    }
    rc = tby_record__set_items(record, &r->row_arena, field, items, kept, &error);
    return rc ? reader_value_error(r, rc, &error, line, offset) : TBY_OK;
}

static int jsonl_object(reader *r, json_t *root, int64_t line, int64_t offset)
{
    tby_record record;
    memset(&record, 0, sizeof(record));
    record.line = line;
    json_t *values[TBY_FIELD_COUNT] = {0};
    char unknown[160] = "";
    const char *first_unknown = NULL;
    const char *key;
    json_t *value;

    json_object_foreach(root, key, value)
    {
        int field = tby_record__field_lookup(key, strlen(key));
        if (field < 0) {
            if (!r->is_ignore_unknown) {
                if (!first_unknown)
                    first_unknown = key;
                name_list_add(unknown, sizeof(unknown), key, strlen(key));
            }
            continue;
        }
        if (values[field])
            return reader_reject_at(r, TBY_EINVALID, tby_record__field_name(field), line, offset,
                                    "key \"%s\" given twice", tby_record__field_name(field));
        values[field] = value;
    }
    if (first_unknown)
        return reader_reject_at(r, TBY_EINVALID, first_unknown, line, offset,
                                "unknown keys %s (a typo? pass ignore_unknown_columns to skip)",
                                unknown);

    size_t rejected = r->stats.rejected;
    int rc = values[TBY_FIELD_ID]
                 ? jsonl_set(r, &record, TBY_FIELD_ID, values[TBY_FIELD_ID], line, offset)
                 : TBY_OK;
    if (rc || r->stats.rejected != rejected)
        return rc;
    if (!record.id)
        return reader_reject_at(r, TBY_EINVALID, "id", line, offset, "id is missing");
    bool is_duplicate;
    rc = reader_register_id(r, &record, line, offset, &is_duplicate);
    if (rc || is_duplicate)
        return rc;
    for (int field = TBY_FIELD_ID + 1; field < TBY_FIELD_COUNT; field++) {
        if (!values[field])
            continue;
        rc = jsonl_set(r, &record, field, values[field], line, offset);
        if (rc || r->stats.rejected != rejected)
            return rc;
    }
    return reader_finish(r, &record, line, offset);
}

static int jsonl_line(reader *r, const char *text, size_t len, int64_t line, int64_t offset)
{
    if (len > 0 && text[len - 1] == '\r')
        len--;
    size_t first = 0;
    while (first < len && (text[first] == ' ' || text[first] == '\t'))
        first++;
    if (first == len)
        return TBY_OK;
    size_t bad = tby__utf8_validate(text, len);
    if (bad != len)
        return reader_reject_at(r, TBY_EUTF8, "", line, offset + (int64_t)bad,
                                "invalid UTF-8 at line %lld, byte column %zu", (long long)line,
                                bad + 1);
    json_error_t json_error;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &json_error);
    if (!root)
        return reader_reject_at(r, TBY_EINVALID, "", line, offset,
                                "invalid JSON at line %lld, column %d: %s", (long long)line,
                                json_error.column, json_error.text);
    int rc;
    if (!json_is_object(root))
        rc = reader_reject_at(r, TBY_EINVALID, "", line, offset, "line %lld is not a JSON object",
                              (long long)line);
    else
        rc = jsonl_object(r, root, line, offset);
    json_decref(root);
    return rc;
}

static int read_jsonl(reader *r, tby_io__source *src)
{
    tby_buf text = TBY_BUF_INIT(0);
    int64_t line = 0;
    int rc;
    for (;;) {
        int64_t offset = src->offset;
        bool is_too_long;
        rc = tby_io__source_read_line(src, &text, r->max_record_bytes, &is_too_long);
        if (rc <= 0)
            break;
        line++;
        tby__arena_reset(&r->row_arena);
        if (is_too_long)
            rc = reader_reject_at(r, TBY_ETOOLARGE, "", line, offset,
                                  "line %lld is longer than %zu bytes", (long long)line,
                                  r->max_record_bytes);
        else
            rc = jsonl_line(r, text.ptr ? text.ptr : "", text.len, line, offset);
        if (rc)
            goto out;
    }
    if (rc == TBY_EIO)
        rc = reader_fatal(r, rc, line + 1, src->offset, "", "read error at line %lld",
                          (long long)(line + 1));
    else if (rc == TBY_ENOMEM)
        rc = reader_fatal(r, rc, line + 1, src->offset, "", "out of memory");
out:
    r->stats.lines = (size_t)line;
    tby__buf_dispose(&text);
    return rc;
}

/* ===== Entry points (Public) ===== */

static bool has_extension(const char *path, const char *extension)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot || strchr(dot, '/'))
        return false;
    size_t len = strlen(extension);
    if (strlen(dot + 1) != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = dot[1 + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != extension[i])
            return false;
    }
    return true;
}

static tby_record_format detect_format(const char *path, tby_io__source *src)
{
    if (has_extension(path, "csv"))
        return TBY_FORMAT_CSV;
    if (has_extension(path, "jsonl") || has_extension(path, "ndjson") ||
        has_extension(path, "json"))
        return TBY_FORMAT_JSONL;
    /* Sniff the first chunk: a JSON Lines file starts with an object, a CSV file with a
       header, and no column name starts with '{'. */
    if (!tby_io__source_fill(src))
        return TBY_FORMAT_CSV;
    for (const unsigned char *p = src->cur; p < src->end; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            continue;
        return *p == '{' ? TBY_FORMAT_JSONL : TBY_FORMAT_CSV;
    }
    return TBY_FORMAT_CSV;
}

static int reader_init(reader *r, const tby_reader_options *opts, const char *path,
                       tby_record_cb on_record, void *payload, tby_error *err)
{
    memset(r, 0, sizeof(*r));
    r->err = err;
    tby_error_clear(&r->first_reject);
    r->source_name = path ? path : "<memory>";
    r->max_field_bytes = TBY_READER_MAX_FIELD_BYTES;
    r->max_record_bytes = TBY_READER_MAX_RECORD_BYTES;
    r->on_record = on_record;
    r->payload = payload;
    if (opts) {
        if (opts->version != TBY_READER_OPTIONS_VERSION)
            return tby__error(err, TBY_EINVALID, -1, "unsupported reader options version %u",
                              opts->version);
        r->is_strict = opts->strict;
        r->is_ignore_unknown = opts->ignore_unknown_columns;
        if (opts->source_name)
            r->source_name = opts->source_name;
        if (opts->max_field_bytes)
            r->max_field_bytes = opts->max_field_bytes;
        if (opts->max_record_bytes)
            r->max_record_bytes = opts->max_record_bytes;
        r->on_reject = opts->on_reject;
        r->reject_payload = opts->reject_payload;
        r->is_drop_bad_values = opts->drop_bad_values;
        r->on_dropped = opts->on_dropped;
        r->dropped_payload = opts->dropped_payload;
    }
    tby__arena_init(&r->row_arena, READER_ROW_BLOCK_BYTES, 0);
    tby_io__id_set_init(&r->ids);
    return TBY_OK;
}

static void reader_dispose(reader *r)
{
    tby__arena_dispose(&r->row_arena);
    tby_io__id_set_dispose(&r->ids);
}

static int reader_run(reader *r, tby_io__source *src, const char *path,
                      const tby_reader_options *opts)
{
    tby_record_format format = opts ? opts->format : TBY_FORMAT_AUTO;
    tby_io__source_skip_bom(src);
    if (format == TBY_FORMAT_AUTO)
        format = detect_format(path, src);
    int rc = format == TBY_FORMAT_JSONL ? read_jsonl(r, src) : read_csv(r, src);
    if (rc == 0 && r->is_strict && r->first_reject.code) {
        if (r->err)
            *r->err = r->first_reject;
        rc = r->first_reject.code;
    }
    return rc;
}

int tby_record_read_file(const char *path, const tby_reader_options *opts, tby_record_cb on_record,
                         void *payload, tby_reader_stats *stats_out, tby_error *err)
{
    TBY_ASSERT_ARG(path != NULL);
    tby_io__source src;
    memset(&src, 0, sizeof(src));
    reader r;
    int rc = reader_init(&r, opts, path, on_record, payload, err);
    if (rc)
        return rc;
    if ((rc = tby_io__source_open_file(&src, path, err)))
        goto out;
    rc = reader_run(&r, &src, path, opts);
out:
    if (stats_out)
        *stats_out = r.stats;
    tby_io__source_close(&src);
    reader_dispose(&r);
    return rc;
}

int tby_record_read_buffer(const char *data, size_t len, const tby_reader_options *opts,
                           tby_record_cb on_record, void *payload, tby_reader_stats *stats_out,
                           tby_error *err)
{
    TBY_ASSERT_ARG(data != NULL || len == 0);
    tby_io__source src;
    reader r;
    int rc = reader_init(&r, opts, NULL, on_record, payload, err);
    if (rc)
        return rc;
    tby_io__source_open_memory(&src, data, len);
    rc = reader_run(&r, &src, NULL, opts);
    if (stats_out)
        *stats_out = r.stats;
    tby_io__source_close(&src);
    reader_dispose(&r);
    return rc;
}

/* ===== One JSON object (internal, for the server) ===== */

int tby_io__record_from_json(struct json_t *object, const tby_reader_options *opts,
                             tby_record_cb on_record, void *payload, tby_error *err)
{
    TBY_ASSERT_ARG(object != NULL);
    reader r;
    int rc = reader_init(&r, opts, NULL, on_record, payload, err);
    if (rc)
        return rc;
    if (!json_is_object(object))
        rc = reader_reject_at(&r, TBY_EINVALID, "", 1, 0, "the record is not a JSON object");
    else
        rc = jsonl_object(&r, object, 1, 0);
    if (rc == 0 && r.is_strict && r.first_reject.code) {
        if (err)
            *err = r.first_reject;
        rc = r.first_reject.code;
    }
    reader_dispose(&r);
    return rc;
}

/* ===== Loading into a set (Public) ===== */

typedef struct set_loader {
    tby_record_set *set;          /* the set being filled */
    tby_reject_cb user_on_reject; /* the caller's callback, may be NULL */
    void *user_reject_payload;    /* ... */
    tby_error error;              /* why one of our callbacks stopped the read */
} set_loader;

static int loader_on_record(const tby_record *record, void *payload)
{
    set_loader *loader = payload;
    return tby_record_set_add(loader->set, record, &loader->error);
}

static int loader_on_reject(const char *source_name, const tby_error *error, void *payload)
{
    set_loader *loader = payload;
    if (tby_record__set_add_reject(loader->set, error))
        return tby__error(&loader->error, TBY_ENOMEM, -1, "out of memory");
    if (loader->user_on_reject)
        return loader->user_on_reject(source_name, error, loader->user_reject_payload);
    return TBY_OK;
}

static int set_load(tby_record_set **out, const char *path, const char *data, size_t len,
                    const tby_reader_options *opts, tby_error *err)
{
    TBY_ASSERT_ARG(out != NULL);
    *out = NULL;
    tby_reader_options local = TBY_READER_OPTIONS_INIT;
    if (opts)
        local = *opts;
    set_loader loader;
    memset(&loader, 0, sizeof(loader));
    tby_error_clear(&loader.error);
    loader.user_on_reject = local.on_reject;
    loader.user_reject_payload = local.reject_payload;
    local.on_reject = loader_on_reject;
    local.reject_payload = &loader;

    int rc = tby_record_set_new(&loader.set, err);
    if (rc)
        return rc;
    if (path)
        rc = tby_record_read_file(path, &local, loader_on_record, &loader, NULL, err);
    else
        rc = tby_record_read_buffer(data, len, &local, loader_on_record, &loader, NULL, err);
    if (rc) {
        if (loader.error.code && err)
            *err = loader.error;
        tby_record_set_free(loader.set);
        return rc;
    }
    *out = loader.set;
    return TBY_OK;
}

int tby_record_set_load_file(tby_record_set **out, const char *path, const tby_reader_options *opts,
                             tby_error *err)
{
    TBY_ASSERT_ARG(path != NULL);
    return set_load(out, path, NULL, 0, opts, err);
}

int tby_record_set_load_buffer(tby_record_set **out, const char *data, size_t len,
                               const tby_reader_options *opts, tby_error *err)
{
    TBY_ASSERT_ARG(data != NULL || len == 0);
    return set_load(out, NULL, data, len, opts, err);
}
