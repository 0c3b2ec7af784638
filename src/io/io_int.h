/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interface of src/io: a byte source over a file or memory, the RFC 4180 CSV
 * tokenizer, and the set of ids seen in one file. The record readers in record_reader.c are
 * built from these; nothing here knows the record format's columns.
 */
#ifndef TBY_IO_INT_H
#define TBY_IO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tabayyun/tby_io.h"
#include "tabayyun/tby_lists.h"
#include "tabayyun/tby_record.h"
#include "util/util_int.h"

/* ===== Byte source ===== */

/*
 * Bytes from a file (read in 64 KiB chunks) or from memory (the whole buffer is the window).
 * `cur..end` are the bytes not yet consumed; `offset` is the input offset of `cur`.
 */
typedef struct tby_io__source {
    FILE *file;               /* NULL for memory */
    const unsigned char *cur; /* next unread byte */
    const unsigned char *end; /* end of the window */
    unsigned char *buf;       /* heap buffer for files, NULL for memory */
    size_t buf_size;          /* bytes allocated in buf */
    int64_t offset;           /* input offset of cur */
    int status;               /* 0, or TBY_EIO once a read failed */
} tby_io__source;

/* Opens a file for reading. 0, TBY_ENOTFOUND, TBY_EIO or TBY_ENOMEM (err says which). */
int tby_io__source_open_file(tby_io__source *src, const char *path, tby_error *err);
void tby_io__source_open_memory(tby_io__source *src, const char *data, size_t len);
void tby_io__source_close(tby_io__source *src); /* accepts a zeroed source */

/* Refills the window; returns false at end of input or on a read error (see status). */
bool tby_io__source_fill(tby_io__source *src);

/* Next byte, or -1 at end of input or after a read error (see status). */
static inline int tby_io__source_getc(tby_io__source *src)
{
    if (src->cur == src->end && !tby_io__source_fill(src))
        return -1;
    src->offset++;
    return *src->cur++;
}

/* Next byte without consuming it, or -1. */
static inline int tby_io__source_peek(tby_io__source *src)
{
    if (src->cur == src->end && !tby_io__source_fill(src))
        return -1;
    return *src->cur;
}

/* Consumes a UTF-8 byte order mark at the current position, if there is one. */
void tby_io__source_skip_bom(tby_io__source *src);

/*
 * Reads up to and including the next '\n' into `line` (without the '\n'). When the line is
 * longer than `cap` bytes the rest is consumed but not stored and *is_too_long is set.
 * Returns 1 when a line was read, 0 at end of input, TBY_EIO or TBY_ENOMEM.
 */
int tby_io__source_read_line(tby_io__source *src, tby_buf *line, size_t cap, bool *is_too_long);

/* ===== CSV tokenizer ===== */

/* One field of the current row: its unescaped value and where it started in the input. */
typedef struct tby_io__csv_field {
    size_t start;   /* offset of the value in the row buffer (NUL-terminated there) */
    size_t len;     /* value length in bytes */
    int64_t line;   /* 1-based line of the field's first byte */
    int64_t column; /* 1-based byte column of the field's first byte */
    int64_t offset; /* input offset of the field's first byte */
    bool is_quoted; /* the field was enclosed in double quotes */
} tby_io__csv_field;

/*
 * Streaming RFC 4180 tokenizer: fields separated by ',', records by CRLF, LF or a lone CR,
 * double-quoted fields holding commas, line breaks and doubled quotes. A quote inside an
 * unquoted field is kept as a literal character, as most spreadsheet exports expect. A row
 * that breaks the rules (text after a closing quote, a quote never closed, invalid UTF-8, a
 * field or record over its cap, too many fields) is still delimited and returned, with
 * `row_error` describing its first problem, so a reader can reject it and go on.
 */
typedef struct tby_io__csv {
    tby_io__source *src;
    size_t max_field_bytes;    /* cap on one field's value */
    size_t max_record_bytes;   /* cap on the sum of a row's values */
    size_t max_fields;         /* fields kept per row; more is a row error */
    tby_buf row;               /* values of the current row, each followed by a NUL */
    tby_io__csv_field *fields; /* fields of the current row (at most max_fields) */
    size_t field_count;        /* fields kept in `fields` */
    size_t field_total;        /* fields seen in the row, kept or not */
    size_t field_cap;          /* slots allocated in fields */
    int64_t row_line;          /* 1-based line where the current row starts */
    int64_t row_offset;        /* input offset where the current row starts */
    tby_error row_error;       /* code 0, or the row's first problem (line, offset set) */
    int row_error_field;       /* index of the field the problem is in, -1 when none */
    int64_t line;              /* position of the next byte: 1-based line */
    int64_t column;            /* position of the next byte: 1-based byte column */
    bool is_after_cr;          /* the previous byte was CR (a following LF adds no line) */
    bool is_skip_lf;           /* the last row ended at CR: swallow one LF */
    bool is_latin1;            /* input is Latin-1 (0x80..0x9F read as Windows-1252): every
                                  byte >= 0x80 is stored as UTF-8 and no UTF-8 check runs;
                                  set after tby_io__csv_init, before the first row */
} tby_io__csv;

void tby_io__csv_init(tby_io__csv *csv, tby_io__source *src, size_t max_field_bytes,
                      size_t max_record_bytes, size_t max_fields);
void tby_io__csv_dispose(tby_io__csv *csv);

/* Reads the next row. 1 when a row is ready, 0 at end of input, TBY_EIO or TBY_ENOMEM. */
int tby_io__csv_next(tby_io__csv *csv);

/* The value of field `index` of the current row (NUL-terminated, borrowed until next). */
static inline const char *tby_io__csv_value(const tby_io__csv *csv, size_t index)
{
    return csv->row.ptr ? csv->row.ptr + csv->fields[index].start : "";
}

/* True when the current row is an empty line (one empty unquoted field). */
bool tby_io__csv_row_is_blank(const tby_io__csv *csv);

/* ===== Id set ===== */

/* The ids seen so far in one file, with the line of their first occurrence. */
typedef struct tby_io__id_entry tby_io__id_entry;
typedef struct tby_io__id_set {
    tby_io__id_entry *slots; /* open addressing, linear probing; NULL until first insert */
    size_t slot_count;       /* power of two */
    size_t count;            /* ids stored */
    tby_arena strings;       /* copies of the ids */
} tby_io__id_set;

void tby_io__id_set_init(tby_io__id_set *set);
void tby_io__id_set_dispose(tby_io__id_set *set);

/*
 * Adds id[0..len) first seen on `line`. Returns 0 when it was new, TBY_EEXISTS when it was
 * already there (and *first_line_out, if not NULL, gets the line it was first seen on), or
 * TBY_ENOMEM.
 */
int tby_io__id_set_add(tby_io__id_set *set, const char *id, size_t len, int64_t line,
                       int64_t *first_line_out);

/* ===== Record JSON ===== */

/*
 * Appends the canonical JSON of `record` (see tby_record_to_json) to buf, without a newline.
 * Returns 0, TBY_ENOMEM, TBY_EINVALID (no id, a malformed document) or TBY_EUTF8; on error buf
 * may hold a partial object.
 */
int tby_io__record_json(tby_buf *buf, const tby_record *record, unsigned flags, tby_error *err);

/* ===== OFAC SDN files ===== */

/*
 * tby_ofac_read_files over files already in memory (the fuzz target and the tests): sdn and
 * alt may be empty, add_data NULL means there is no add.csv. Reports name the inputs "<sdn>"
 * (or opts->source_name), "<alt>" and "<add>".
 */
int tby_io__ofac_read_buffers(const char *sdn_data, size_t sdn_len, const char *alt_data,
                              size_t alt_len, const char *add_data, size_t add_len,
                              const tby_reader_options *opts, tby_record_cb on_record,
                              void *payload, tby_list_stats *stats, tby_error *err);

/* ===== One JSON object ===== */

struct json_t;

/*
 * Reads one record from a JSON object already parsed by jansson (the server's request body),
 * with the same keys, types and value rules as a JSON Lines row (line 1, offset 0). The
 * record goes to on_record, borrowed for the call; a rejection goes to opts->on_reject and,
 * under opts->strict, is returned with `err` describing it (field, message). Returns 0, the
 * rejection's code (strict), TBY_ENOMEM, or the callback's non-zero value.
 */
int tby_io__record_from_json(struct json_t *object, const tby_reader_options *opts,
                             tby_record_cb on_record, void *payload, tby_error *err);

#endif
