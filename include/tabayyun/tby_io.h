/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading records in the project's own format (docs/record-format.md): CSV (RFC 4180 with a
 * header row) and JSON Lines, from a file or from memory. Rows stream through a callback so a
 * million-row registry never has to fit in memory; tby_record_set_load_* collects them instead.
 *
 *   tby_reader_options opts = TBY_READER_OPTIONS_INIT;
 *   opts.on_reject = print_reject;               (lenient: keep going, report each bad row)
 *   rc = tby_record_read_file("registry.csv", &opts, on_record, state, &err);
 *
 * Memory: the reader builds each row in one arena that it resets before the next row, so the
 * record passed to on_record is borrowed for that call only. JSON parsing goes through
 * jansson, whose allocations use jansson's own allocator, not tby_set_allocator (setting
 * jansson's is process-wide and would change it for the host program too).
 * Thread-safety: readers share no state; run as many in parallel as you like.
 */
#ifndef TBY_IO_H
#define TBY_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "tby_common.h"
#include "tby_record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tby_record_format {
    TBY_FORMAT_AUTO = 0, /* by extension (.csv, .jsonl/.ndjson/.json), else by content: the
                            first byte after a BOM and blanks being '{' means JSON Lines */
    TBY_FORMAT_CSV,
    TBY_FORMAT_JSONL
} tby_record_format;

/** Default cap on one field's value (CSV field, JSON string) in bytes. */
#define TBY_READER_MAX_FIELD_BYTES (64u * 1024u)
/** Default cap on one record (CSV record, JSON line) in bytes. */
#define TBY_READER_MAX_RECORD_BYTES (1024u * 1024u)
/** Most columns a CSV header may have (known or ignored). */
#define TBY_READER_MAX_COLUMNS 256

/**
 * Called with each valid record. The record and everything it points to are borrowed and
 * valid only until the callback returns; copy what you keep (tby_record_set_add does).
 * Return 0 to continue; any other value stops reading and is returned by the reader.
 */
typedef int (*tby_record_cb)(const tby_record *record, void *payload);

/**
 * Called with each rejected row. `error` carries the code, the reason, the field (column or
 * key) name, the 1-based line and the byte offset in the input; `source_name` is the
 * options' source_name (or the path, or "<memory>"). Both are borrowed for the call.
 * Return 0 to continue; any other value stops reading and is returned by the reader.
 */
typedef int (*tby_reject_cb)(const char *source_name, const tby_error *error, void *payload);

#define TBY_READER_OPTIONS_VERSION 1

typedef struct tby_reader_options {
    unsigned int version;        /* TBY_READER_OPTIONS_VERSION */
    tby_record_format format;    /* TBY_FORMAT_AUTO by default */
    bool strict;                 /* see tby_record_read and tby_record_set_load_file */
    bool ignore_unknown_columns; /* skip unknown CSV columns / JSON keys instead of failing */
    const char *source_name;     /* name used in reports; NULL: the path or "<memory>" */
    size_t max_field_bytes;      /* 0: TBY_READER_MAX_FIELD_BYTES */
    size_t max_record_bytes;     /* 0: TBY_READER_MAX_RECORD_BYTES */
    tby_reject_cb on_reject;     /* NULL: rejections are only counted (and, for the
                                    set loaders, kept in the set) */
    void *reject_payload;        /* passed to on_reject */
    bool drop_bad_values;        /* a value that cannot be read (an impossible date, an
                                    unknown sex) is left out of the record and reported
                                    through on_dropped instead of rejecting the row; the id
                                    is never dropped. For screening, where a mistyped date
                                    must not keep a person from being screened. */
    tby_reject_cb on_dropped;    /* NULL: dropped values are only counted */
    void *dropped_payload;       /* passed to on_dropped */
} tby_reader_options;

#define TBY_READER_OPTIONS_INIT                                                                    \
    {                                                                                              \
        TBY_READER_OPTIONS_VERSION, TBY_FORMAT_AUTO, false, false, NULL, 0, 0, NULL, NULL, false,  \
            NULL, NULL                                                                             \
    }

/** Counters a read leaves behind (optional out-parameter of the readers). */
typedef struct tby_reader_stats {
    size_t records;  /* valid records delivered (or loaded) */
    size_t rejected; /* rows rejected */
    size_t lines;    /* physical lines read */
    size_t dropped;  /* values left out under drop_bad_values */
} tby_reader_stats;

/**
 * Reads records from a file and hands each valid one to `on_record`.
 *
 * Problems with one row (a bad value, a missing id, a duplicate id, invalid UTF-8, a field
 * over the cap, malformed quoting) reject that row: it goes to opts->on_reject and reading
 * continues. Problems with the whole input end the read: a header with unknown, duplicate or
 * missing required columns, I/O errors, out of memory.
 *
 * Strict mode: after the first rejected row no further record is delivered, every later
 * rejection is still reported, and the call returns the first rejection's code with `err`
 * describing it. Records delivered before that row are void; a caller that stores them as
 * they come should do so in a transaction it can roll back. tby_record_set_load_file does
 * this for you.
 *
 * @param stats_out optional; receives the counters.
 * @return 0 (also in lenient mode when rows were rejected: see stats_out), the first
 *         rejection's code in strict mode (TBY_EINVALID, TBY_EUTF8, TBY_ETOOLARGE), a fatal
 *         code (TBY_EINVALID for a bad header, TBY_EIO, TBY_ENOMEM, TBY_ENOTFOUND for a
 *         missing file), or the non-zero value a callback returned.
 */
TBY_API int tby_record_read_file(const char *path, const tby_reader_options *opts,
                                 tby_record_cb on_record, void *payload,
                                 tby_reader_stats *stats_out, tby_error *err);

/** Like tby_record_read_file, from `len` bytes at `data` (need not be NUL-terminated). */
TBY_API int tby_record_read_buffer(const char *data, size_t len, const tby_reader_options *opts,
                                   tby_record_cb on_record, void *payload,
                                   tby_reader_stats *stats_out, tby_error *err);

/**
 * Loads every valid record of a file into a new set. Rejected rows are reported through
 * opts->on_reject when set and are kept in the set (tby_record_set_reject).
 *
 * Lenient (default): returns 0 and a set with every valid row, even if some were rejected.
 * Strict: if any row is rejected, *out is NULL, nothing is loaded, and the code and `err`
 * describe the first rejected row; every rejection still reached opts->on_reject.
 *
 * @param out receives the set (free with tby_record_set_free); NULL on error.
 */
TBY_API int tby_record_set_load_file(tby_record_set **out, const char *path,
                                     const tby_reader_options *opts, tby_error *err);

/** Like tby_record_set_load_file, from memory. */
TBY_API int tby_record_set_load_buffer(tby_record_set **out, const char *data, size_t len,
                                       const tby_reader_options *opts, tby_error *err);

/* ===== Writing ===== */

/** tby_record_to_json flag: only the identifying fields (no id, site or note). */
#define TBY_RECORD_JSON_IDENTITY 1u

/**
 * Writes a record as one JSON object in the record format, the form the JSON Lines reader
 * reads back (one line of a .jsonl file, without the newline). The output is canonical, so
 * two records with the same values give the same bytes and the text can be hashed: keys in
 * the order of the record format's table, absent or empty values left out, list fields as
 * arrays of strings (dates in the format's syntax, documents as "type:number"), no blanks
 * between tokens, and only '"', '\\' and control characters escaped. `line` is never
 * written.
 *
 * A record the reader produced reads back to the same values. A record built in code is
 * written as it is: values the reader would trim or split come back trimmed.
 *
 * @param out     receives a NUL-terminated string; free it with tby_free. NULL on error.
 * @param len_out optional; receives strlen(*out).
 * @param flags   0, or TBY_RECORD_JSON_IDENTITY to leave out the id, the site and the note
 *                (what the store hashes to tell whether a person's identifying data changed).
 * @return 0, TBY_EINVALID (no id, a document without type or number), TBY_EUTF8 (a value
 *         that is not UTF-8) or TBY_ENOMEM.
 */
TBY_API int tby_record_to_json(char **out, size_t *len_out, const tby_record *record,
                               unsigned flags, tby_error *err);

#ifdef __cplusplus
}
#endif
#endif
