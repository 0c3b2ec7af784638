/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record model of docs/record-format.md: one person, registered or listed, with names kept
 * as raw UTF-8 (the name engine parses them later), partial and approximate birth dates, and
 * identifiers already normalised for comparison. Also the date comparator and a set of records
 * that owns its memory. Reading files lives in tby_io.h.
 */
#ifndef TBY_RECORD_H
#define TBY_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tby_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ===== Dates ===== */

/** Precision of a birth date as written in the source. */
typedef enum tby_date_kind {
    TBY_DATE_NONE = 0, /* no date */
    TBY_DATE_DAY,      /* YYYY-MM-DD */
    TBY_DATE_MONTH,    /* YYYY-MM */
    TBY_DATE_YEAR,     /* YYYY */
    TBY_DATE_ABOUT,    /* ~YYYY: about that year, see TBY_DATE_ABOUT_YEARS */
    TBY_DATE_RANGE     /* YYYY..YYYY: some year between the two, both included */
} tby_date_kind;

/** Half-width in years of the window an approximate year (~YYYY) stands for. */
#define TBY_DATE_ABOUT_YEARS 2
/** Earliest and latest year a birth date may carry; anything else is a typo. */
#define TBY_DATE_YEAR_MIN 1800
#define TBY_DATE_YEAR_MAX 2199

/**
 * A parsed birth date. Plain value type: copy it freely. A zeroed struct is "no date".
 */
typedef struct tby_date {
    tby_date_kind kind;  /* precision; TBY_DATE_NONE for an absent date */
    int year;            /* the year; for TBY_DATE_RANGE the first year */
    int year_last;       /* TBY_DATE_RANGE: last year (> year); otherwise equal to year */
    int month;           /* 1..12 for TBY_DATE_DAY and TBY_DATE_MONTH, otherwise 0 */
    int day;             /* 1..31 for TBY_DATE_DAY, otherwise 0 */
    bool is_default_day; /* TBY_DATE_DAY on 01-01 or 07-01: an administrative default, so only
                            the year is evidence (arabic-names.md section 5.2) */
} tby_date;

/**
 * Parses one birth date: `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, `~YYYY` or `YYYY..YYYY`. Surrounding
 * ASCII spaces are ignored and Arabic-Indic digits are read as ASCII digits. `YYYY..YYYY` with
 * equal years is read as `YYYY`.
 *
 * @param out  receives the date; zeroed on error.
 * @param s    the text, need not be NUL-terminated; NULL only when len is 0.
 * @param len  length of s in bytes.
 * @param err  optional; on error gets a one-line reason quoting the value (for example
 *             "\"1990-02-30\": February 1990 has 28 days").
 * @return 0, or TBY_EINVALID for anything malformed or impossible (empty text, month 13,
 *         day 30 of February, year outside TBY_DATE_YEAR_MIN..TBY_DATE_YEAR_MAX, a range
 *         that goes backwards).
 */
TBY_API int tby_date_parse(tby_date *out, const char *s, size_t len, tby_error *err);

/** Longest text tby_date_format writes, including the NUL ("YYYY..YYYY"). */
#define TBY_DATE_FORMAT_LEN 16

/**
 * Writes a date back in the record format's syntax (the inverse of tby_date_parse).
 * Writes "" for TBY_DATE_NONE. `out` must hold TBY_DATE_FORMAT_LEN bytes. Returns out.
 */
TBY_API char *tby_date_format(char out[TBY_DATE_FORMAT_LEN], const tby_date *date);

/**
 * How two birth dates relate, from strongest to weakest agreement. The order of the values
 * is the order of strength, which tby_date_compare_best relies on.
 */
typedef enum tby_date_agreement {
    TBY_DATEMATCH_MISSING = 0, /* one side or both have no date: no evidence either way */
    TBY_DATEMATCH_EXACT,       /* same day, and neither day is an administrative default */
    TBY_DATEMATCH_MONTH,       /* same year and month; the day is unknown on one side */
    TBY_DATEMATCH_YEAR,        /* same year; finer precision unknown, a default day, or the
                                  day or the month one apart (a typing slip) */
    TBY_DATEMATCH_SWAPPED,     /* same year with day and month exchanged (03-02 vs 02-03) */
    TBY_DATEMATCH_WITHIN_1Y,   /* one year apart (a year boundary or a clerical slip) */
    TBY_DATEMATCH_WINDOW,      /* compatible through an approximate year or a range */
    TBY_DATEMATCH_DISAGREE     /* contradictory; year_distance says by how much */
} tby_date_agreement;

/** Result of tby_date_compare. */
typedef struct tby_date_match {
    tby_date_agreement agreement; /* the relation, see tby_date_agreement */
    int year_distance;            /* years between the closest years the two dates allow
                                     (0 when they overlap); 0 for TBY_DATEMATCH_MISSING */
} tby_date_match;

/**
 * Compares two birth dates. Symmetric: compare(a, b) equals compare(b, a). A default day
 * (is_default_day) only ever counts at year level, so 1987-01-01 vs 1987-05-12 is
 * TBY_DATEMATCH_YEAR, not a disagreement. Either pointer may be NULL (missing).
 */
TBY_API tby_date_match tby_date_compare(const tby_date *a, const tby_date *b);

/**
 * Compares every date of one list with every date of the other and returns the strongest
 * relation (ties broken by the smaller year distance). TBY_DATEMATCH_MISSING when either list
 * is empty.
 */
TBY_API tby_date_match tby_date_compare_best(const tby_date *a, size_t a_count, const tby_date *b,
                                             size_t b_count);

/** Printable name of an agreement ("exact", "swapped" ...); never NULL. */
TBY_API const char *tby_date_agreement_name(tby_date_agreement agreement);

/* ===== Records ===== */

typedef enum tby_sex { TBY_SEX_UNKNOWN = 0, TBY_SEX_MALE, TBY_SEX_FEMALE } tby_sex;

/** An identity document: its type as written (lower-cased ASCII) and its normalised number. */
typedef struct tby_document {
    const char *type;   /* "national_id", "passport" ...; never NULL or empty */
    const char *number; /* normalised: ASCII digits (Arabic-Indic digits converted), upper-case
                           ASCII letters, separators (spaces, dashes, dots, slashes) removed;
                           never NULL or empty */
} tby_document;

/**
 * One person as read from a registry or a watchlist (docs/record-format.md).
 *
 * Strings are NUL-terminated UTF-8 kept as written (trimmed of surrounding ASCII blanks), or
 * NULL when the source left the field empty. Each array travels with its `_count`; an empty
 * array is NULL with count 0. The struct does not own its memory: a record delivered by the
 * reader's callback is borrowed for the duration of the call, and a record from a
 * tby_record_set lives as long as the set (see tby_record_set_add).
 */
typedef struct tby_record {
    const char *id;          /* identifier in the source, unique per file; never NULL */
    const char *name;        /* full name as written, any script and order; NULL when the
                                source gave only parts (then given is set) */
    const char *given;       /* name parts when the source has them separately, else NULL */
    const char *father;      /* father's given name */
    const char *grandfather; /* paternal grandfather's given name */
    const char *family;      /* family, tribal name, laqab or shuhra */
    const char **aliases;    /* other names of the same person */
    size_t alias_count;
    const char **weak_aliases; /* kunyas, noms de guerre, nicknames: corroborate only */
    size_t weak_alias_count;
    const char *mother;    /* mother's name as written */
    tby_date *birth_dates; /* every birth date the source gives */
    size_t birth_date_count;
    tby_sex sex;
    const char *birth_place;    /* as written */
    const char **nationalities; /* ISO 3166 alpha-2 codes upper-cased ("IQ"); country names
                                   kept as written ("Syria", "سوريا") */
    size_t nationality_count;
    tby_document *documents;
    size_t document_count;
    const char *site; /* where the record was taken (camp, checkpoint, facility) */
    const char *note; /* free text, never matched */
    int64_t line;     /* 1-based line where the record starts in its file; 0 when built in code */
} tby_record;

/**
 * Normalises a document number for comparison: Arabic-Indic (U+0660..U+0669) and Extended
 * Arabic-Indic (U+06F0..U+06F9) digits become ASCII, ASCII letters become upper case, and
 * blanks, dashes (including U+2010..U+2015), dots, slashes, underscores and invisible format
 * characters are dropped. Other characters are kept as they are.
 *
 * @param out      receives a NUL-terminated string; must hold at least len + 1 bytes (the
 *                 result is never longer than the input).
 * @param out_len  receives the length written, excluding the NUL; may be NULL.
 * @return 0, TBY_EUTF8 when s is not valid UTF-8, TBY_EEMPTY when nothing is left.
 */
TBY_API int tby_document_number_normalize(char *out, size_t *out_len, const char *s, size_t len,
                                          tby_error *err);

/* ===== Record sets ===== */

/**
 * An ordered collection of records that owns all of their memory: every string and array
 * lives in one arena that the set frees at once. Records keep the order they were added in.
 * Safe to share read-only between threads once nothing adds to it any more.
 */
typedef struct tby_record_set tby_record_set;

/** Creates an empty set. Free it with tby_record_set_free. Returns 0 or TBY_ENOMEM. */
TBY_API int tby_record_set_new(tby_record_set **out, tby_error *err);

/** Frees the set, its records and the rejections it holds. Accepts NULL. */
TBY_API void tby_record_set_free(tby_record_set *set);

/**
 * Adds a deep copy of `record` (which may be borrowed, for example inside a reader callback).
 * Pointers previously returned by tby_record_set_get stay valid.
 *
 * @return 0, TBY_ENOMEM, or TBY_EINVALID when record->id is NULL or empty.
 */
TBY_API int tby_record_set_add(tby_record_set *set, const tby_record *record, tby_error *err);

/** Number of records in the set. */
TBY_API size_t tby_record_set_count(const tby_record_set *set);

/** The record at `index` (borrowed, valid until the set is freed); NULL when out of range. */
TBY_API const tby_record *tby_record_set_get(const tby_record_set *set, size_t index);

/**
 * Rows that an import rejected (see tby_record_set_load_file). At most
 * TBY_RECORD_SET_MAX_REJECTS are kept; tby_record_set_reject_total counts all of them.
 */
#define TBY_RECORD_SET_MAX_REJECTS 10000
TBY_API size_t tby_record_set_reject_count(const tby_record_set *set);
TBY_API size_t tby_record_set_reject_total(const tby_record_set *set);
/** The rejection at `index` (line, field, reason), borrowed; NULL when out of range. */
TBY_API const tby_error *tby_record_set_reject(const tby_record_set *set, size_t index);

/** Printable name of a sex ("m", "f", "" for unknown); never NULL. */
TBY_API const char *tby_sex_name(tby_sex sex);

#ifdef __cplusplus
}
#endif
#endif
