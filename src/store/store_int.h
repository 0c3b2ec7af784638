/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interface of src/store: the backend interface that a database implements (SQLite
 * in sqlite.c; PostgreSQL later), the tby_store handle, and the helpers the store's modules
 * share. Every SQL statement and every database call lives in a backend file; the modules
 * above it (store.c, audit.c, registry.c, lists.c, import.c) hold the logic: hashing, the
 * audit chain, diffs, counting, and they are what a second backend reuses unchanged.
 *
 *   tby_store_* (public)  ->  store.c audit.c registry.c lists.c import.c  ->  backend ops
 *                                                                              (sqlite.c)
 */
#ifndef TBY_STORE_INT_H
#define TBY_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tabayyun/tby_store.h"
#include "util/util_int.h"

/* ===== Backend interface ===== */

/* A backend's connection; each backend defines the struct. */
typedef struct tby_store__conn tby_store__conn;

/* A source file of an import as the backend stores it. */
typedef struct tby_store__source {
    const char *file_name;
    int64_t size;
    uint8_t blake2b[TBY_STORE_HASH_LEN];
    uint8_t sha256[TBY_STORE_HASH_LEN];
} tby_store__source;

/* One registry record to write. */
typedef struct tby_store__registry_row {
    const char *record_id;
    const char *site; /* NULL: none */
    const char *json;
    size_t json_len;
    const uint8_t *content_hash;
    const uint8_t *identity_hash;
    int64_t import_id;        /* the import writing it */
    bool is_identity_changed; /* an update whose identifying data differ */
} tby_store__registry_row;

/* What registry_lookup finds about a stored record. */
typedef struct tby_store__registry_found {
    bool is_found;                             /* false: the id is not stored */
    uint8_t content_hash[TBY_STORE_HASH_LEN];  /* when found */
    uint8_t identity_hash[TBY_STORE_HASH_LEN]; /* when found */
    int64_t changed_by_import;                 /* the import that last wrote it */
} tby_store__registry_found;

/* One registry record read back. Borrowed for the duration of the callback. */
typedef struct tby_store__registry_read {
    const char *json;
    size_t json_len;
    const uint8_t *content_hash;
    const uint8_t *identity_hash;
    int64_t added_by_import;    /* the import that added it */
    int64_t changed_by_import;  /* the import that last wrote its content */
    int64_t identity_by_import; /* the import that last wrote its identifying data */
} tby_store__registry_read;

typedef int (*tby_store__registry_cb)(const tby_store__registry_read *row, void *payload);

/* A list version's counts, written when its import commits. */
typedef struct tby_store__version_counts {
    size_t entries, added, removed, changed, unchanged, rejected;
    int64_t audit_seq;
} tby_store__version_counts;

/* Where a version of a list is: the ids the backend uses for it and its predecessor. */
typedef struct tby_store__version_ref {
    int64_t list_id;         /* the list's id */
    int64_t version_id;      /* the version's id; 0 for "no version" */
    int64_t number;          /* its number; 0 for "no version" */
    int64_t prev_version_id; /* the version numbered number - 1, 0 when none */
    size_t entries;          /* list_find: the version's entry count */
} tby_store__version_ref;

/*
 * One row of a comparison of two list versions (see list_rows). Strings and hashes are
 * borrowed for the duration of the callback; the `new_` side is NULL for an entry only in the
 * older version, the `old_` side NULL for one only in the newer. old_json is set for an entry
 * only in the older version, and for one on both sides whose content differs.
 */
typedef struct tby_store__list_row {
    const char *entry_id;
    const char *new_json;
    size_t new_json_len;
    const uint8_t *new_content;
    const uint8_t *new_identity;
    const char *old_json;
    size_t old_json_len;
    const uint8_t *old_content;
    const uint8_t *old_identity;
} tby_store__list_row;

typedef int (*tby_store__list_row_cb)(const tby_store__list_row *row, void *payload);

/* A version as listed by list_versions_scan (sources filled by the backend). */
typedef int (*tby_store__version_cb)(const tby_list_version *version, void *payload);

/* A screening run's row (runs.c). Strings borrowed. */
typedef struct tby_store__run_row {
    int64_t list_id;
    int64_t list_version;
    int64_t model_id; /* 0: not yet (a new model, stored on commit) */
    const char *engine_version;
    double threshold;
    bool is_full;
    const char *reason; /* NULL: none */
    int64_t base_run_id;
    int64_t registry_mark;
    const char *at; /* started (insert) or finished (finish) */
    const char *actor;
    size_t records, records_whole, pairs_scored;
    size_t alerts_new, alerts_kept, alerts_superseded, alerts_suppressed;
    int64_t audit_seq;
} tby_store__run_row;

/* A stored alert as a run's commit compares it (alerts_current). Borrowed. */
typedef struct tby_store__current {
    int64_t id;
    const char *record_id;
    const char *entry_id;
    double score;
    const char *grade;
    const uint8_t *record_identity;
    const uint8_t *entry_identity;
} tby_store__current;

typedef int (*tby_store__current_cb)(const tby_store__current *row, void *payload);

/* An alert to insert. */
typedef struct tby_store__alert_row {
    int64_t run_id;
    int64_t list_id;
    int64_t list_version;
    const tby_store_found *found;
    const char *engine_version;
    double threshold;
    const char *status; /* "open" or "suppressed" */
    const char *at;
} tby_store__alert_row;

/* What a decision needs to know about its alert (alert_find). Strings are copied. */
typedef struct tby_store__alert_state {
    bool is_found;
    int64_t list_id;
    char status[32];
    char list[256];
    char *record_id; /* tby__malloc'd; free with tby__free */
    char *entry_id;  /* ... */
    uint8_t record_identity[TBY_STORE_HASH_LEN];
    uint8_t entry_identity[TBY_STORE_HASH_LEN];
} tby_store__alert_state;

/* A decision to insert, and the clearance a clear makes (reference NULL otherwise). */
typedef struct tby_store__decision_row {
    int64_t alert_id;
    const char *action;
    const char *status_before;
    const char *status_after;
    const char *actor;
    const char *reason; /* NULL: none */
    const char *at;
    int64_t audit_seq;
    const tby_store__alert_state *alert; /* clear: the pair cleared */
    const char *reference;               /* clear: the redress reference */
} tby_store__decision_row;

/* One decision read back (decisions_scan); strings borrowed. */
typedef struct tby_store__decision_read {
    int64_t id;
    const char *action;
    const char *status_before;
    const char *status_after;
    const char *actor;
    const char *reason;
    const char *at;
    const char *reference; /* NULL unless a clearance */
    int64_t audit_seq;
} tby_store__decision_read;

typedef int (*tby_store__decision_cb)(const tby_store__decision_read *row, void *payload);

/* One alert read back (alerts_scan): the public struct, with its status as text. */
typedef int (*tby_store__alert_cb)(const tby_store_alert *alert, const char *status, void *payload);

/* Which alerts alerts_scan and alert_counts select, every condition in the SQL. */
typedef struct tby_store__alert_query {
    int64_t alert_id;          /* non-zero: that alert only; the rest is ignored */
    int64_t list_id;           /* 0: every list */
    const char *statuses_json; /* a JSON array of status names (alert_counts) ... */
    const char *statuses[8];   /* ... and the names one by one (alerts_scan) */
    size_t status_count;       /* ... */
    const char *grade;         /* NULL: either */
    const char *site;          /* NULL: any site (or none) */
    const char *sites_json;    /* NULL: any; else a JSON array of site names: alerts of records
                                  of these sites only (records without a site left out) */
    const char *created_from;  /* NULL: no bound; else created_at >= it (ISO 8601 text) */
    const char *created_to;    /* NULL: no bound; else created_at < it */
    int64_t after_id;          /* ids above it only (alerts_scan) */
    int64_t limit;             /* most rows (alerts_scan); 0: no limit */
} tby_store__alert_query;

/*
 * The operations a backend implements. All return 0 or a negative tby_error_code, with err
 * filled (TBY_EIO and the database's message for database errors). Write operations are
 * only called inside a write transaction (begin_write); reads inside a transaction of either
 * kind. A backend never calls back into the store.
 */
typedef struct tby_store__backend {
    const char *name; /* "sqlite" */

    /* Connection. `create` allows creating the database; TBY_ENOTFOUND otherwise. */
    int (*open)(tby_store__conn **out, const char *target, bool create, int busy_timeout_ms,
                tby_error *err);
    void (*close)(tby_store__conn *conn);

    /* Transactions: write ones take the database's write lock at once. */
    int (*begin_write)(tby_store__conn *conn, tby_error *err);
    int (*begin_read)(tby_store__conn *conn, tby_error *err);
    int (*commit)(tby_store__conn *conn, tby_error *err);
    void (*rollback)(tby_store__conn *conn);

    /* Schema: the migrations are the backend's own, in its dialect. */
    int migration_count;
    int (*schema_version)(tby_store__conn *conn, int *out, tby_error *err);
    int (*migrate_step)(tby_store__conn *conn, int step, tby_error *err); /* 1-based */

    /* Audit log. */
    int (*audit_last)(tby_store__conn *conn, int64_t *seq_out, uint8_t hash_out[32],
                      tby_error *err); /* seq 0 and zero hash when empty */
    int (*audit_insert)(tby_store__conn *conn, const tby_audit_entry *entry, tby_error *err);
    int (*audit_scan)(tby_store__conn *conn, int64_t from_seq, tby_audit_cb cb, void *payload,
                      tby_error *err);

    /* Registry. */
    int (*registry_import_create)(tby_store__conn *conn, const char *at, const char *actor,
                                  const char *default_site, bool strict, int64_t *id_out,
                                  tby_error *err);
    int (*registry_import_source)(tby_store__conn *conn, int64_t import_id, int position,
                                  const tby_store__source *source, tby_error *err);
    int (*registry_import_finish)(tby_store__conn *conn, int64_t import_id,
                                  const tby_store_import_stats *stats, tby_error *err);
    /* Finds a stored record: *found false when the id is not stored. */
    int (*registry_lookup)(tby_store__conn *conn, const char *record_id,
                           tby_store__registry_found *out, tby_error *err);
    /* Inserts a new record, or (is_update) moves the stored one to the history and
       replaces it. */
    int (*registry_put)(tby_store__conn *conn, const tby_store__registry_row *row, bool is_update,
                        tby_error *err);
    int (*registry_scan)(tby_store__conn *conn, const char *site, int64_t since_import,
                         tby_store__registry_cb cb, void *payload, tby_error *err);

    /* Lists. */
    /* Finds a list's version `number` (0: the latest): TBY_ENOTFOUND when the list or the
       version does not exist. */
    int (*list_find)(tby_store__conn *conn, const char *list_name, int64_t number,
                     tby_store__version_ref *out, tby_error *err);
    /* Creates the list when new, and its next version with zero counts. */
    int (*list_version_create)(tby_store__conn *conn, const char *list_name, const char *format,
                               const char *at, const char *actor, bool strict,
                               tby_store__version_ref *out, tby_error *err);
    int (*list_version_source)(tby_store__conn *conn, int64_t version_id, int position,
                               const tby_store__source *source, tby_error *err);
    /* Stores an entry; TBY_EEXISTS when the version already has this entry id. */
    int (*list_entry_put)(tby_store__conn *conn, int64_t version_id, const char *entry_id,
                          const char *json, size_t json_len, const uint8_t *content_hash,
                          const uint8_t *identity_hash, tby_error *err);
    int (*list_version_finish)(tby_store__conn *conn, int64_t version_id,
                               const tby_store__version_counts *counts, tby_error *err);
    /* Compares version to_id with from_id (0: none), calling cb for the entries of to_id in
       order of entry id, then, when with_removed, for the entries only in from_id. When
       only_different, unchanged entries are skipped. */
    int (*list_rows)(tby_store__conn *conn, int64_t from_id, int64_t to_id, bool only_different,
                     bool with_removed, tby_store__list_row_cb cb, void *payload, tby_error *err);
    int (*list_versions_scan)(tby_store__conn *conn, const char *list_name,
                              tby_store__version_cb cb, void *payload, tby_error *err);

    /* Screening runs and models (migration 2). */
    int (*model_insert)(tby_store__conn *conn, int64_t list_id, int64_t list_version,
                        const char *engine_version, const unsigned char *data, size_t len,
                        const uint8_t *hash, const char *at, const char *actor, int64_t *id_out,
                        tby_error *err);
    /* The model's blob, copied with tby__malloc; TBY_ENOTFOUND when there is none. */
    int (*model_get)(tby_store__conn *conn, int64_t model_id, unsigned char **out, size_t *len,
                     tby_error *err);
    int (*run_insert)(tby_store__conn *conn, const tby_store__run_row *row, int64_t *id_out,
                      tby_error *err);
    /* Marks a running run complete with its counts; TBY_ENOTFOUND when it is not running. */
    int (*run_finish)(tby_store__conn *conn, int64_t run_id, const tby_store__run_row *row,
                      tby_error *err);
    void (*run_abandon)(tby_store__conn *conn, int64_t run_id);
    /* The list's last complete run; out->id 0 when none. */
    int (*run_last)(tby_store__conn *conn, int64_t list_id, tby_store_run_info *out,
                    tby_error *err);
    /* The list's standing alerts (not superseded), in order of record id then entry id. */
    int (*alerts_current)(tby_store__conn *conn, int64_t list_id, tby_store__current_cb cb,
                          void *payload, tby_error *err);
    /* alerts_current for these records only (distinct, in order of id): a range read each. */
    int (*alerts_current_records)(tby_store__conn *conn, int64_t list_id,
                                  const char *const *record_ids, size_t count,
                                  tby_store__current_cb cb, void *payload, tby_error *err);
    /* ... and for these entries only (distinct, in order of id): id, record and entry only
       (score 0, grade and hashes NULL), from the index. */
    int (*alerts_current_entries)(tby_store__conn *conn, int64_t list_id,
                                  const char *const *entry_ids, size_t count,
                                  tby_store__current_cb cb, void *payload, tby_error *err);
    int (*alert_supersede)(tby_store__conn *conn, int64_t alert_id, int64_t run_id, const char *at,
                           tby_error *err);
    /* Supersedes the list's standing alerts whose record is no longer in the registry. */
    int (*alerts_supersede_unregistered)(tby_store__conn *conn, int64_t list_id, int64_t run_id,
                                         const char *at, size_t *count_out, tby_error *err);
    /* The same, looking only at the records noted as deleted from the registry (the same
       alerts as long as every deletion was noted: see the schema's migration 5). */
    int (*alerts_supersede_removed)(tby_store__conn *conn, int64_t list_id, int64_t run_id,
                                    const char *at, size_t *count_out, tby_error *err);
    int (*alert_insert)(tby_store__conn *conn, const tby_store__alert_row *row, tby_error *err);
    /* Whether an active clearance names the pair with these identity hashes. */
    int (*clearance_applies)(tby_store__conn *conn, int64_t list_id, const char *record_id,
                             const char *entry_id, const uint8_t *record_identity,
                             const uint8_t *entry_identity, bool *out, tby_error *err);
    /* The alerts the query selects, in order of id. */
    int (*alerts_scan)(tby_store__conn *conn, const tby_store__alert_query *query,
                       tby_store__alert_cb cb, void *payload, tby_error *err);

    /* Decisions and clearances. */
    int (*alert_find)(tby_store__conn *conn, int64_t alert_id, tby_store__alert_state *out,
                      tby_error *err);
    int (*alert_set_status)(tby_store__conn *conn, int64_t alert_id, const char *status,
                            const char *at, tby_error *err);
    /* Who moved the alert to pending_confirmation last ("" when nobody did). */
    int (*alert_first_confirmer)(tby_store__conn *conn, int64_t alert_id, char *out, size_t size,
                                 tby_error *err);
    /* Inserts the decision and, with row->reference, its clearance; TBY_EEXISTS when the
       reference is taken. */
    int (*decision_insert)(tby_store__conn *conn, const tby_store__decision_row *row,
                           int64_t *id_out, tby_error *err);
    int (*decisions_scan)(tby_store__conn *conn, int64_t alert_id, tby_store__decision_cb cb,
                          void *payload, tby_error *err);
    /* The clearance's pair's standing alert's status: *is_found false for no such reference,
       status "" when the pair has no standing alert. */
    int (*redress_find)(tby_store__conn *conn, const char *reference, bool *is_found, char *status,
                        size_t size, tby_error *err);
    /* Clearances with ids above after_id (clearance_id non-zero: that one only), in order
       of id; active_only skips revoked ones. */
    int (*clearances_scan)(tby_store__conn *conn, int64_t after_id, int64_t clearance_id,
                           bool active_only, tby_store_clearance_cb cb, void *payload,
                           tby_error *err);
    /* Marks an active clearance revoked (TBY_EINVALID when it is not active) and puts the
       pair's cleared or suppressed standing alert back to open (*reopened_out of them). */
    int (*clearance_revoke)(tby_store__conn *conn, int64_t clearance_id, const char *record_id,
                            const char *entry_id, const char *at, size_t *reopened_out,
                            tby_error *err);
    /* How many alerts the query selects (after_id and limit ignored) by site (NULL: none),
       grade and status; cb's status is the text. */
    int (*alert_counts)(tby_store__conn *conn, const tby_store__alert_query *query,
                        int (*cb)(const char *site, const char *grade, const char *status,
                                  int64_t count, void *payload),
                        void *payload, tby_error *err);

    /* WAL housekeeping: a passive checkpoint (outside any transaction), and the WAL size in
       pages past which a commit checkpoints by itself. */
    int (*checkpoint)(tby_store__conn *conn, int64_t *wal_pages, int64_t *moved_pages,
                      tby_error *err);
    void (*autocheckpoint)(tby_store__conn *conn, int pages);
} tby_store__backend;

extern const tby_store__backend tby_store__sqlite;

/* ===== The handle ===== */

struct tby_store {
    const tby_store__backend *backend; /* its operations */
    tby_store__conn *conn;             /* the backend's connection */
    int schema_found;                  /* version before tby_store_open migrated */
    bool is_in_write;                  /* a write transaction is open */
    bool is_user_tx;                   /* ... and tby_store_begin opened it */
    tby_store_import *import;          /* the import session holding the transaction */
    char *path;                        /* as given to tby_store_open */
};

/* ===== Shared helpers ===== */

/* Writes the current UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 characters and a NUL). */
#define TBY_STORE__TIME_LEN 32
void tby_store__now(char out[TBY_STORE__TIME_LEN]);

/* BLAKE2b-256 of data[0..len). */
void tby_store__hash(uint8_t out[TBY_STORE_HASH_LEN], const void *data, size_t len);

/* Opens a write transaction for the store's own use (imports, audit entries). */
int tby_store__begin_write(tby_store *store, tby_error *err);
int tby_store__commit(tby_store *store, tby_error *err);
void tby_store__rollback(tby_store *store);

/*
 * Opens a read transaction (one snapshot for several queries) unless a write transaction is
 * open already; *is_mine says whether tby_store__read_end must close it.
 */
int tby_store__read_begin(tby_store *store, bool *is_mine, tby_error *err);
void tby_store__read_end(tby_store *store, bool is_mine);

/* Appends an audit entry inside the open write transaction. */
int tby_store__audit_append(tby_store *store, const char *actor, const char *action,
                            const char *object, const char *detail_json, int64_t *seq_out,
                            tby_error *err);

/* Computes an audit entry's hash from its fields and prev_hash (docs/internals/store.md). */
void tby_store__audit_hash(uint8_t out[TBY_STORE_HASH_LEN], const tby_audit_entry *entry);

/* Hashes a file: size, BLAKE2b-256, SHA-256. 0, TBY_ENOTFOUND, TBY_EIO. */
int tby_store__hash_file(tby_store__source *out, const char *path, tby_error *err);

/*
 * Parses stored canonical JSON records back into tby_records, a batch at a time, through the
 * JSON Lines reader: add each row's JSON, and flush (or the adds themselves, when the batch is
 * full) calls on_record with each record in the order added, and the caller's token for it.
 */
typedef int (*tby_store__decode_cb)(const tby_record *record, size_t token, void *payload);
typedef struct tby_store__decoder {
    tby_buf text;            /* JSON lines of the batch */
    size_t count;            /* records in the batch */
    size_t *tokens;          /* the caller's token of each */
    size_t token_cap;        /* slots in tokens */
    size_t delivered;        /* records of the batch delivered so far */
    tby_store__decode_cb cb; /* where records go */
    void *payload;           /* passed to cb */
    tby_error error;         /* why a callback stopped */
} tby_store__decoder;

void tby_store__decoder_init(tby_store__decoder *dec, tby_store__decode_cb cb, void *payload);
int tby_store__decoder_add(tby_store__decoder *dec, const char *json, size_t len, size_t token,
                           tby_error *err);
int tby_store__decoder_flush(tby_store__decoder *dec, tby_error *err);
void tby_store__decoder_dispose(tby_store__decoder *dec);

/* A JSON value as compact text in key order; free with tby__free. NULL when out of memory. */
struct json_t;
char *tby_store__json_text(const struct json_t *value);

/*
 * The keys whose values differ between two canonical JSON records, in the record format's
 * order, written into fields (at most TBY_STORE__FIELDS_MAX). Returns the count, or a
 * negative code (TBY_EINVALID for JSON that is not an object, TBY_ENOMEM).
 */
#define TBY_STORE__FIELDS_MAX 32
int tby_store__json_diff(const char *old_json, size_t old_len, const char *new_json, size_t new_len,
                         const char **fields);

/*
 * Test hook for the crash test: when tby_store__crash_countdown is positive, every
 * crash point decrements it and the one that brings it to zero kills the process with
 * SIGKILL. Points sit at every record of an import and around commit.
 */
extern long tby_store__crash_countdown;
void tby_store__crash_point_slow(void);
static inline void tby_store__crash_point(void)
{
    if (tby_store__crash_countdown > 0)
        tby_store__crash_point_slow();
}

#endif
