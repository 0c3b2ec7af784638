/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Durable state: the registry of screened people, watchlists kept version by version with
 * their differences, and a hash-chained audit log of everything that changed them. One
 * opaque tby_store over one database (SQLite by default; the interface hides the backend).
 *
 *   tby_store *store = NULL;
 *   tby_store_options opts = TBY_STORE_OPTIONS_INIT;
 *   opts.flags = TBY_STORE_CREATE;
 *   rc = tby_store_open(&store, "tabayyun.db", &opts, &err);
 *   tby_store_import_options imp = TBY_STORE_IMPORT_OPTIONS_INIT;
 *   imp.actor = "cli:amal";
 *   rc = tby_store_registry_import_file(store, "registry.csv", &imp, &stats, &err);
 *   tby_store_close(store);
 *
 * Every change is one transaction: an import either lands whole, with its audit entry, or not
 * at all, also when the process is killed half-way. docs/internals/store.md describes the
 * schema, the migrations and the audit chain.
 *
 * Thread-safety: one tby_store per thread. Several processes may open the same database;
 * writers wait for each other up to the busy timeout.
 */
#ifndef TBY_STORE_H
#define TBY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tby_common.h"
#include "tby_io.h"
#include "tby_lists.h"
#include "tby_record.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of the hashes the store keeps (BLAKE2b-256, libsodium's crypto_generichash). */
#define TBY_STORE_HASH_LEN 32
/** Bytes of a hash written as lower-case hex, including the NUL. */
#define TBY_STORE_HASH_HEX_LEN 65

typedef struct tby_store tby_store;

/* ===== Opening ===== */

/** tby_store_options.flags: create the database when the file does not exist. */
#define TBY_STORE_CREATE 1u
/**
 * tby_store_options.flags: commits leave WAL checkpoints to tby_store_checkpoint, called by
 * someone else (a server's housekeeping thread), instead of running one in the commit that
 * crosses SQLite's threshold of 1000 pages. A commit still checkpoints once the WAL holds
 * TBY_STORE_WAL_LIMIT_PAGES pages, so the WAL stays bounded when nobody calls it.
 */
#define TBY_STORE_BACKGROUND_CHECKPOINT 2u
/** Pages (4 KiB) of WAL past which a commit checkpoints even with the flag above. */
#define TBY_STORE_WAL_LIMIT_PAGES 16384

#define TBY_STORE_OPTIONS_VERSION 1

typedef struct tby_store_options {
    unsigned int version; /* TBY_STORE_OPTIONS_VERSION */
    unsigned int flags;   /* TBY_STORE_CREATE, TBY_STORE_BACKGROUND_CHECKPOINT or 0 */
    const char *actor;    /* who opens it, written in the audit entry of a creation or a
                             migration; NULL: "tabayyun" */
    int busy_timeout_ms;  /* how long a writer waits for another; 0: 5000 */
} tby_store_options;

#define TBY_STORE_OPTIONS_INIT                                                                     \
    {                                                                                              \
        TBY_STORE_OPTIONS_VERSION, 0, NULL, 0                                                      \
    }

/**
 * Opens (or with TBY_STORE_CREATE creates) the database at `path` and brings its schema up to
 * date: the pending migrations run in one transaction with an audit entry ("db.create" or
 * "db.migrate"), so a database is either at its old version or at the new one.
 *
 * @param out  receives the store; free it with tby_store_close. NULL on error.
 * @param opts NULL for the defaults (no TBY_STORE_CREATE).
 * @return 0; TBY_ENOTFOUND when the file does not exist and TBY_STORE_CREATE is not set;
 *         TBY_EINVALID when the file is not a tabayyun database or was written by a newer
 *         tabayyun (its schema version is above tby_store_schema_latest()); TBY_EIO for any
 *         other database error, with SQLite's message in err.
 */
TBY_API int tby_store_open(tby_store **out, const char *path, const tby_store_options *opts,
                           tby_error *err);

/** Closes the store, rolling back a transaction left open. Accepts NULL. */
TBY_API void tby_store_close(tby_store *store);

/** The path the store was opened with (for a second connection from another thread). */
TBY_API const char *tby_store_path(const tby_store *store);

/** The schema version this code writes (the number of migrations it knows). */
TBY_API int tby_store_schema_latest(void);

/** The schema version the database had before tby_store_open migrated it (0 for a new one). */
TBY_API int tby_store_schema_found(const tby_store *store);

/* ===== Transactions ===== */

/**
 * Starts a write transaction that later calls join (imports, audit entries), for a caller that
 * makes several changes that must land together. Transactions do not nest.
 * @return 0, TBY_EINVALID when one is already open, TBY_EIO (another writer held the
 *         database past the busy timeout, a disk error).
 */
TBY_API int tby_store_begin(tby_store *store, tby_error *err);

/** Commits the transaction tby_store_begin started. 0, TBY_EINVALID (none open), TBY_EIO. */
TBY_API int tby_store_commit(tby_store *store, tby_error *err);

/** Rolls back the transaction tby_store_begin started; nothing when none is open. */
TBY_API void tby_store_rollback(tby_store *store);

/* ===== Audit log ===== */

/**
 * One entry of the audit log. Strings are borrowed for the duration of a callback.
 * hash = BLAKE2b-256(prev_hash || canonical encoding of seq, at, actor, action, object,
 * detail); docs/internals/store.md gives the encoding.
 */
typedef struct tby_audit_entry {
    int64_t seq;                           /* 1, 2, 3 ... without gaps */
    const char *at;                        /* UTC, "2025-01-31T12:00:00.123Z" */
    const char *actor;                     /* who: "cli:amal", a user name */
    const char *action;                    /* what: "registry.import", "list.import" ... */
    const char *object;                    /* on what: "registry", "list:UN@3" ... */
    const char *detail;                    /* a JSON object: counts, reason, files */
    uint8_t prev_hash[TBY_STORE_HASH_LEN]; /* hash of entry seq - 1; zeros for seq 1 */
    uint8_t hash[TBY_STORE_HASH_LEN];      /* this entry's hash */
} tby_audit_entry;

/**
 * Appends an audit entry. Inside a transaction (tby_store_begin, or an import session) the
 * entry is part of it and lands or vanishes with the change it records; otherwise it is
 * written in a transaction of its own.
 *
 * @param actor, action, object  non-empty UTF-8.
 * @param detail_json a JSON object as text (stored and hashed as given); NULL for "{}".
 * @param seq_out optional; receives the entry's sequence number.
 * @return 0, TBY_EINVALID (an empty field, detail that is not a JSON object), TBY_EIO.
 */
TBY_API int tby_store_audit_append(tby_store *store, const char *actor, const char *action,
                                   const char *object, const char *detail_json, int64_t *seq_out,
                                   tby_error *err);

/** Called with each audit entry in order; return non-zero to stop (returned by the caller). */
typedef int (*tby_audit_cb)(const tby_audit_entry *entry, void *payload);

/** Calls `cb` for each entry with seq >= from_seq, in order of seq. 0, TBY_EIO or cb's value. */
TBY_API int tby_store_audit_foreach(tby_store *store, int64_t from_seq, tby_audit_cb cb,
                                    void *payload, tby_error *err);

/** What tby_store_audit_verify found. */
typedef struct tby_audit_report {
    size_t entries;                        /* entries read */
    int64_t head_seq;                      /* last entry's seq (0 for an empty log) */
    uint8_t head_hash[TBY_STORE_HASH_LEN]; /* last entry's stored hash */
    int64_t bad_seq;                       /* 0 when the chain holds, else the first bad seq */
    char reason[192];                      /* why bad_seq is bad; "" when the chain holds */
} tby_audit_report;

/**
 * Recomputes the chain from the first entry: each seq must follow the previous one, each
 * prev_hash must equal the previous entry's hash, and each hash must match its fields. Names
 * the first entry that fails (an edited, inserted, deleted or reordered entry). A log cut
 * short at its end still verifies: compare head_seq and head_hash with a copy kept elsewhere.
 *
 * @return 0 when the chain holds, TBY_EINVALID when it does not (report->bad_seq and reason
 *         say where and why, and so does err), TBY_EIO.
 */
TBY_API int tby_store_audit_verify(tby_store *store, tby_audit_report *report, tby_error *err);

/** Writes a hash as lower-case hex into out (TBY_STORE_HASH_HEX_LEN bytes); returns out. */
TBY_API char *tby_store_hash_hex(char out[TBY_STORE_HASH_HEX_LEN],
                                 const uint8_t hash[TBY_STORE_HASH_LEN]);

/* ===== Imports ===== */

#define TBY_STORE_IMPORT_OPTIONS_VERSION 1

typedef struct tby_store_import_options {
    unsigned int version;     /* TBY_STORE_IMPORT_OPTIONS_VERSION */
    const char *actor;        /* who imports: required, written in the audit entry */
    const char *default_site; /* registry: the site of records that name none; NULL: none */
    bool strict;              /* any rejected row fails the whole import, which stores
                                 nothing; otherwise valid rows are stored and rejected ones
                                 counted (and reported through on_reject) */
    tby_reject_cb on_reject;  /* the *_file functions: each rejected row; may be NULL */
    void *reject_payload;     /* passed to on_reject */
    tby_reject_cb on_dropped; /* the *_file functions, not strict: values left out of a
                                 record that is still stored (an impossible date); may be NULL */
    void *dropped_payload;    /* passed to on_dropped */
} tby_store_import_options;

#define TBY_STORE_IMPORT_OPTIONS_INIT                                                              \
    {                                                                                              \
        TBY_STORE_IMPORT_OPTIONS_VERSION, NULL, NULL, false, NULL, NULL, NULL, NULL                \
    }

/** What an import did. */
typedef struct tby_store_import_stats {
    size_t records;       /* valid records stored (registry) or entries in the version (list) */
    size_t rejected;      /* rows rejected */
    size_t dropped;       /* values left out of stored records */
    size_t added;         /* registry: new ids; list: entries not in the previous version */
    size_t changed;       /* content differs from the stored record / previous version */
    size_t unchanged;     /* same content */
    size_t removed;       /* list: entries of the previous version missing from this one */
    int64_t version;      /* list: the version number created (1, 2 ...) */
    int64_t import_id;    /* registry: the import's number, see tby_store_registry_foreach */
    int64_t audit_seq;    /* the audit entry that records the import */
    tby_list_stats lists; /* un-xml and ofac: what the reader counted */
} tby_store_import_stats;

/**
 * An import in progress: one open write transaction that records are added to. Commit stores
 * everything with an audit entry; abort (or an error, or a killed process) stores nothing.
 */
typedef struct tby_store_import tby_store_import;

/**
 * Starts a registry import. Records are upserted by id: a new id is added, a known id whose
 * content differs is replaced (the old content goes to the registry's history), the same
 * content is left alone. Ids absent from the import stay as they are.
 * @return 0, TBY_EINVALID (no actor, a transaction already open), TBY_EIO.
 */
TBY_API int tby_store_registry_import_begin(tby_store *store, const tby_store_import_options *opts,
                                            tby_store_import **out, tby_error *err);

/**
 * Starts the import of a new version of a list (created on its first import). Every import
 * makes a version holding all its entries, also when nothing changed, so that the log shows
 * when the list was last checked against its source.
 * @param list_name non-empty; @param format what the entries were read from ("csv",
 *        "jsonl", "un-xml", "ofac", or a name of the caller's), kept with the version.
 */
TBY_API int tby_store_list_import_begin(tby_store *store, const char *list_name, const char *format,
                                        const tby_store_import_options *opts,
                                        tby_store_import **out, tby_error *err);

/**
 * Records a source file of the import: its name, size, BLAKE2b-256 and SHA-256 (read now).
 * @return 0, TBY_ENOTFOUND, TBY_EIO, TBY_ENOMEM.
 */
TBY_API int tby_store_import_source(tby_store_import *import, const char *path, tby_error *err);

/**
 * Adds one record (borrowed; copied as needed). Registry imports give a record without a
 * site the default site.
 * @return 0; TBY_EEXISTS when the id was already added to this import; TBY_EINVALID or
 *         TBY_EUTF8 for a record that cannot be stored (see tby_record_to_json); TBY_EIO.
 *         The import stays usable after an error: commit or abort it.
 */
TBY_API int tby_store_import_add(tby_store_import *import, const tby_record *record,
                                 tby_error *err);

/** Counts a row the caller's reader rejected; a strict import then fails on commit. */
TBY_API void tby_store_import_reject(tby_store_import *import, const tby_error *error);

/** Counts values the caller's reader left out of records (stats->dropped). */
TBY_API void tby_store_import_dropped(tby_store_import *import, size_t count);

/**
 * Computes the counts, appends the audit entry and commits. Frees the import in every case.
 * @return 0; TBY_EINVALID for a strict import with a rejected row, or a list import with no
 *         entry (nothing is stored); TBY_EIO.
 */
TBY_API int tby_store_import_commit(tby_store_import *import, tby_store_import_stats *stats,
                                    tby_error *err);

/** Rolls the import back and frees it. Accepts NULL. */
TBY_API void tby_store_import_abort(tby_store_import *import);

/**
 * Imports a registry file (CSV or JSON Lines in the record format, told apart as
 * tby_record_read_file does) in one transaction: a session of the calls above. Outside strict
 * mode a value that cannot be read is left out of its record (opts->on_dropped) and the
 * record is stored.
 * @param stats optional. @return as the reader and tby_store_import_commit.
 */
TBY_API int tby_store_registry_import_file(tby_store *store, const char *path,
                                           const tby_store_import_options *opts,
                                           tby_store_import_stats *stats, tby_error *err);

/** The formats a list can be imported from. */
typedef enum tby_list_format {
    TBY_LIST_FORMAT_CSV = 1, /* record format, one file */
    TBY_LIST_FORMAT_JSONL,   /* record format, one file */
    TBY_LIST_FORMAT_UN_XML,  /* UN Security Council consolidated list, one file */
    TBY_LIST_FORMAT_OFAC     /* OFAC sdn.csv, alt.csv and optionally add.csv, in that order */
} tby_list_format;

/** Reads "csv", "jsonl", "un-xml" or "ofac". 0 or TBY_EINVALID. */
TBY_API int tby_list_format_parse(tby_list_format *out, const char *name);

/** "csv", "jsonl", "un-xml", "ofac"; "" for anything else. */
TBY_API const char *tby_list_format_name(tby_list_format format);

/**
 * Imports a list's files as its next version, in one transaction.
 * @param paths one file, or for TBY_LIST_FORMAT_OFAC two or three (sdn, alt, add).
 * @return 0; TBY_EINVALID (wrong number of files, a rejected row in strict mode, no entry,
 *         a file that is not in the format); TBY_ENOTFOUND (a missing file); as the reader and
 *         tby_store_import_commit otherwise.
 */
TBY_API int tby_store_list_import_files(tby_store *store, const char *list_name,
                                        tby_list_format format, const char *const *paths,
                                        size_t path_count, const tby_store_import_options *opts,
                                        tby_store_import_stats *stats, tby_error *err);

/* ===== Reading back ===== */

/** How an entry differs from the one with the same id in an earlier version. */
typedef enum tby_store_change {
    TBY_STORE_UNCHANGED = 0,
    TBY_STORE_ADDED,   /* no entry with this id before */
    TBY_STORE_CHANGED, /* content differs */
    TBY_STORE_REMOVED  /* gone (diffs only) */
} tby_store_change;

/** Printable name of a change ("added", "changed" ...); never NULL. */
TBY_API const char *tby_store_change_name(tby_store_change change);

/** One stored record, borrowed for the duration of a callback. */
typedef struct tby_store_entry {
    const tby_record *record;     /* the record (line is 0) */
    const char *json;             /* its canonical JSON (tby_record_to_json) */
    const uint8_t *content_hash;  /* TBY_STORE_HASH_LEN bytes over every field */
    const uint8_t *identity_hash; /* TBY_STORE_HASH_LEN bytes over the identifying fields */
    tby_store_change change;      /* lists: against the version before; registry: added
                                     when the import that last wrote it added it, else
                                     changed */
    bool is_identity_changed;     /* TBY_STORE_CHANGED with different identifying data (not
                                     only site or note) */
    int64_t import_id;            /* registry: the import that last wrote its content */
    int64_t identity_import_id;   /* registry: the import that added it or last changed its
                                     identifying data (what delta screening keys on); lists: 0 */
} tby_store_entry;

/** Return non-zero to stop; the value is returned by the function that called back. */
typedef int (*tby_store_entry_cb)(const tby_store_entry *entry, void *payload);

/** tby_store_list_foreach select: which entries of a version. */
#define TBY_STORE_SELECT_ALL     0u /* every entry */
#define TBY_STORE_SELECT_ADDED   1u /* added since the version before */
#define TBY_STORE_SELECT_CHANGED 2u /* content changed since the version before */
#define TBY_STORE_SELECT_IDENTITY_CHANGED                                                          \
    4u /* identifying data changed since the version before (a subset of CHANGED) */

/**
 * Calls `cb` with the entries of version `version` of a list (0: the latest), in order of
 * entry id, each with its change against the version before. `select` 0 gives every entry;
 * otherwise an OR of the TBY_STORE_SELECT_* bits gives the entries with any of those changes
 * (ADDED | IDENTITY_CHANGED is what a delta rescreen needs).
 * @return 0, TBY_ENOTFOUND (no such list or version), TBY_EIO, or cb's value.
 */
TBY_API int tby_store_list_foreach(tby_store *store, const char *list_name, int64_t version,
                                   unsigned select, tby_store_entry_cb cb, void *payload,
                                   tby_error *err);

/** Like tby_store_list_foreach, into a new set (free with tby_record_set_free). */
TBY_API int tby_store_list_load(tby_store *store, const char *list_name, int64_t version,
                                unsigned select, tby_record_set **out, tby_error *err);

/**
 * Calls `cb` with the registry's records in order of id.
 * @param site NULL for every site, else only records of that site.
 * @param since_import 0 for every record, else only records added or changed by that import
 *        or a later one (tby_store_import_stats.import_id): a delta rescreen's input.
 */
TBY_API int tby_store_registry_foreach(tby_store *store, const char *site, int64_t since_import,
                                       tby_store_entry_cb cb, void *payload, tby_error *err);

/** Like tby_store_registry_foreach, into a new set. */
TBY_API int tby_store_registry_load(tby_store *store, const char *site, int64_t since_import,
                                    tby_record_set **out, tby_error *err);

/** One source file of an import. Strings borrowed for the duration of a callback. */
typedef struct tby_store_source {
    const char *file_name; /* as given to the import */
    int64_t size;          /* bytes */
    char blake2b[TBY_STORE_HASH_HEX_LEN];
    char sha256[TBY_STORE_HASH_HEX_LEN];
} tby_store_source;

/** One version of a list, borrowed for the duration of a callback. */
typedef struct tby_list_version {
    const char *list;        /* the list's name */
    int64_t number;          /* 1, 2 ... */
    const char *format;      /* what it was read from */
    const char *imported_at; /* UTC ISO 8601 */
    const char *imported_by; /* the actor */
    size_t entries, added, removed, changed, unchanged, rejected;
    int64_t audit_seq;               /* the audit entry of the import */
    const tby_store_source *sources; /* the files read */
    size_t source_count;
} tby_list_version;

typedef int (*tby_list_version_cb)(const tby_list_version *version, void *payload);

/**
 * Calls `cb` with each version of a list (NULL: of every list), by list name then number.
 * @return 0, TBY_ENOTFOUND (a named list that does not exist), TBY_EIO, or cb's value.
 */
TBY_API int tby_store_list_versions(tby_store *store, const char *list_name, tby_list_version_cb cb,
                                    void *payload, tby_error *err);

/** The latest version of a list. 0, TBY_ENOTFOUND, TBY_EIO. */
TBY_API int tby_store_list_latest(tby_store *store, const char *list_name, int64_t *version_out,
                                  tby_error *err);

/** One difference between two versions of a list, borrowed for the duration of a callback. */
typedef struct tby_list_diff_entry {
    tby_store_change change;   /* ADDED, REMOVED or CHANGED */
    const char *entry_id;      /* the entry's id */
    const char *old_json;      /* the entry in the older version; NULL when ADDED */
    const char *new_json;      /* the entry in the newer version; NULL when REMOVED */
    const char *const *fields; /* CHANGED: the keys that differ, in the record format's
                                  order ("birth_date", "aliases" ...) */
    size_t field_count;
    bool is_identity_changed; /* CHANGED: the identifying data differ */
} tby_list_diff_entry;

typedef int (*tby_list_diff_cb)(const tby_list_diff_entry *entry, void *payload);

/** Counts of a diff. */
typedef struct tby_list_diff_stats {
    size_t added, removed, changed, unchanged;
} tby_list_diff_stats;

/**
 * Compares two versions of a list: entries added, removed and changed, with the fields that
 * changed, in order of entry id (removed entries after the others).
 * @param from the older version; 0 for "nothing" (every entry of `to` is added).
 * @param to   the newer version; 0 for the latest.
 * @param cb   may be NULL to count only.
 * @param stats optional.
 * @return 0, TBY_ENOTFOUND (list or version), TBY_EINVALID (from >= to), TBY_EIO, or cb's
 *         value.
 */
TBY_API int tby_store_list_diff(tby_store *store, const char *list_name, int64_t from, int64_t to,
                                tby_list_diff_cb cb, void *payload, tby_list_diff_stats *stats,
                                tby_error *err);

/** What tby_store_checkpoint did. */
typedef struct tby_store_checkpoint_info {
    int64_t wal_pages;   /* pages in the WAL */
    int64_t moved_pages; /* ... of which now copied into the database (all of them when no
                            reader holds an older snapshot) */
} tby_store_checkpoint_info;

/**
 * Copies what the WAL holds into the database file without waiting for readers or writers
 * (SQLite's passive checkpoint): what a reader still needs stays for a later call. Once every
 * page is copied, the next commit writes the WAL from its start again. Meant for a
 * background thread on a connection of its own.
 * @param out receives the page counts (may be NULL).
 * @return 0 or TBY_EIO.
 */
TBY_API int tby_store_checkpoint(tby_store *store, tby_store_checkpoint_info *out, tby_error *err);

/* ===== Screening runs and alerts ===== */

/*
 * Screening with memory (tby_monitor.h runs it): each run of a list against the registry is
 * stored with the alerts it found, and an alert then lives through reviewers' decisions:
 *
 *   run ──> open ──clear──> cleared (a clearance: the pair is suppressed later, with a
 *            │                        redress reference for the person)
 *            ├──escalate──> escalated ──clear / confirm──> ...
 *            └──confirm──> pending_confirmation ──confirm (another reviewer)──> confirmed
 *   run ──> suppressed  (the pair was cleared with the same identifying data on both sides)
 *   any ──> superseded  (a later run no longer produces it as it was)
 *
 * Nothing deletes an alert, a decision or a clearance; each decision and each run is in the
 * audit log, in the transaction that made it. docs/internals/store.md has the details.
 */

/** Where an alert stands. */
typedef enum tby_alert_status {
    TBY_ALERT_OPEN = 1,             /* waiting for a reviewer (in the review queue) */
    TBY_ALERT_SUPPRESSED,           /* its pair was cleared with the same identifying data on
                                       both sides: kept, not in the queue */
    TBY_ALERT_CLEARED,              /* a reviewer found it is not the listed person */
    TBY_ALERT_ESCALATED,            /* passed on for a closer look (in the queue) */
    TBY_ALERT_PENDING_CONFIRMATION, /* confirmed by one reviewer, waiting for a second one (in
                                       the queue) */
    TBY_ALERT_CONFIRMED,            /* confirmed by two reviewers */
    TBY_ALERT_SUPERSEDED            /* a later run no longer produces it as it is */
} tby_alert_status;

/** A set of statuses for tby_store_alert_filter.statuses. */
#define TBY_ALERT_STATUS_BIT(status) (1u << (unsigned)(status))
/** The review queue: open, escalated and pending_confirmation. */
#define TBY_ALERT_QUEUE                                                                            \
    (TBY_ALERT_STATUS_BIT(TBY_ALERT_OPEN) | TBY_ALERT_STATUS_BIT(TBY_ALERT_ESCALATED) |            \
     TBY_ALERT_STATUS_BIT(TBY_ALERT_PENDING_CONFIRMATION))
/** Every status but superseded: the alerts that stand. */
#define TBY_ALERT_CURRENT                                                                          \
    (TBY_ALERT_QUEUE | TBY_ALERT_STATUS_BIT(TBY_ALERT_SUPPRESSED) |                                \
     TBY_ALERT_STATUS_BIT(TBY_ALERT_CLEARED) | TBY_ALERT_STATUS_BIT(TBY_ALERT_CONFIRMED))
/** Every status. */
#define TBY_ALERT_ALL (TBY_ALERT_CURRENT | TBY_ALERT_STATUS_BIT(TBY_ALERT_SUPERSEDED))

/** "open", "suppressed", "cleared", "escalated", "pending_confirmation", "confirmed",
    "superseded"; "" for anything else. */
TBY_API const char *tby_alert_status_name(tby_alert_status status);

/** Reads a status name. 0 or TBY_EINVALID. */
TBY_API int tby_alert_status_parse(tby_alert_status *out, const char *name);

/** A stored screening run (strings copied in). */
typedef struct tby_store_run_info {
    int64_t id;            /* 0: none */
    int64_t list_version;  /* the version of the list screened */
    int64_t model_id;      /* the pinned model scores were computed with */
    int64_t registry_mark; /* the highest registry import whose records (added, or with
                              identifying data changed) the run screened */
    double threshold;      /* alerts need a score of at least this */
    bool is_full;          /* every record screened (else a delta) */
    char engine_version[32];
    char started_at[32];  /* UTC ISO 8601 */
    char finished_at[32]; /* "" while running */
    size_t records;       /* registry records the run looked at */
    size_t records_whole; /* ... of which screened whole */
    size_t pairs_scored;  /* delta: single pairs scored (changed entries) */
    size_t alerts_new, alerts_kept, alerts_superseded, alerts_suppressed;
    int64_t audit_seq; /* the run's audit entry (0 while running) */
} tby_store_run_info;

/**
 * The last complete run of a list.
 * @param out receives it; out->id is 0 when the list was never screened to the end.
 * @return 0, TBY_ENOTFOUND (no such list), TBY_EIO.
 */
TBY_API int tby_store_run_last(tby_store *store, const char *list_name, tby_store_run_info *out,
                               tby_error *err);

/**
 * Reads a stored model (tby_screener_model_save's blob).
 * @param out receives a copy (free with tby_free); len its size.
 * @return 0, TBY_ENOTFOUND, TBY_EIO, TBY_ENOMEM.
 */
TBY_API int tby_store_model_get(tby_store *store, int64_t model_id, unsigned char **out,
                                size_t *len, tby_error *err);

/** What a run found for one (record, list entry) pair. Strings are copied. */
typedef struct tby_store_found {
    const char *record_id;
    const uint8_t *record_identity; /* TBY_STORE_HASH_LEN bytes: the record's identity hash
                                       as the registry holds it */
    const char *entry_id;
    const uint8_t *entry_identity; /* ... the entry's, as the list version holds it */
    double score;
    const char *grade;            /* "identifier_check" or "probable" */
    const char *matched_name;     /* the list name or alias that matched best */
    const char *explanation_json; /* the explanation as a JSON object */
    const char *explanation_text; /* ... as one line of text */
} tby_store_found;

#define TBY_STORE_RUN_OPTIONS_VERSION 1

typedef struct tby_store_run_options {
    unsigned int version;       /* TBY_STORE_RUN_OPTIONS_VERSION */
    const char *actor;          /* who runs it: required */
    const char *list_name;      /* required */
    int64_t list_version;       /* the version screened */
    int64_t base_run_id;        /* tby_store_run_last's id when the run started (0: none);
                                   the commit refuses when another run of the list completed
                                   meanwhile */
    bool is_full;               /* every registry record screened: the alerts of the list
                                   not found again are superseded */
    const char *reason;         /* why (a full run's cause); may be NULL */
    int64_t model_id;           /* the pinned model used, or 0 with `model`: ... */
    const unsigned char *model; /* ... a new model, stored with the run (copied) */
    size_t model_len;           /* its size */
    int64_t model_list_version; /* the list version a new model was fitted on */
    double threshold;           /* the run's threshold */
    const char *engine_version; /* tby_version() of the engine that scored */
    int64_t registry_mark;      /* see tby_store_run_info */
} tby_store_run_options;

#define TBY_STORE_RUN_OPTIONS_INIT                                                                 \
    {                                                                                              \
        TBY_STORE_RUN_OPTIONS_VERSION, NULL, NULL, 0, 0, false, NULL, 0, NULL, 0, 0, 0.0, NULL, 0  \
    }

/** What a run's commit changed. */
typedef struct tby_store_run_stats {
    int64_t run_id;
    int64_t model_id;
    int64_t audit_seq;
    size_t alerts_new;          /* alerts stored as open */
    size_t alerts_suppressed;   /* ... stored as suppressed (a clearance applies) */
    size_t alerts_kept;         /* found again unchanged: the stored alert stays as it is */
    size_t alerts_superseded;   /* stored alerts no longer found as they were */
    size_t alerts_unregistered; /* ... of which because the record left the registry */
} tby_store_run_stats;

/**
 * A screening run being recorded. Results are gathered in memory and written by
 * tby_store_run_commit in one transaction, so that a reader (or a process killed at any
 * moment) sees the alerts either as before the run or as after it.
 */
typedef struct tby_store_run tby_store_run;

/**
 * Starts a run: writes its row with status "running" (readers ignore it until it is
 * complete) in a transaction of its own.
 * @return 0, TBY_EINVALID (options, a transaction open), TBY_ENOTFOUND (no such list or
 *         model), TBY_EIO, TBY_ENOMEM.
 */
TBY_API int tby_store_run_begin(tby_store *store, const tby_store_run_options *opts,
                                tby_store_run **out, tby_error *err);

/**
 * The record was screened whole: its stored alerts that the run does not find again are
 * superseded. (A full run implies it for every record.) Not thread-safe: one caller at a
 * time. 0 or TBY_ENOMEM.
 */
TBY_API int tby_store_run_whole(tby_store_run *run, const char *record_id, tby_error *err);

/** The pair's stored alert goes unless the run finds the pair again. 0 or TBY_ENOMEM. */
TBY_API int tby_store_run_drop(tby_store_run *run, const char *record_id, const char *entry_id,
                               tby_error *err);

/** An alert the run found. 0, TBY_EINVALID (a field missing), TBY_ENOMEM. */
TBY_API int tby_store_run_found(tby_store_run *run, const tby_store_found *found, tby_error *err);

/** The run's work, kept with it: records looked at, screened whole, pairs scored. */
TBY_API void tby_store_run_counts(tby_store_run *run, size_t records, size_t records_whole,
                                  size_t pairs_scored);

/**
 * Applies the run in one write transaction and frees it (in every case). For each pair found:
 * a stored alert with the same score, grade and identity hashes on both sides stays as it is;
 * otherwise the stored one is superseded and the new one stored, as suppressed when an active
 * clearance names the pair with the same identity hashes, else as open. Stored alerts of
 * records screened whole (all records, in a full run) and of dropped pairs that were not
 * found again are superseded, and so are the alerts of records no longer in the registry.
 * The model (when new), the run's counts, status "complete" and an audit entry
 * ("screen.run") are written with them.
 * @return 0; TBY_EEXISTS when another run of the list completed since this one began (nothing
 *         is written: run again); TBY_EIO.
 */
TBY_API int tby_store_run_commit(tby_store_run *run, tby_store_run_stats *stats, tby_error *err);

/** Abandons a run: nothing of it is stored, its row is marked "abandoned". Accepts NULL. */
TBY_API void tby_store_run_abort(tby_store_run *run);

/** One stored alert, borrowed for the duration of a callback. */
typedef struct tby_store_alert {
    int64_t id;
    int64_t run_id;       /* the run that made it */
    const char *list;     /* the list's name */
    int64_t list_version; /* the version that made it */
    const char *record_id;
    const char *entry_id;
    const uint8_t *record_identity; /* TBY_STORE_HASH_LEN bytes, as when it was made */
    const uint8_t *entry_identity;
    double score;
    const char *grade; /* the engine's: "identifier_check" or "probable" */
    const char *matched_name;
    const char *explanation_json;
    const char *explanation_text;
    const char *engine_version; /* what made it: engine and threshold */
    double threshold;
    tby_alert_status status;
    const char *created_at;
    const char *updated_at; /* when its status last changed */
    const char *site;       /* the site of the record as the registry holds it now; NULL when
                               it has none or left the registry */
} tby_store_alert;

typedef int (*tby_store_alert_cb)(const tby_store_alert *alert, void *payload);

#define TBY_STORE_ALERT_FILTER_VERSION 2

/**
 * Which alerts tby_store_alerts_foreach reads (and tby_store_alert_counts counts). Every
 * condition is applied by the database, with indexes; a page is read by asking for `limit`
 * alerts with ids above the last one seen (`after_id`), which gives each alert at most once
 * however the others change between pages.
 */
typedef struct tby_store_alert_filter {
    unsigned int version;  /* TBY_STORE_ALERT_FILTER_VERSION */
    const char *list_name; /* NULL: every list */
    unsigned int statuses; /* OR of TBY_ALERT_STATUS_BIT; 0: TBY_ALERT_QUEUE */
    int64_t alert_id;      /* non-zero: that alert only, whatever its status (and the
                              fields below are ignored) */
    /* Version 2: */
    const char *site;         /* non-NULL: alerts of records of this site only */
    const char *const *sites; /* non-NULL: alerts of records of one of these site_count
                                 sites only (a user's scope: records without a site and
                                 alerts of records that left the registry are left out) */
    size_t site_count;        /* ... */
    const char *grade;        /* "probable" or "identifier_check"; NULL: either */
    const char *created_from; /* UTC ISO 8601 (a prefix, as "2025-03-01"): alerts created at
                                 or after it; NULL: no bound */
    const char *created_to;   /* ... created before it; NULL: no bound */
    int64_t after_id;         /* alerts with ids above it only (the cursor of a page) */
    size_t limit;             /* most alerts read; 0: every one */
} tby_store_alert_filter;

#define TBY_STORE_ALERT_FILTER_INIT                                                                \
    {                                                                                              \
        TBY_STORE_ALERT_FILTER_VERSION, NULL, 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0, 0          \
    }

/**
 * Calls `cb` with the alerts the filter selects, in order of id, from one snapshot.
 * @param filter NULL: the review queue of every list. A filter of version 1 (the first four
 *        fields) is accepted.
 * @return 0, TBY_ENOTFOUND (a named list that does not exist), TBY_EINVALID, TBY_EIO, or
 *         cb's value.
 */
TBY_API int tby_store_alerts_foreach(tby_store *store, const tby_store_alert_filter *filter,
                                     tby_store_alert_cb cb, void *payload, tby_error *err);

/** One group of tby_store_alert_counts: site NULL for records without one (or that left
    the registry). */
typedef int (*tby_store_alert_count_cb)(const char *site, const char *grade,
                                        tby_alert_status status, int64_t count, void *payload);

/**
 * Counts the alerts the filter selects by site, grade and status, in the database (an
 * aggregate over an index; no alert is read). alert_id, after_id and limit are ignored.
 * @return 0, TBY_ENOTFOUND (a named list that does not exist), TBY_EINVALID, TBY_EIO, or
 *         cb's value.
 */
TBY_API int tby_store_alert_counts(tby_store *store, const tby_store_alert_filter *filter,
                                   tby_store_alert_count_cb cb, void *payload, tby_error *err);

/* ===== Decisions, clearances, redress ===== */

/** What a reviewer does with an alert. */
typedef enum tby_alert_action {
    TBY_ALERT_CLEAR = 1, /* not the listed person: needs a reason; makes a clearance */
    TBY_ALERT_ESCALATE,  /* pass it on for a closer look */
    TBY_ALERT_CONFIRM    /* it is the person: a first reviewer makes it pending_confirmation,
                            a second, different one makes it confirmed */
} tby_alert_action;

/** "clear", "escalate", "confirm"; "" for anything else. */
TBY_API const char *tby_alert_action_name(tby_alert_action action);

/** Bytes of a redress reference ("TBY-7K3Q-9XMD-2FHR") with its NUL. */
#define TBY_REDRESS_REF_LEN 19

/** What a decision did. */
typedef struct tby_alert_decision {
    int64_t decision_id;
    tby_alert_status from;               /* the alert's status before */
    tby_alert_status to;                 /* ... and after */
    char reference[TBY_REDRESS_REF_LEN]; /* clear: the clearance's redress reference; else "" */
    int64_t audit_seq;                   /* the decision's audit entry */
} tby_alert_decision;

/**
 * Records a reviewer's decision on a standing alert (open, escalated or
 * pending_confirmation), with its audit entry, in one transaction. Clearing also stores a
 * clearance of the pair for the identity hashes of both sides, with a new redress reference
 * (random, from libsodium: "TBY-" and three groups of four Crockford base-32 characters).
 *
 * When a transaction of tby_store_begin is open, the decision joins it (and is written with
 * its commit; on an error the caller rolls back); otherwise it has a transaction of its own.
 *
 * @param actor  who decides: required.
 * @param reason why: required to clear, optional (NULL) otherwise.
 * @param out    optional.
 * @return 0; TBY_ENOTFOUND (no such alert); TBY_EINVALID (no reason to clear, an alert that
 *         is not standing or already in that state, a second confirmation by the reviewer who
 *         confirmed first: err says which); TBY_EIO.
 */
TBY_API int tby_store_alert_decide(tby_store *store, int64_t alert_id, tby_alert_action action,
                                   const char *actor, const char *reason, tby_alert_decision *out,
                                   tby_error *err);

/** One decision, borrowed for the duration of a callback. */
typedef struct tby_store_decision {
    int64_t id;
    int64_t alert_id;
    tby_alert_action action;
    tby_alert_status from, to;
    const char *actor;
    const char *reason; /* "" when none was given */
    const char *at;
    const char *reference; /* a clear's redress reference; NULL otherwise */
    int64_t audit_seq;
} tby_store_decision;

typedef int (*tby_store_decision_cb)(const tby_store_decision *decision, void *payload);

/** Calls `cb` with an alert's decisions, oldest first. 0, TBY_EIO, or cb's value. */
TBY_API int tby_store_alert_decisions(tby_store *store, int64_t alert_id, tby_store_decision_cb cb,
                                      void *payload, tby_error *err);

/** What a redress reference tells the person who holds it (and nothing else). */
typedef enum tby_redress_status {
    TBY_REDRESS_UNKNOWN = 0, /* no such reference */
    TBY_REDRESS_CLEARED,     /* the clearance stands: no alert of the pair is being reviewed */
    TBY_REDRESS_UNDER_REVIEW /* the pair alerts again (the data changed) and is not cleared */
} tby_redress_status;

/** "unknown", "cleared", "under review". */
TBY_API const char *tby_redress_status_name(tby_redress_status status);

/**
 * Normalises a redress reference as a person may type it (any case, with or without the
 * "TBY" prefix and the dashes, O for 0, I and L for 1) into its canonical form.
 * @return 0, or TBY_EINVALID when it cannot be a reference.
 */
TBY_API int tby_redress_ref_normalize(char out[TBY_REDRESS_REF_LEN], const char *text);

/**
 * The status of the pair a redress reference was issued for. A reference that reads as one
 * but was never issued gives TBY_REDRESS_UNKNOWN.
 * @return 0, TBY_EINVALID (not the shape of a reference), TBY_EIO.
 */
TBY_API int tby_store_redress_status(tby_store *store, const char *reference,
                                     tby_redress_status *out, tby_error *err);

/** One clearance (a decision to clear made it), borrowed for the duration of a callback. */
typedef struct tby_store_clearance {
    int64_t id;
    const char *list; /* the list's name */
    const char *record_id;
    const char *entry_id;
    const char *site;      /* the record's site as the registry holds it now; NULL: none */
    const char *reason;    /* why the pair was cleared */
    const char *actor;     /* who cleared it */
    const char *at;        /* when (UTC ISO 8601) */
    int64_t alert_id;      /* the alert cleared */
    const char *reference; /* its redress reference */
    bool is_active;        /* false once revoked: runs no longer suppress the pair */
} tby_store_clearance;

typedef int (*tby_store_clearance_cb)(const tby_store_clearance *clearance, void *payload);

/**
 * Calls `cb` with the clearances of ids above `after_id`, in order of id, from one snapshot.
 * @param clearance_id non-zero: that clearance only.
 * @param active_only  skip revoked clearances.
 * @return 0, TBY_EIO, or cb's value.
 */
TBY_API int tby_store_clearances_foreach(tby_store *store, int64_t after_id, int64_t clearance_id,
                                         bool active_only, tby_store_clearance_cb cb, void *payload,
                                         tby_error *err);

/**
 * Revokes a clearance: it stays stored (nothing is deleted) but no longer suppresses its
 * pair in later runs, and the pair's standing alert, when cleared or suppressed, is open
 * again (back in the review queue; its redress reference then reads "under review"). One
 * write transaction with an audit entry "clearance.revoke" (joins a transaction of
 * tby_store_begin, as tby_store_alert_decide does).
 * @param actor  who revokes: required.
 * @param reason why: required.
 * @param reopened_out optional: alerts put back to open (0 or 1).
 * @return 0; TBY_ENOTFOUND (no such clearance); TBY_EINVALID (revoked already, no actor or
 *         reason); TBY_EIO.
 */
TBY_API int tby_store_clearance_revoke(tby_store *store, int64_t clearance_id, const char *actor,
                                       const char *reason, size_t *reopened_out, int64_t *audit_seq,
                                       tby_error *err);

#ifdef __cplusplus
}
#endif
#endif
