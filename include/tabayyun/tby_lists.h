/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Watchlists in the formats they are published in: the UN Security Council consolidated list
 * (XML) and the OFAC SDN files (sdn.csv, alt.csv, add.csv). Each reader turns every listed
 * individual into one tby_record (docs/record-format.md) and streams it through a callback,
 * like tby_record_read_file: the record is borrowed for the duration of the call.
 *
 * Entries that are not individuals (entities, vessels, aircraft) are skipped and counted.
 * An individual that cannot be read is rejected through opts->on_reject with the file, the
 * line (or XML element) and the field; a value inside an individual that cannot be read (a
 * birth date such as "Circa 19xx") is reported through opts->on_dropped when
 * opts->drop_bad_values is set, and rejects the individual otherwise. In strict mode the first
 * rejection ends the read and is returned, as in tby_record_read_file.
 *
 * Thread-safety: the readers share no state.
 */
#ifndef TBY_LISTS_H
#define TBY_LISTS_H

#include <stddef.h>

#include "tby_common.h"
#include "tby_io.h"
#include "tby_record.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a list import read: the figures an operator checks against the source. */
typedef struct tby_list_stats {
    size_t individuals;      /* individuals delivered to on_record */
    size_t skipped;          /* entries that are not individuals */
    size_t rejected;         /* individuals rejected (reported through on_reject) */
    size_t names;            /* primary names delivered (one per individual) */
    size_t original_scripts; /* names in the original script (UN NAME_ORIGINAL_SCRIPT) */
    size_t aliases;          /* good-quality aliases (UN "Good", OFAC strong a.k.a.) */
    size_t weak_aliases;     /* low-quality aliases (UN "Low", OFAC weak a.k.a.) */
    size_t birth_dates;      /* birth dates read, of every kind */
    size_t dates_dropped;    /* birth dates that could not be read */
    size_t places;           /* birth places read */
    size_t nationalities;    /* nationalities read */
    size_t documents;        /* identity documents read */
    size_t lines;            /* physical lines (CSV) or elements (XML) read */
} tby_list_stats;

/**
 * Reads the UN Security Council consolidated list XML. Each INDIVIDUAL becomes a record whose
 * id is its REFERENCE_NUMBER (DATAID when that is missing); FIRST_NAME .. FOURTH_NAME joined
 * by spaces give the name (NAME_ORIGINAL_SCRIPT when they are empty; given, father ... stay
 * NULL, since the list does not say which part is which), NAME_ORIGINAL_SCRIPT the first
 * alias, INDIVIDUAL_ALIAS entries aliases ("Good", "a.k.a." or no quality) or weak aliases
 * ("Low", "Very Low"). INDIVIDUAL_DATE_OF_BIRTH gives every kind of date: EXACT DATE
 * (1963-04-11), EXACT YEAR (1971), APPROXIMATELY (~1957), BETWEEN FROM_YEAR/TO_YEAR
 * (1975..1979), and a NOTE "August 1961" alone (1961-08). The first INDIVIDUAL_PLACE_OF_BIRTH
 * (CITY, STATE_PROVINCE, COUNTRY) is the birth place, NATIONALITY values the nationalities as
 * written, INDIVIDUAL_DOCUMENT the documents ("passport", "national_id", or the type
 * lower-cased with '_', and the number normalised), GENDER the sex; LISTED_ON, TITLE,
 * DESIGNATION, further birth places, values left out and COMMENTS1 make the note (at most
 * 1 KiB). Values are trimmed with inner runs of blanks made one space; an alias written in
 * two scripts ("حسن غول (Hassan Ghul; Hassan Gul)") becomes one alias per name; duplicates
 * within an entry are kept once. ENTITY elements are counted in stats->skipped.
 *
 * The record's line is the INDIVIDUAL's start tag; a rejection or dropped value names the
 * element's line and its element name as the field ("INDIVIDUAL_DATE_OF_BIRTH"), and its
 * message starts with the entry's id. Rejected: no id, a duplicate id, no name, a value over
 * opts->max_field_bytes, an entity reference in a value; a birth date, GENDER or document
 * number that cannot be read is a bad value (see drop_bad_values; the list has a few, so an
 * import of the real list wants drop_bad_values). stats->dates_dropped counts the birth dates
 * left out of delivered records, stats->lines the XML elements read. opts->format,
 * ignore_unknown_columns and max_record_bytes do not apply.
 *
 * XML that is not well formed ends the read with TBY_EINVALID, the line in err->line and
 * "<file> is not well-formed XML: line L, column C: <libxml2's reason>"; records delivered
 * before that are void, as in strict mode. libxml2 streams the document (xmlTextReader, one
 * INDIVIDUAL in memory at a time), never touches the network, never loads an external DTD or
 * entity, never substitutes an entity into a value, and keeps its size limits (an entity
 * bomb is refused); its allocations go through libxml2's allocator, not tby_set_allocator.
 *
 * @param stats optional; receives the counters (also after a failure: what was read so far).
 * @return 0, TBY_ENOTFOUND, TBY_EIO, TBY_EINVALID for XML that is not well formed or not the
 *         consolidated list, TBY_ENOMEM, the first rejection's code in strict mode, or the
 *         non-zero value a callback returned.
 */
TBY_API int tby_un_xml_read_file(const char *path, const tby_reader_options *opts,
                                 tby_record_cb on_record, void *payload, tby_list_stats *stats,
                                 tby_error *err);

/** Like tby_un_xml_read_file, from `len` bytes at `data`. */
TBY_API int tby_un_xml_read_buffer(const char *data, size_t len, const tby_reader_options *opts,
                                   tby_record_cb on_record, void *payload, tby_list_stats *stats,
                                   tby_error *err);

/**
 * Reads OFAC's SDN files (no header row, Latin-1 or UTF-8, "-0-" for empty): sdn.csv with the
 * primary records, alt.csv with the aliases, and optionally add.csv with the addresses. Each
 * individual (SDN_Type "individual") becomes a record whose id is its ent_num; names written
 * "LAST, First" are kept in that form (the name parser reads it). Birth dates, places,
 * nationalities, identity documents and weak a.k.a. names are read from the remarks.
 *
 * Mapping: SDN_Name -> name, Title -> note; alt.csv names (a.k.a., f.k.a., n.k.a.) -> aliases,
 * or weak_aliases when alt_remarks call them weak or low quality; in Remarks, "DOB" (12 Mar
 * 1964, Mar 1964, 1964, circa 1964, 1960 to 1962; a range of days becomes a range of years,
 * or one year or month when it stays inside it) -> birth_dates, the first "POB" ->
 * birth_place (the record holds one), "nationality" and "citizen" -> nationalities as
 * written, "Gender" -> sex, "a.k.a. 'NAME'" -> weak_aliases, "Passport", "National ID No."
 * and other identity numbers -> documents ("passport", "national_id", "tax_id" ...). Text in
 * parentheses that spans several remarks describes another document and is skipped.
 * add.csv is checked (columns, a known ent_num) but puts nothing into the records: an
 * address country is not a nationality.
 *
 * A file is read as UTF-8 when it starts with a byte order mark or is valid UTF-8, else as
 * Latin-1 (bytes 0x80..0x9F as Windows-1252). All files are read before the first record is
 * delivered. Rejections name their file (as source_name: the path, or opts->source_name for
 * sdn.csv) and count in stats->rejected: unreadable individuals, and rows of any of the
 * files that cannot be read, repeat an ent_num, or (alt.csv, add.csv) name an ent_num that
 * is not in sdn.csv. alt.csv and add.csv rows of entries that are not individuals are
 * ignored.
 *
 * @param alt_path required (an empty file is fine).
 * @param add_path may be NULL.
 * @return as tby_un_xml_read_file; TBY_EINVALID also when the first row of a file has the
 *         wrong number of columns (a later row with the wrong count is rejected).
 */
TBY_API int tby_ofac_read_files(const char *sdn_path, const char *alt_path, const char *add_path,
                                const tby_reader_options *opts, tby_record_cb on_record,
                                void *payload, tby_list_stats *stats, tby_error *err);

#ifdef __cplusplus
}
#endif
#endif
