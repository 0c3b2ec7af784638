// SPDX-License-Identifier: Apache-2.0
// OFAC's SDN list in the files it is published as: sdn.csv (one row per entry), alt.csv (its
// other names) and add.csv (its addresses). No header rows, "-0-" for an empty value, Latin-1
// or UTF-8. Each individual becomes one tby_record; what OFAC knows about a person beyond the
// names (birth dates, places, nationality, documents, nicknames) sits in free text in the
// Remarks column, which this file reads:
//
//   sdn.csv ──pass 1──> entries (ent_num -> line, individual or not)
//   alt.csv ──pass 2──> aliases joined to their entry, in any order
//   add.csv ──pass 3──> checked only: a known ent_num and the right columns
//   sdn.csv ──pass 4──> one record per individual: name, Title, aliases, Remarks -> on_record
//
// All three files are read before the first record goes out, so a missing alt.csv or an
// alt row that names no entry is known before anything is delivered. The files are held in
// memory whole (OFAC's are a few megabytes): the encoding is decided on the whole file, and
// sdn.csv is read twice.
//
// Remarks are items separated by ';' (outside parentheses: OFAC nests whole sentences in
// them), each "[alt.] KEY value": DOB, POB, nationality, citizen, Gender, a.k.a. 'NAME' (a
// weak alias) and identity documents ("Passport A123 (Iraq) issued 12 Mar 2001"). Anything
// else (titles, sanctions notes, phone numbers) is not a value of the person and is ignored.
#include <string.h>

#include "io/io_int.h"
#include "records/records_int.h"
#include "tabayyun/tby_lists.h"

/* Row arena blocks: a record with its remarks fits in one. */
#define OFAC_ROW_BLOCK_BYTES (16u * 1024u)
/* The largest file read into memory; OFAC's sdn.csv is a few megabytes. */
#define OFAC_MAX_FILE_BYTES ((size_t)1024 * 1024 * 1024)
/* Fields kept per row: more than any OFAC file has, so a wrong count is still counted. */
#define OFAC_MAX_FIELDS 64
/* Longest ent_num in digits: it is an integer, and 18 digits always fit in 64 bits. */
#define OFAC_ENT_NUM_DIGITS 18

/* Columns of the three files (OFAC's published field names). */
enum { SDN_ENT_NUM = 0, SDN_NAME = 1, SDN_TYPE = 2, SDN_TITLE = 4, SDN_REMARKS = 11 };
enum { ALT_TYPE = 2, ALT_NAME = 3, ALT_REMARKS = 4 }; /* ent_num is column 0 of every file */

static const char *const sdn_columns[] = {"ent_num", "SDN_Name",  "SDN_Type",   "Program",
                                          "Title",   "Call_Sign", "Vess_type",  "Tonnage",
                                          "GRT",     "Vess_flag", "Vess_owner", "Remarks"};
static const char *const alt_columns[] = {"ent_num", "alt_num", "alt_type", "alt_name",
                                          "alt_remarks"};
static const char *const add_columns[] = {"ent_num", "add_num", "Address",
                                          "City",    "Country", "Add_remarks"};

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

/* One input file, held in memory. */
typedef struct ofac_file {
    const char *kind;           /* "sdn.csv", "alt.csv", "add.csv": what messages call it */
    const char *name;           /* name in reports: the path, or the options' source_name */
    const char *const *columns; /* its column names */
    size_t column_count;        /* ... and how many there must be */
    const char *data;           /* the whole input */
    size_t len;                 /* ... its length */
    tby_buf owned;              /* the bytes read from a file (data points into it) */
    size_t start;               /* bytes of a UTF-8 byte order mark at the start */
    bool is_latin1;             /* decoded from Latin-1 rather than read as UTF-8 */
} ofac_file;

typedef enum ofac_entry_kind {
    OFAC_ENTRY_OTHER = 0,  /* an entity, a vessel, an aircraft: skipped */
    OFAC_ENTRY_INDIVIDUAL, /* delivered in pass 4 */
    OFAC_ENTRY_REJECTED    /* an individual whose row could not be read */
} ofac_entry_kind;

/* One row of sdn.csv, by ent_num. */
typedef struct ofac_entry {
    uint64_t ent_num;
    int64_t line;         /* line of its row in sdn.csv */
    ofac_entry_kind kind; /* ... */
    uint32_t alias_first; /* 1-based index into the reader's aliases, 0 for none */
    uint32_t alias_last;  /* ... the last one, where the next alt row is linked */
} ofac_entry;

/* One alt.csv name of an individual. */
typedef struct ofac_alias {
    const char *name; /* NUL-terminated, in the reader's alias arena */
    uint32_t next;    /* 1-based index of the same entry's next alias, 0 at the end */
    bool is_weak;     /* alt_remarks call it weak or low quality */
} ofac_alias;

typedef struct ofac_reader {
    bool is_strict;           /* see tby_reader_options */
    bool is_drop_bad_values;  /* ... */
    size_t max_field_bytes;   /* resolved caps */
    size_t max_record_bytes;  /* ... */
    tby_reject_cb on_reject;  /* may be NULL */
    void *reject_payload;     /* ... */
    tby_reject_cb on_dropped; /* may be NULL */
    void *dropped_payload;    /* ... */
    tby_record_cb on_record;  /* may be NULL (validation only) */
    void *payload;            /* ... */
    tby_error *err;           /* the caller's, for fatal errors; may be NULL */
    tby_list_stats stats;     /* counters so far */
    tby_error first_reject;   /* code 0 until something is rejected */
    ofac_entry *entries;      /* sdn.csv rows in file order */
    size_t entry_count;       /* ... */
    size_t entry_cap;         /* ... */
    uint32_t *slots;          /* hash of ent_num -> 1-based entry index, 0 for empty */
    size_t slot_count;        /* power of two, 0 before the first entry */
    ofac_alias *aliases;      /* alt.csv names of individuals */
    size_t alias_count;       /* ... */
    size_t alias_cap;         /* ... */
    tby_arena alias_names;    /* the alias strings, for the whole read */
    tby_arena row_arena;      /* the current record; reset per row */
} ofac_reader;

/* ===== Small text helpers ===== */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static tby_span span_make(const char *s, size_t len)
{
    tby_span span = {s, len};
    return span;
}

static tby_span span_trim(tby_span span)
{
    while (span.len > 0 && is_blank(span.ptr[0])) {
        span.ptr++;
        span.len--;
    }
    while (span.len > 0 && is_blank(span.ptr[span.len - 1]))
        span.len--;
    return span;
}

/* True when span starts with `prefix`, ASCII case ignored. */
static bool span_starts_nocase(tby_span span, const char *prefix)
{
    size_t len = strlen(prefix);
    if (span.len < len)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (ascii_lower(span.ptr[i]) != ascii_lower(prefix[i]))
            return false;
    }
    return true;
}

static bool span_equal_nocase(tby_span span, const char *text)
{
    return span.len == strlen(text) && span_starts_nocase(span, text);
}

/* Offset of the first occurrence of `needle` (ASCII case ignored), or span.len. */
static size_t span_find_nocase(tby_span span, const char *needle)
{
    size_t len = strlen(needle);
    for (size_t i = 0; i + len <= span.len; i++) {
        if (span_starts_nocase(span_make(span.ptr + i, span.len - i), needle))
            return i;
    }
    return span.len;
}

static bool span_has_digit(tby_span span)
{
    for (size_t i = 0; i < span.len; i++) {
        if (is_digit(span.ptr[i]))
            return true;
    }
    return false;
}

/* The value of a CSV field, trimmed, with OFAC's "-0-" read as empty. */
static tby_span field_value(const tby_io__csv *csv, size_t index)
{
    tby_span value = span_trim(span_make(tby_io__csv_value(csv, index), csv->fields[index].len));
    if (value.len == 3 && memcmp(value.ptr, "-0-", 3) == 0)
        value.len = 0;
    return value;
}

/* ===== Reports ===== */

static int ofac_reject(ofac_reader *r, const ofac_file *file, const tby_error *error)
{
    r->stats.rejected++;
    if (!r->first_reject.code)
        r->first_reject = *error;
    return r->on_reject ? r->on_reject(file->name, error, r->reject_payload) : TBY_OK;
}

static void error_fill(tby_error *error, int code, const char *field, int64_t line, int64_t offset,
                       const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

static void error_fill(tby_error *error, int code, const char *field, int64_t line, int64_t offset,
                       const char *fmt, va_list ap)
{
    tby_error_clear(error);
    error->code = code;
    error->line = line;
    error->offset = offset;
    snprintf(error->field, sizeof(error->field), "%s", field ? field : "");
    vsnprintf(error->message, sizeof(error->message), fmt, ap);
}

static int ofac_reject_at(ofac_reader *r, const ofac_file *file, int code, const char *field,
                          int64_t line, int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static int ofac_reject_at(ofac_reader *r, const ofac_file *file, int code, const char *field,
                          int64_t line, int64_t offset, const char *fmt, ...)
{
    tby_error error;
    va_list ap;
    va_start(ap, fmt);
    error_fill(&error, code, field, line, offset, fmt, ap);
    va_end(ap);
    return ofac_reject(r, file, &error);
}

/* A problem with a whole input: fills the caller's err (the message names the file). */
static int ofac_fatal(ofac_reader *r, int code, const ofac_file *file, const char *field,
                      int64_t line, int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static int ofac_fatal(ofac_reader *r, int code, const ofac_file *file, const char *field,
                      int64_t line, int64_t offset, const char *fmt, ...)
{
    if (!r->err)
        return code;
    tby_error_clear(r->err);
    r->err->code = code;
    r->err->line = line;
    r->err->offset = offset;
    snprintf(r->err->field, sizeof(r->err->field), "%s", field ? field : "");
    char *message = r->err->message;
    int used = snprintf(message, TBY_ERROR_MSG_LEN, "%s: ", file ? file->name : "<ofac>");
    if (used >= 0 && used < TBY_ERROR_MSG_LEN) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(message + used, (size_t)(TBY_ERROR_MSG_LEN - used), fmt, ap);
        va_end(ap);
    }
    return code;
}

static int ofac_oom(ofac_reader *r, const ofac_file *file, int64_t line)
{
    return ofac_fatal(r, TBY_ENOMEM, file, "", line, -1, "out of memory");
}

/* ===== Entries by ent_num ===== */

static uint64_t ent_hash(uint64_t ent_num)
{
    return tby__hash64(&ent_num, sizeof(ent_num));
}

static ofac_entry *entry_find(const ofac_reader *r, uint64_t ent_num)
{
    if (!r->slot_count)
        return NULL;
    size_t mask = r->slot_count - 1;
    for (size_t i = (size_t)ent_hash(ent_num) & mask;; i = (i + 1) & mask) {
        uint32_t slot = r->slots[i];
        if (!slot)
            return NULL;
        if (r->entries[slot - 1].ent_num == ent_num)
            return &r->entries[slot - 1];
    }
}

static void slot_insert(uint32_t *slots, size_t slot_count, uint64_t ent_num, uint32_t index)
{
    size_t mask = slot_count - 1;
    size_t i = (size_t)ent_hash(ent_num) & mask;
    while (slots[i])
        i = (i + 1) & mask;
    slots[i] = index;
}

/* Adds a new entry (the caller checked it is not there). 0 or TBY_ENOMEM. */
static int entry_add(ofac_reader *r, uint64_t ent_num, int64_t line, ofac_entry_kind kind)
{
    if (r->entry_count >= UINT32_MAX - 1)
        return TBY_ENOMEM;
    if (r->entry_count == r->entry_cap) {
        size_t cap_new = r->entry_cap ? r->entry_cap * 2 : 1024;
        ofac_entry *entries = tby__realloc(r->entries, cap_new * sizeof(*entries));
        if (!entries)
            return TBY_ENOMEM;
        r->entries = entries;
        r->entry_cap = cap_new;
    }
    if ((r->entry_count + 1) * 10 > r->slot_count * 7) {
        size_t count_new = r->slot_count ? r->slot_count * 2 : 2048;
        uint32_t *slots = tby__calloc(count_new, sizeof(*slots));
        if (!slots)
            return TBY_ENOMEM;
        for (size_t i = 0; i < r->entry_count; i++)
            slot_insert(slots, count_new, r->entries[i].ent_num, (uint32_t)(i + 1));
        tby__free(r->slots);
        r->slots = slots;
        r->slot_count = count_new;
    }
    ofac_entry *entry = &r->entries[r->entry_count++];
    memset(entry, 0, sizeof(*entry));
    entry->ent_num = ent_num;
    entry->line = line;
    entry->kind = kind;
    slot_insert(r->slots, r->slot_count, ent_num, (uint32_t)r->entry_count);
    return TBY_OK;
}

static int alias_add(ofac_reader *r, ofac_entry *entry, tby_span name, bool is_weak)
{
    if (r->alias_count >= UINT32_MAX - 1)
        return TBY_ENOMEM;
    if (r->alias_count == r->alias_cap) {
        size_t cap_new = r->alias_cap ? r->alias_cap * 2 : 1024;
        ofac_alias *aliases = tby__realloc(r->aliases, cap_new * sizeof(*aliases));
        if (!aliases)
            return TBY_ENOMEM;
        r->aliases = aliases;
        r->alias_cap = cap_new;
    }
    const char *copy = tby__arena_strndup(&r->alias_names, name.ptr, name.len);
    if (!copy)
        return TBY_ENOMEM;
    ofac_alias *alias = &r->aliases[r->alias_count++];
    alias->name = copy;
    alias->next = 0;
    alias->is_weak = is_weak;
    uint32_t index = (uint32_t)r->alias_count;
    if (entry->alias_last)
        r->aliases[entry->alias_last - 1].next = index;
    else
        entry->alias_first = index;
    entry->alias_last = index;
    return TBY_OK;
}

/*
 * Reads the ent_num of a row. Returns 0 with *ent_out set, or rejects the row (when
 * is_reporting) and returns 0 with *is_bad set, or returns the reject callback's value.
 */
static int row_ent_num(ofac_reader *r, const ofac_file *file, const tby_io__csv *csv,
                       bool is_reporting, uint64_t *ent_out, bool *is_bad)
{
    tby_span value = field_value(csv, 0);
    const tby_io__csv_field *field = &csv->fields[0];
    *is_bad = true;
    if (value.len == 0)
        return is_reporting ? ofac_reject_at(r, file, TBY_EINVALID, "ent_num", field->line,
                                             field->offset, "ent_num is empty")
                            : TBY_OK;
    uint64_t ent_num = 0;
    for (size_t i = 0; i < value.len; i++) {
        if (!is_digit(value.ptr[i]) || i >= OFAC_ENT_NUM_DIGITS) {
            if (!is_reporting)
                return TBY_OK;
            char quoted[64];
            tby_record__quote(quoted, sizeof(quoted), value.ptr, value.len);
            return ofac_reject_at(r, file, TBY_EINVALID, "ent_num", field->line, field->offset,
                                  "ent_num %s is not a number of at most %d digits", quoted,
                                  OFAC_ENT_NUM_DIGITS);
        }
        ent_num = ent_num * 10 + (uint64_t)(value.ptr[i] - '0');
    }
    *is_bad = false;
    *ent_out = ent_num;
    return TBY_OK;
}

/* ===== Files ===== */

static int file_load(ofac_reader *r, ofac_file *file, const char *path)
{
    tby_io__source src;
    tby_error open_error;
    int rc = tby_io__source_open_file(&src, path, &open_error);
    if (rc)
        return ofac_fatal(r, rc, file, "", -1, -1, "%s", open_error.message);
    tby__buf_init(&file->owned, OFAC_MAX_FILE_BYTES);
    while (tby_io__source_fill(&src)) {
        size_t chunk = (size_t)(src.end - src.cur);
        rc = tby__buf_put(&file->owned, src.cur, chunk);
        if (rc)
            break;
        src.cur += chunk;
        src.offset += (int64_t)chunk;
    }
    if (!rc && src.status)
        rc = src.status;
    tby_io__source_close(&src);
    if (rc == TBY_ETOOLARGE)
        return ofac_fatal(r, rc, file, "", -1, -1, "larger than %zu bytes",
                          (size_t)OFAC_MAX_FILE_BYTES);
    if (rc == TBY_EIO)
        return ofac_fatal(r, rc, file, "", -1, -1, "read error");
    if (rc)
        return ofac_oom(r, file, -1);
    file->data = file->owned.ptr ? file->owned.ptr : "";
    file->len = file->owned.len;
    return TBY_OK;
}

/*
 * UTF-8 when the file says so (a byte order mark) or is valid UTF-8; Latin-1 when it is not.
 * A file with more valid multi-byte sequences than stray bytes is UTF-8 with errors, whose
 * rows the tokenizer rejects, rather than Latin-1 read as mojibake.
 */
static void file_detect_encoding(ofac_file *file)
{
    file->start = 0;
    file->is_latin1 = false;
    if (file->len >= 3 && memcmp(file->data, "\xEF\xBB\xBF", 3) == 0) {
        file->start = 3;
        return;
    }
    size_t sequences = 0, stray = 0;
    for (size_t i = 0; i < file->len;) {
        if ((unsigned char)file->data[i] < 0x80) {
            i++;
            continue;
        }
        int32_t cp;
        size_t step = tby__utf8_decode(file->data + i, file->len - i, &cp);
        if (step) {
            sequences++;
            i += step;
        } else {
            stray++;
            i++;
        }
    }
    file->is_latin1 = stray > 0 && sequences <= stray;
}

/* The DOS end-of-file mark (0x1A) alone on the last line, as OFAC's sdn.csv ends. */
static bool row_is_eof_mark(const tby_io__csv *csv)
{
    if (csv->field_total != 1 || csv->field_count != 1 || csv->row_error.code)
        return false;
    tby_span value = field_value(csv, 0);
    return value.len == 1 && value.ptr[0] == '\x1A';
}

typedef int (*ofac_row_fn)(ofac_reader *r, const ofac_file *file, const tby_io__csv *csv);

/*
 * Runs `fn` on every well-formed row of a file: blank lines and the end-of-file mark are
 * skipped, rows the tokenizer could not read, rows with a NUL byte and rows with the wrong
 * number of columns are rejected. A first row with the wrong number of columns is a wrong
 * file, which ends the read. A second read of the same file (is_first_read false) skips
 * those rows silently and counts no lines. Returns 0 or the value that ends the read.
 */
static int file_each_row(ofac_reader *r, const ofac_file *file, ofac_row_fn fn, bool is_first_read)
{
    tby_io__source src;
    tby_io__source_open_memory(&src, file->data + file->start, file->len - file->start);
    src.offset = (int64_t)file->start;
    tby_io__csv csv;
    tby_io__csv_init(&csv, &src, r->max_field_bytes, r->max_record_bytes, OFAC_MAX_FIELDS);
    csv.is_latin1 = file->is_latin1;
    bool is_first = true;
    int rc;
    while ((rc = tby_io__csv_next(&csv)) == 1) {
        if (tby_io__csv_row_is_blank(&csv) || row_is_eof_mark(&csv))
            continue;
        bool is_malformed = csv.row_error.code || csv.field_total != file->column_count;
        if (is_malformed && !is_first_read)
            continue;
        if (csv.row_error.code) {
            is_first = false;
            tby_error error = csv.row_error;
            int index = csv.row_error_field;
            if (index >= 0 && (size_t)index < file->column_count)
                tby__error_field(&error, file->columns[index]);
            if ((rc = ofac_reject(r, file, &error)))
                goto out;
            continue;
        }
        if (csv.field_total != file->column_count) {
            if (is_first) {
                rc = ofac_fatal(r, TBY_EINVALID, file, "", csv.row_line, csv.row_offset,
                                "line %lld has %zu fields, but %s has %zu columns: not a %s "
                                "file, or files given in the wrong order?",
                                (long long)csv.row_line, csv.field_total, file->kind,
                                file->column_count, file->kind);
                goto out;
            }
            rc = ofac_reject_at(r, file, TBY_EINVALID, "", csv.row_line, csv.row_offset,
                                "row has %zu fields, %s has %zu columns", csv.field_total,
                                file->kind, file->column_count);
            if (rc)
                goto out;
            continue;
        }
        is_first = false;
        size_t nul_column = file->column_count;
        for (size_t i = 0; i < file->column_count && nul_column == file->column_count; i++) {
            if (memchr(tby_io__csv_value(&csv, i), '\0', csv.fields[i].len))
                nul_column = i;
        }
        if (nul_column < file->column_count) {
            if (!is_first_read)
                continue;
            rc = ofac_reject_at(r, file, TBY_EINVALID, file->columns[nul_column],
                                csv.fields[nul_column].line, csv.fields[nul_column].offset,
                                "%s contains a NUL byte", file->columns[nul_column]);
            if (rc)
                goto out;
            continue;
        }
        tby__arena_reset(&r->row_arena);
        if ((rc = fn(r, file, &csv)))
            goto out;
    }
    if (rc == TBY_ENOMEM)
        rc = ofac_oom(r, file, csv.line);
    else if (rc < 0)
        rc = ofac_fatal(r, rc, file, "", csv.line, src.offset, "read error");
out:
    if (is_first_read)
        r->stats.lines += (size_t)(csv.column == 1 ? csv.line - 1 : csv.line);
    tby_io__csv_dispose(&csv);
    return rc;
}

/* ===== Pass 1: sdn.csv entries ===== */

static int sdn_index_row(ofac_reader *r, const ofac_file *file, const tby_io__csv *csv)
{
    uint64_t ent_num;
    bool is_bad;
    int rc = row_ent_num(r, file, csv, true, &ent_num, &is_bad);
    if (rc || is_bad)
        return rc;
    const ofac_entry *first = entry_find(r, ent_num);
    if (first)
        return ofac_reject_at(r, file, TBY_EEXISTS, "ent_num", csv->fields[0].line,
                              csv->fields[0].offset, "duplicate ent_num %llu (first on line %lld)",
                              (unsigned long long)ent_num, (long long)first->line);
    bool is_individual = span_equal_nocase(field_value(csv, SDN_TYPE), "individual");
    bool is_named = field_value(csv, SDN_NAME).len > 0;
    ofac_entry_kind kind = !is_individual ? OFAC_ENTRY_OTHER
                           : is_named     ? OFAC_ENTRY_INDIVIDUAL
                                          : OFAC_ENTRY_REJECTED;
    if (entry_add(r, ent_num, csv->row_line, kind))
        return ofac_oom(r, file, csv->row_line);
    if (!is_individual) {
        r->stats.skipped++;
        return TBY_OK;
    }
    if (!is_named)
        return ofac_reject_at(r, file, TBY_EINVALID, "SDN_Name", csv->fields[SDN_NAME].line,
                              csv->fields[SDN_NAME].offset, "ent_num %llu: SDN_Name is empty",
                              (unsigned long long)ent_num);
    return TBY_OK;
}

/* ===== Pass 2: alt.csv ===== */

/* The individual a row of alt.csv or add.csv belongs to; NULL with *rc set otherwise. */
static ofac_entry *joined_entry(ofac_reader *r, const ofac_file *file, const tby_io__csv *csv,
                                int *rc)
{
    uint64_t ent_num;
    bool is_bad;
    *rc = row_ent_num(r, file, csv, true, &ent_num, &is_bad);
    if (*rc || is_bad)
        return NULL;
    ofac_entry *entry = entry_find(r, ent_num);
    if (!entry) {
        *rc = ofac_reject_at(r, file, TBY_ENOTFOUND, "ent_num", csv->fields[0].line,
                             csv->fields[0].offset, "ent_num %llu is not in sdn.csv",
                             (unsigned long long)ent_num);
        return NULL;
    }
    /* Names and addresses of entities, vessels and rejected individuals go nowhere. */
    return entry->kind == OFAC_ENTRY_INDIVIDUAL ? entry : NULL;
}

static int alt_row(ofac_reader *r, const ofac_file *file, const tby_io__csv *csv)
{
    int rc;
    ofac_entry *entry = joined_entry(r, file, csv, &rc);
    if (!entry)
        return rc;
    static const char *const types[] = {"aka", "fka", "nka", "a.k.a.", "f.k.a.", "n.k.a."};
    tby_span type = field_value(csv, ALT_TYPE);
    bool is_known = false;
    for (size_t i = 0; i < COUNT_OF(types) && !is_known; i++)
        is_known = span_equal_nocase(type, types[i]);
    if (!is_known) {
        char quoted[64];
        tby_record__quote(quoted, sizeof(quoted), type.ptr, type.len);
        return ofac_reject_at(r, file, TBY_EINVALID, "alt_type", csv->fields[ALT_TYPE].line,
                              csv->fields[ALT_TYPE].offset, "alt_type %s is not aka, fka or nka",
                              quoted);
    }
    tby_span name = field_value(csv, ALT_NAME);
    if (name.len == 0)
        return ofac_reject_at(r, file, TBY_EINVALID, "alt_name", csv->fields[ALT_NAME].line,
                              csv->fields[ALT_NAME].offset, "alt_name is empty");
    /* OFAC's own files leave alt_remarks empty; a remark that calls the name weak or of low
       quality makes it a weak alias, as in OFAC's XML. */
    tby_span remarks = field_value(csv, ALT_REMARKS);
    bool is_weak = span_find_nocase(remarks, "weak") < remarks.len ||
                   span_find_nocase(remarks, "low quality") < remarks.len;
    if (alias_add(r, entry, name, is_weak))
        return ofac_oom(r, file, csv->row_line);
    return TBY_OK;
}

/* ===== Pass 3: add.csv ===== */

/* An address says where a person may be found, not what nationality they have, and the
   record has no field for it: add.csv is read for its errors only. */
static int add_row(ofac_reader *r, const ofac_file *file, const tby_io__csv *csv)
{
    int rc;
    joined_entry(r, file, csv, &rc);
    return rc;
}

/* ===== Pass 4: records ===== */

/* A growable array in the row arena (the old copy stays there until the row ends). */
typedef struct ofac_vec {
    void *items;
    size_t count;
    size_t cap;
} ofac_vec;

static void *vec_push(tby_arena *arena, ofac_vec *vec, size_t item_size)
{
    if (vec->count == vec->cap) {
        size_t cap_new = vec->cap ? vec->cap * 2 : 4;
        void *items = tby__arena_alloc(arena, cap_new * item_size);
        if (!items)
            return NULL;
        if (vec->count)
            memcpy(items, vec->items, vec->count * item_size);
        vec->items = items;
        vec->cap = cap_new;
    }
    return (char *)vec->items + item_size * vec->count++;
}

static bool strings_contain(const ofac_vec *vec, const char *s, size_t len)
{
    const char *const *items = vec->items;
    for (size_t i = 0; i < vec->count; i++) {
        if (strlen(items[i]) == len && memcmp(items[i], s, len) == 0)
            return true;
    }
    return false;
}

/* Adds a copy of s[0..len) unless it is there already. 0 or TBY_ENOMEM. */
static int strings_add(tby_arena *arena, ofac_vec *vec, const char *s, size_t len)
{
    if (strings_contain(vec, s, len))
        return TBY_OK;
    char *copy = tby__arena_strndup(arena, s, len);
    const char **slot = copy ? vec_push(arena, vec, sizeof(char *)) : NULL;
    if (!slot)
        return TBY_ENOMEM;
    *slot = copy;
    return TBY_OK;
}

/* One individual being built from its sdn.csv row. */
typedef struct ofac_build {
    ofac_reader *r;
    const ofac_file *file;
    tby_record record;
    ofac_vec aliases;       /* const char * */
    ofac_vec weak_aliases;  /* const char * */
    ofac_vec dates;         /* tby_date */
    ofac_vec nationalities; /* const char * */
    ofac_vec documents;     /* tby_document */
    int64_t line;           /* where the Remarks field starts */
    int64_t offset;         /* ... */
    bool is_rejected;       /* a bad value rejected the individual */
} ofac_build;

/*
 * A value in the remarks that cannot be read: left out and reported through on_dropped
 * under drop_bad_values, the individual rejected otherwise. Returns 0 or the value of the
 * callback.
 */
static int build_bad_value(ofac_build *b, bool is_date, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int build_bad_value(ofac_build *b, bool is_date, const char *fmt, ...)
{
    ofac_reader *r = b->r;
    tby_error error;
    va_list ap;
    va_start(ap, fmt);
    error_fill(&error, TBY_EINVALID, "Remarks", b->line, b->offset, fmt, ap);
    va_end(ap);
    if (r->is_drop_bad_values) {
        if (is_date)
            r->stats.dates_dropped++;
        return r->on_dropped ? r->on_dropped(b->file->name, &error, r->dropped_payload) : TBY_OK;
    }
    b->is_rejected = true;
    return ofac_reject(r, b->file, &error);
}

/* --- Birth dates --- */

/* A point of an OFAC birth date: "12 Mar 1964", "Mar 1964", "1964"; 0 for absent parts. */
typedef struct dob_point {
    int year;
    int month;
    int day;
} dob_point;

typedef struct dob_scan {
    const char *p;
    const char *end;
} dob_scan;

static void scan_blanks(dob_scan *s)
{
    while (s->p < s->end && is_blank(*s->p))
        s->p++;
}

/* Reads up to 4 digits; returns how many (more than 4 counts as 5 and fails the caller). */
static int scan_number(dob_scan *s, int *value)
{
    int digits = 0;
    *value = 0;
    while (s->p < s->end && is_digit(*s->p)) {
        if (digits < 5)
            *value = *value * 10 + (*s->p - '0');
        digits++;
        s->p++;
    }
    return digits > 4 ? 5 : digits;
}

/* "Mar", "Mar.", "March", "Sept": 1..12, or 0 when the word is not a month. */
static int scan_month(dob_scan *s)
{
    static const char *const months[12] = {"january",   "february", "march",    "april",
                                           "may",       "june",     "july",     "august",
                                           "september", "october",  "november", "december"};
    const char *start = s->p;
    while (s->p < s->end && is_alpha(*s->p))
        s->p++;
    tby_span word = span_make(start, (size_t)(s->p - start));
    int month = 0;
    for (int i = 0; i < 12 && !month; i++) {
        tby_span name = span_make(months[i], strlen(months[i]));
        if (span_equal_nocase(word, months[i]) ||
            (word.len == 3 && ascii_lower(word.ptr[0]) == name.ptr[0] &&
             ascii_lower(word.ptr[1]) == name.ptr[1] && ascii_lower(word.ptr[2]) == name.ptr[2]))
            month = i + 1;
    }
    if (!month && span_equal_nocase(word, "sept"))
        month = 9;
    if (month && word.len < 5 && s->p < s->end && *s->p == '.')
        s->p++;
    return month;
}

/* One point: [day] [month] year. False when the text is not one. */
static bool scan_point(dob_scan *s, dob_point *out)
{
    memset(out, 0, sizeof(*out));
    scan_blanks(s);
    int value;
    if (s->p < s->end && is_digit(*s->p)) {
        int digits = scan_number(s, &value);
        if (digits == 4) {
            out->year = value;
            return true;
        }
        if (digits > 2 || value < 1)
            return false;
        out->day = value;
        scan_blanks(s);
    }
    if (!(s->p < s->end && is_alpha(*s->p)) || !(out->month = scan_month(s)))
        return false;
    scan_blanks(s);
    if (s->p < s->end && *s->p == ',')
        s->p++;
    scan_blanks(s);
    if (scan_number(s, &value) != 4)
        return false;
    out->year = value;
    return true;
}

/* Skips `word` (case ignored) followed by a blank or the end; false when it is not there. */
static bool scan_word(dob_scan *s, const char *word)
{
    size_t len = strlen(word);
    tby_span rest = span_make(s->p, (size_t)(s->end - s->p));
    if (!span_starts_nocase(rest, word))
        return false;
    if (rest.len > len && !is_blank(rest.ptr[len]) && !is_digit(rest.ptr[len]))
        return false;
    s->p += len;
    scan_blanks(s);
    return true;
}

static bool point_equal(const dob_point *a, const dob_point *b)
{
    return a->year == b->year && a->month == b->month && a->day == b->day;
}

/* The record format's text for one point ("1964-03-12", "1964-03", "1964"). */
static void point_format(char *out, size_t size, const dob_point *point, bool is_about)
{
    if (is_about)
        snprintf(out, size, "~%04d", point->year);
    else if (point->day)
        snprintf(out, size, "%04d-%02d-%02d", point->year, point->month, point->day);
    else if (point->month)
        snprintf(out, size, "%04d-%02d", point->year, point->month);
    else
        snprintf(out, size, "%04d", point->year);
}

/*
 * Reads an OFAC birth date into the record format's text: "12 Mar 1964" -> 1964-03-12,
 * "Mar 1964" -> 1964-03, "1964", "circa 1964" -> ~1964, "1960 to 1962" and "circa
 * 1979-1982" -> 1960..1962, "01 Jan 1961 to 31 Dec 1962" -> 1961..1962 (the record format
 * ranges over years), and a range within one year or month -> that year or month. Each point
 * is checked as a date of its own first, so "31 Feb 1962 to 1963" is caught. False when the
 * text is none of these, with a reason in `why`.
 */
static bool dob_to_text(tby_span value, char *out, size_t size, char *why, size_t why_size)
{
    dob_scan s = {value.ptr, value.ptr + value.len};
    static const char *const qualifiers[] = {"circa", "approximately", "approx.",
                                             "about", "ca.",           "c."};
    bool is_about = false;
    scan_blanks(&s);
    for (size_t i = 0; i < COUNT_OF(qualifiers) && !is_about; i++)
        is_about = scan_word(&s, qualifiers[i]);
    dob_point first, last;
    if (!scan_point(&s, &first)) {
        snprintf(why, why_size,
                 "not a date OFAC writes (12 Mar 1964, Mar 1964, 1964, circa "
                 "1964, 1960 to 1962)");
        return false;
    }
    last = first;
    scan_blanks(&s);
    bool is_range = false;
    if (s.p < s.end && *s.p == '-') {
        s.p++;
        is_range = true;
    } else if (scan_word(&s, "to")) {
        is_range = true;
    }
    if (is_range && !scan_point(&s, &last)) {
        snprintf(why, why_size, "the end of the range is not a date");
        return false;
    }
    scan_blanks(&s);
    if (s.p != s.end) {
        snprintf(why, why_size, "unexpected text after the date");
        return false;
    }
    /* Each point on its own first: an impossible day must not hide inside a year range. */
    const dob_point *points[2] = {&first, &last};
    for (int i = 0; i < (is_range ? 2 : 1); i++) {
        char text[TBY_DATE_FORMAT_LEN];
        tby_date date;
        tby_error error;
        point_format(text, sizeof(text), points[i], false);
        if (tby_date_parse(&date, text, strlen(text), &error)) {
            snprintf(why, why_size, "%s", error.message);
            return false;
        }
    }
    if (!is_range || point_equal(&first, &last)) {
        point_format(out, size, &first, is_about);
    } else if (first.year == last.year) {
        dob_point common = {first.year, first.month == last.month ? first.month : 0, 0};
        point_format(out, size, &common, is_about);
    } else {
        snprintf(out, size, "%04d..%04d", first.year, last.year);
    }
    return true;
}

static bool date_equal(const tby_date *a, const tby_date *b)
{
    return a->kind == b->kind && a->year == b->year && a->year_last == b->year_last &&
           a->month == b->month && a->day == b->day;
}

static int remark_dob(ofac_build *b, tby_span key, tby_span value)
{
    char text[TBY_DATE_FORMAT_LEN + 8], why[TBY_ERROR_MSG_LEN], quoted[96];
    tby_date date;
    tby_error error;
    tby_record__quote(quoted, sizeof(quoted), value.ptr, value.len);
    if (!dob_to_text(value, text, sizeof(text), why, sizeof(why)))
        return build_bad_value(b, true, "%.*s %s: %s", (int)key.len, key.ptr, quoted, why);
    if (tby_date_parse(&date, text, strlen(text), &error))
        return build_bad_value(b, true, "%.*s %s: %s", (int)key.len, key.ptr, quoted,
                               error.message);
    const tby_date *dates = b->dates.items;
    for (size_t i = 0; i < b->dates.count; i++) {
        if (date_equal(&dates[i], &date))
            return TBY_OK;
    }
    tby_date *slot = vec_push(&b->r->row_arena, &b->dates, sizeof(tby_date));
    if (!slot)
        return TBY_ENOMEM;
    *slot = date;
    return TBY_OK;
}

/* --- Other remarks --- */

static int remark_gender(ofac_build *b, tby_span value)
{
    tby_sex sex = span_equal_nocase(value, "male")     ? TBY_SEX_MALE
                  : span_equal_nocase(value, "female") ? TBY_SEX_FEMALE
                                                       : TBY_SEX_UNKNOWN;
    char quoted[64];
    tby_record__quote(quoted, sizeof(quoted), value.ptr, value.len);
    if (sex == TBY_SEX_UNKNOWN)
        return build_bad_value(b, false, "Gender %s is neither Male nor Female", quoted);
    if (b->record.sex != TBY_SEX_UNKNOWN && b->record.sex != sex)
        return build_bad_value(b, false, "Gender %s contradicts an earlier Gender", quoted);
    b->record.sex = sex;
    return TBY_OK;
}

/* "a.k.a. 'ABU HAFS'": the quotes go, the apostrophes inside ('ABU-'UMAR') stay. */
static int remark_aka(ofac_build *b, tby_span value)
{
    char quoted[96];
    if (value.len > 0 && (value.ptr[0] == '\'' || value.ptr[0] == '"')) {
        char quote = value.ptr[0];
        if (value.len < 2 || value.ptr[value.len - 1] != quote) {
            tby_record__quote(quoted, sizeof(quoted), value.ptr, value.len);
            return build_bad_value(b, false, "a.k.a. %s has no closing quote (remarks cut short?)",
                                   quoted);
        }
        value = span_trim(span_make(value.ptr + 1, value.len - 2));
    }
    if (value.len == 0)
        return TBY_OK;
    return strings_add(&b->r->row_arena, &b->weak_aliases, value.ptr, value.len);
}

/*
 * The number of a document remark, from what follows its key: "No. A123 456 (Iraq) issued
 * 12 Mar 2001 expires 2006" -> "A123 456". The country in parentheses, issue and expiry
 * dates and ", Diplomatic" go; parentheses inside the number ("K357514(4)") stay.
 */
static tby_span document_number(tby_span value)
{
    static const char *const stops[] = {" issued", " expires", " expiring", " expired"};
    for (size_t i = 0; i < COUNT_OF(stops); i++)
        value.len = span_find_nocase(value, stops[i]);
    value = span_trim(value);
    if (value.len > 0 && value.ptr[value.len - 1] == ')') {
        int nesting = 0;
        for (size_t i = value.len; i-- > 0;) {
            nesting += value.ptr[i] == ')' ? 1 : value.ptr[i] == '(' ? -1 : 0;
            if (nesting == 0) {
                if (i > 0 && is_blank(value.ptr[i - 1]))
                    value = span_trim(span_make(value.ptr, i));
                break;
            }
        }
    }
    /* "D000000483, Diplomatic": what follows a comma outside parentheses is a comment. */
    int depth = 0;
    for (size_t i = 0; i + 1 < value.len; i++) {
        depth += value.ptr[i] == '(' ? 1 : value.ptr[i] == ')' ? -1 : 0;
        if (depth == 0 && value.ptr[i] == ',' && is_blank(value.ptr[i + 1])) {
            value = span_trim(span_make(value.ptr, i));
            break;
        }
    }
    for (bool is_label = true; is_label;) {
        is_label = false;
        static const char *const labels[] = {"No.:", "No.", "No:", "#", ":"};
        for (size_t i = 0; i < COUNT_OF(labels) && !is_label; i++) {
            if (span_starts_nocase(value, labels[i])) {
                size_t len = strlen(labels[i]);
                value = span_trim(span_make(value.ptr + len, value.len - len));
                is_label = true;
            }
        }
        /* A word that ends with ':' and holds no digit names the number ("Booklet:"). */
        size_t word = 0;
        while (word < value.len && !is_blank(value.ptr[word]))
            word++;
        if (!is_label && word > 1 && value.ptr[word - 1] == ':' &&
            !span_has_digit(span_make(value.ptr, word))) {
            value = span_trim(span_make(value.ptr + word, value.len - word));
            is_label = true;
        }
    }
    return value;
}

static int remark_document(ofac_build *b, const char *type, tby_span value)
{
    tby_span number = document_number(value);
    /* "Passport issued in Sarajevo": a remark about a document, not its number. */
    if (!span_has_digit(number))
        return TBY_OK;
    char *normal = tby__arena_alloc(&b->r->row_arena, number.len + 1);
    if (!normal)
        return TBY_ENOMEM;
    size_t normal_len;
    if (tby_document_number_normalize(normal, &normal_len, number.ptr, number.len, NULL))
        return TBY_OK;
    const tby_document *documents = b->documents.items;
    for (size_t i = 0; i < b->documents.count; i++) {
        if (!strcmp(documents[i].type, type) && !strcmp(documents[i].number, normal))
            return TBY_OK;
    }
    tby_document *slot = vec_push(&b->r->row_arena, &b->documents, sizeof(tby_document));
    if (!slot)
        return TBY_ENOMEM;
    slot->type = type;
    slot->number = normal;
    return TBY_OK;
}

typedef enum remark_kind {
    REMARK_DOB,
    REMARK_POB,
    REMARK_NATIONALITY,
    REMARK_GENDER,
    REMARK_AKA,
    REMARK_DOCUMENT
} remark_kind;

typedef struct remark_key {
    const char *text;     /* as OFAC writes it; matched with ASCII case ignored */
    remark_kind kind;     /* ... */
    const char *doc_type; /* REMARK_DOCUMENT: the record's document type */
} remark_key;

/*
 * The remark keys that carry a value of the person. Document types follow the record format
 * ("passport", "national_id"); national identity numbers under their local names (cedula,
 * D.N.I., C.U.I.) are national_id so that they meet a registry's national_id.
 */
static const remark_key remark_keys[] = {
    {"DOB", REMARK_DOB, NULL},
    {"Date of Birth", REMARK_DOB, NULL},
    {"POB", REMARK_POB, NULL},
    {"Place of Birth", REMARK_POB, NULL},
    {"nationality", REMARK_NATIONALITY, NULL},
    {"citizen", REMARK_NATIONALITY, NULL},
    {"citizenship", REMARK_NATIONALITY, NULL},
    {"Gender", REMARK_GENDER, NULL},
    {"a.k.a.", REMARK_AKA, NULL},
    {"f.k.a.", REMARK_AKA, NULL},
    {"n.k.a.", REMARK_AKA, NULL},
    {"Passport", REMARK_DOCUMENT, "passport"},
    {"Diplomatic Passport", REMARK_DOCUMENT, "passport"},
    {"Stateless Person Passport", REMARK_DOCUMENT, "passport"},
    {"National ID No.", REMARK_DOCUMENT, "national_id"},
    {"National ID Number", REMARK_DOCUMENT, "national_id"},
    {"National Foreign ID Number", REMARK_DOCUMENT, "national_id"},
    {"Identification Number", REMARK_DOCUMENT, "national_id"},
    {"Personal ID Card", REMARK_DOCUMENT, "national_id"},
    {"Bosnian Personal ID No.", REMARK_DOCUMENT, "national_id"},
    {"Kenyan ID No.", REMARK_DOCUMENT, "national_id"},
    {"Turkish Identification Number", REMARK_DOCUMENT, "national_id"},
    {"Citizen's Card Number", REMARK_DOCUMENT, "national_id"},
    {"D.N.I.", REMARK_DOCUMENT, "national_id"},
    {"Cedula No.", REMARK_DOCUMENT, "national_id"},
    {"Numero de Identidad", REMARK_DOCUMENT, "national_id"},
    {"C.U.I.", REMARK_DOCUMENT, "national_id"},
    {"LE Number", REMARK_DOCUMENT, "national_id"},
    {"C.U.R.P.", REMARK_DOCUMENT, "curp"},
    {"Tax ID No.", REMARK_DOCUMENT, "tax_id"},
    {"R.F.C.", REMARK_DOCUMENT, "tax_id"},
    {"RFC", REMARK_DOCUMENT, "tax_id"},
    {"NIT #", REMARK_DOCUMENT, "tax_id"},
    {"RUC #", REMARK_DOCUMENT, "tax_id"},
    {"C.U.I.T.", REMARK_DOCUMENT, "tax_id"},
    {"Italian Fiscal Code", REMARK_DOCUMENT, "tax_id"},
    {"SSN", REMARK_DOCUMENT, "ssn"},
    {"Social Security Number", REMARK_DOCUMENT, "ssn"},
    {"Driver's License No.", REMARK_DOCUMENT, "drivers_license"},
    {"Electoral Registry No.", REMARK_DOCUMENT, "voter_id"},
    {"Credencial electoral", REMARK_DOCUMENT, "voter_id"},
    {"I.F.E.", REMARK_DOCUMENT, "voter_id"},
    {"Birth Certificate Number", REMARK_DOCUMENT, "birth_certificate"},
    {"Residency Number", REMARK_DOCUMENT, "residence_permit"},
    {"Travel Document Number", REMARK_DOCUMENT, "travel_document"},
    {"Refugee ID Card", REMARK_DOCUMENT, "refugee_id"},
    {"Stateless Person ID Card", REMARK_DOCUMENT, "refugee_id"},
    {"Cartilla de Servicio Militar Nacional", REMARK_DOCUMENT, "military_id"},
    {"Military Registration Number", REMARK_DOCUMENT, "military_id"},
    {"VisaNumberID", REMARK_DOCUMENT, "visa"},
    {"Registration ID", REMARK_DOCUMENT, "registration_id"},
    {"Immigration No.", REMARK_DOCUMENT, "immigration_id"},
    {"Pilot License Number", REMARK_DOCUMENT, "pilot_license"},
};

/* The longest key `item` starts with, followed by a blank, ':' or the end; NULL for none. */
static const remark_key *remark_key_find(tby_span item)
{
    const remark_key *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < COUNT_OF(remark_keys); i++) {
        size_t len = strlen(remark_keys[i].text);
        if (len <= best_len || !span_starts_nocase(item, remark_keys[i].text))
            continue;
        if (item.len > len && !is_blank(item.ptr[len]) && item.ptr[len] != ':')
            continue;
        best = &remark_keys[i];
        best_len = len;
    }
    return best;
}

static int remark_item(ofac_build *b, tby_span item)
{
    /* "alt. DOB", "Alt. POB:": an alternative value is a value like the first. */
    if (span_starts_nocase(item, "alt.") && item.len > 4 && is_blank(item.ptr[4]))
        item = span_trim(span_make(item.ptr + 4, item.len - 4));
    const remark_key *key = remark_key_find(item);
    if (!key)
        return TBY_OK;
    size_t key_len = strlen(key->text);
    tby_span value = span_make(item.ptr + key_len, item.len - key_len);
    value = span_trim(value);
    if (value.len > 0 && value.ptr[0] == ':')
        value = span_trim(span_make(value.ptr + 1, value.len - 1));
    switch (key->kind) {
    case REMARK_DOB:
        return remark_dob(b, span_make(item.ptr, key_len), value);
    case REMARK_POB:
        /* The record has one birth place: the first. The alternatives stay in the list. */
        if (value.len && !b->record.birth_place) {
            b->record.birth_place = tby__arena_strndup(&b->r->row_arena, value.ptr, value.len);
            if (!b->record.birth_place)
                return TBY_ENOMEM;
        }
        return TBY_OK;
    case REMARK_NATIONALITY:
        return value.len ? strings_add(&b->r->row_arena, &b->nationalities, value.ptr, value.len)
                         : TBY_OK;
    case REMARK_GENDER:
        return remark_gender(b, value);
    case REMARK_AKA:
        return remark_aka(b, value);
    case REMARK_DOCUMENT:
        return remark_document(b, key->doc_type, value);
    }
    return TBY_OK;
}

/*
 * Splits the remarks into items at ';' outside parentheses. OFAC nests whole sentences in
 * parentheses ("(Following data derived from an Eritrean passport ...: Alt. DOB: ...; ...)"),
 * which describe another document rather than the person and are skipped whole. When the
 * parentheses do not balance, every ';' splits.
 */
static int remarks_parse(ofac_build *b, tby_span remarks)
{
    remarks = span_trim(remarks);
    if (remarks.len > 0 && remarks.ptr[remarks.len - 1] == '.')
        remarks.len--;
    int depth = 0;
    bool is_balanced = true;
    for (size_t i = 0; i < remarks.len && is_balanced; i++) {
        depth += remarks.ptr[i] == '(' ? 1 : remarks.ptr[i] == ')' ? -1 : 0;
        is_balanced = depth >= 0;
    }
    is_balanced = is_balanced && depth == 0;
    depth = 0;
    size_t start = 0;
    for (size_t i = 0; i <= remarks.len; i++) {
        char c = i < remarks.len ? remarks.ptr[i] : ';';
        if (is_balanced && (c == '(' || c == ')'))
            depth += c == '(' ? 1 : -1;
        if (c != ';' || depth > 0)
            continue;
        tby_span item = span_trim(span_make(remarks.ptr + start, i - start));
        start = i + 1;
        if (item.len == 0 || item.ptr[0] == '(')
            continue;
        int rc = remark_item(b, item);
        if (rc || b->is_rejected)
            return rc;
    }
    return TBY_OK;
}

static const char *row_strndup(ofac_reader *r, tby_span value)
{
    return value.len ? tby__arena_strndup(&r->row_arena, value.ptr, value.len) : NULL;
}

static int sdn_record_row(ofac_reader *r, const ofac_file *file, const tby_io__csv *csv)
{
    uint64_t ent_num;
    bool is_bad;
    row_ent_num(r, file, csv, false, &ent_num, &is_bad);
    const ofac_entry *entry = is_bad ? NULL : entry_find(r, ent_num);
    /* Pass 1 reported every row that is not a readable individual. */
    if (!entry || entry->line != csv->row_line || entry->kind != OFAC_ENTRY_INDIVIDUAL)
        return TBY_OK;

    ofac_build b;
    memset(&b, 0, sizeof(b));
    b.r = r;
    b.file = file;
    b.line = csv->fields[SDN_REMARKS].line;
    b.offset = csv->fields[SDN_REMARKS].offset;
    tby_record *record = &b.record;
    record->line = csv->row_line;
    record->id = row_strndup(r, field_value(csv, SDN_ENT_NUM));
    record->name = row_strndup(r, field_value(csv, SDN_NAME));
    tby_span title = field_value(csv, SDN_TITLE);
    record->note = row_strndup(r, title);
    if (!record->id || !record->name || (title.len && !record->note))
        return ofac_oom(r, file, csv->row_line);
    for (uint32_t i = entry->alias_first; i; i = r->aliases[i - 1].next) {
        const ofac_alias *alias = &r->aliases[i - 1];
        ofac_vec *list = alias->is_weak ? &b.weak_aliases : &b.aliases;
        if (strings_add(&r->row_arena, list, alias->name, strlen(alias->name)))
            return ofac_oom(r, file, csv->row_line);
    }
    int rc = remarks_parse(&b, field_value(csv, SDN_REMARKS));
    if (rc == TBY_ENOMEM)
        return ofac_oom(r, file, csv->row_line);
    if (rc || b.is_rejected)
        return rc;

    record->aliases = b.aliases.items;
    record->alias_count = b.aliases.count;
    record->weak_aliases = b.weak_aliases.items;
    record->weak_alias_count = b.weak_aliases.count;
    record->birth_dates = b.dates.items;
    record->birth_date_count = b.dates.count;
    record->nationalities = b.nationalities.items;
    record->nationality_count = b.nationalities.count;
    record->documents = b.documents.items;
    record->document_count = b.documents.count;

    /* Strict mode delivers nothing after a rejection: the import is going to fail anyway. */
    if (r->is_strict && r->first_reject.code)
        return TBY_OK;
    r->stats.individuals++;
    r->stats.names++;
    r->stats.aliases += record->alias_count;
    r->stats.weak_aliases += record->weak_alias_count;
    r->stats.birth_dates += record->birth_date_count;
    r->stats.places += record->birth_place ? 1 : 0;
    r->stats.nationalities += record->nationality_count;
    r->stats.documents += record->document_count;
    return r->on_record ? r->on_record(record, r->payload) : TBY_OK;
}

/* ===== Entry points ===== */

static int reader_init(ofac_reader *r, const tby_reader_options *opts, tby_record_cb on_record,
                       void *payload, tby_error *err)
{
    memset(r, 0, sizeof(*r));
    r->err = err;
    tby_error_clear(&r->first_reject);
    r->max_field_bytes = TBY_READER_MAX_FIELD_BYTES;
    r->max_record_bytes = TBY_READER_MAX_RECORD_BYTES;
    r->on_record = on_record;
    r->payload = payload;
    tby__arena_init(&r->alias_names, 64u * 1024u, 0);
    tby__arena_init(&r->row_arena, OFAC_ROW_BLOCK_BYTES, 0);
    if (!opts)
        return TBY_OK;
    if (opts->version != TBY_READER_OPTIONS_VERSION)
        return tby__error(err, TBY_EINVALID, -1, "unsupported reader options version %u",
                          opts->version);
    r->is_strict = opts->strict;
    r->is_drop_bad_values = opts->drop_bad_values;
    if (opts->max_field_bytes)
        r->max_field_bytes = opts->max_field_bytes;
    if (opts->max_record_bytes)
        r->max_record_bytes = opts->max_record_bytes;
    r->on_reject = opts->on_reject;
    r->reject_payload = opts->reject_payload;
    r->on_dropped = opts->on_dropped;
    r->dropped_payload = opts->dropped_payload;
    return TBY_OK;
}

static void reader_dispose(ofac_reader *r)
{
    tby__free(r->entries);
    tby__free(r->slots);
    tby__free(r->aliases);
    tby__arena_dispose(&r->alias_names);
    tby__arena_dispose(&r->row_arena);
}

static void file_init(ofac_file *file, const char *kind, const char *name,
                      const char *const *columns, size_t column_count)
{
    memset(file, 0, sizeof(*file));
    file->kind = kind;
    file->name = name;
    file->columns = columns;
    file->column_count = column_count;
    tby__buf_init(&file->owned, 0);
}

/* The four passes over files already in memory. */
static int read_all(ofac_reader *r, ofac_file *sdn, ofac_file *alt, ofac_file *add)
{
    ofac_file *files[3] = {sdn, alt, add};
    for (size_t i = 0; i < 3; i++) {
        if (files[i])
            file_detect_encoding(files[i]);
    }
    int rc = file_each_row(r, sdn, sdn_index_row, true);
    if (!rc)
        rc = file_each_row(r, alt, alt_row, true);
    if (!rc && add)
        rc = file_each_row(r, add, add_row, true);
    if (!rc)
        rc = file_each_row(r, sdn, sdn_record_row, false);
    if (!rc && r->is_strict && r->first_reject.code) {
        if (r->err)
            *r->err = r->first_reject;
        rc = r->first_reject.code;
    }
    return rc;
}

int tby_ofac_read_files(const char *sdn_path, const char *alt_path, const char *add_path,
                        const tby_reader_options *opts, tby_record_cb on_record, void *payload,
                        tby_list_stats *stats, tby_error *err)
{
    TBY_ASSERT_ARG(sdn_path != NULL && alt_path != NULL);
    ofac_reader r;
    ofac_file sdn, alt, add;
    file_init(&sdn, "sdn.csv", opts && opts->source_name ? opts->source_name : sdn_path,
              sdn_columns, COUNT_OF(sdn_columns));
    file_init(&alt, "alt.csv", alt_path, alt_columns, COUNT_OF(alt_columns));
    file_init(&add, "add.csv", add_path ? add_path : "", add_columns, COUNT_OF(add_columns));
    int rc = reader_init(&r, opts, on_record, payload, err);
    if (rc)
        goto out;
    if ((rc = file_load(&r, &sdn, sdn_path)) || (rc = file_load(&r, &alt, alt_path)) ||
        (add_path && (rc = file_load(&r, &add, add_path))))
        goto out;
    rc = read_all(&r, &sdn, &alt, add_path ? &add : NULL);
out:
    if (stats)
        *stats = r.stats;
    tby__buf_dispose(&sdn.owned);
    tby__buf_dispose(&alt.owned);
    tby__buf_dispose(&add.owned);
    reader_dispose(&r);
    return rc;
}

int tby_io__ofac_read_buffers(const char *sdn_data, size_t sdn_len, const char *alt_data,
                              size_t alt_len, const char *add_data, size_t add_len,
                              const tby_reader_options *opts, tby_record_cb on_record,
                              void *payload, tby_list_stats *stats, tby_error *err)
{
    TBY_ASSERT_ARG((sdn_data != NULL || sdn_len == 0) && (alt_data != NULL || alt_len == 0));
    ofac_reader r;
    ofac_file sdn, alt, add;
    file_init(&sdn, "sdn.csv", opts && opts->source_name ? opts->source_name : "<sdn>", sdn_columns,
              COUNT_OF(sdn_columns));
    file_init(&alt, "alt.csv", "<alt>", alt_columns, COUNT_OF(alt_columns));
    file_init(&add, "add.csv", "<add>", add_columns, COUNT_OF(add_columns));
    sdn.data = sdn_data ? sdn_data : "";
    sdn.len = sdn_len;
    alt.data = alt_data ? alt_data : "";
    alt.len = alt_len;
    add.data = add_data ? add_data : "";
    add.len = add_len;
    int rc = reader_init(&r, opts, on_record, payload, err);
    if (!rc)
        rc = read_all(&r, &sdn, &alt, add_data ? &add : NULL);
    if (stats)
        *stats = r.stats;
    reader_dispose(&r);
    return rc;
}
