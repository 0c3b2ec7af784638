// SPDX-License-Identifier: Apache-2.0
// Imports: a session holds one write transaction from begin to commit, so an import lands
// whole with its audit entry or not at all (also when the process dies half-way: SQLite's
// journal undoes an uncommitted transaction on the next open).
//
//   begin  -> write transaction, import row (registry) or new version (list)
//   source -> file name, size, BLAKE2b, SHA-256
//   add    -> canonical JSON, content hash, identity hash -> upsert (registry) / entry (list)
//   commit -> strict and rejected? roll back. Counts (a list: diff against the version
//             before) -> audit entry -> counts written -> commit
//
// The file functions at the end feed a session from the readers of src/io, one table entry
// per list format.
#include <jansson.h>
#include <string.h>

#include "io/io_int.h"
#include "store/store_int.h"

struct tby_store_import {
    tby_store *store;               /* the store whose transaction this is */
    bool is_list;                   /* a list version, else a registry import */
    bool is_strict;                 /* see tby_store_import_options.strict */
    char *actor;                    /* copies of the options' strings */
    char *default_site;             /* ... NULL when none */
    char *list_name;                /* list imports */
    char *format;                   /* ... */
    int64_t import_id;              /* registry: the import's id */
    tby_store__version_ref version; /* list: the version being written */
    int source_count;               /* sources recorded */
    json_t *sources;                /* the sources as a JSON array, for the audit entry */
    tby_buf json;                   /* scratch: the record's canonical JSON */
    tby_buf identity;               /* scratch: its identity form */
    tby_store_import_stats stats;   /* counts so far */
    tby_error first_reject;         /* code 0 until a row is rejected */
    tby_io__id_set ids;             /* registry: the ids added so far, to refuse a second one */
};

/* ===== Sessions ===== */

static char *dup_or_null(const char *s, bool *is_oom)
{
    if (!s)
        return NULL;
    char *copy = tby__strndup(s, strlen(s));
    if (!copy)
        *is_oom = true;
    return copy;
}

static void import_free(tby_store_import *import)
{
    if (!import)
        return;
    if (import->store && import->store->import == import)
        import->store->import = NULL;
    tby__free(import->actor);
    tby__free(import->default_site);
    tby__free(import->list_name);
    tby__free(import->format);
    json_decref(import->sources);
    tby__buf_dispose(&import->json);
    tby__buf_dispose(&import->identity);
    tby_io__id_set_dispose(&import->ids);
    tby__free(import);
}

static int import_new(tby_store_import **out, tby_store *store,
                      const tby_store_import_options *opts, bool is_list, const char *list_name,
                      const char *format, tby_error *err)
{
    *out = NULL;
    if (!opts || opts->version != TBY_STORE_IMPORT_OPTIONS_VERSION)
        return tby__error(err, TBY_EINVALID, -1, "import options missing or of another version");
    if (!opts->actor || !opts->actor[0])
        return tby__error(err, TBY_EINVALID, -1, "an import needs an actor (who imports)");
    if (is_list && (!list_name || !list_name[0]))
        return tby__error(err, TBY_EINVALID, -1, "a list import needs the list's name");
    if (is_list && (!format || !format[0]))
        return tby__error(err, TBY_EINVALID, -1, "a list import needs the format's name");
    if (store->is_in_write)
        return tby__error(err, TBY_EINVALID, -1, "a transaction is already open");
    tby_store_import *import = tby__calloc(1, sizeof(*import));
    if (!import)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    bool is_oom = false;
    import->store = store;
    import->is_list = is_list;
    import->is_strict = opts->strict;
    import->actor = dup_or_null(opts->actor, &is_oom);
    import->default_site = opts->default_site && opts->default_site[0]
                               ? dup_or_null(opts->default_site, &is_oom)
                               : NULL;
    import->list_name = dup_or_null(list_name, &is_oom);
    import->format = dup_or_null(format, &is_oom);
    import->sources = json_array();
    tby__buf_init(&import->json, 0);
    tby__buf_init(&import->identity, 0);
    tby_error_clear(&import->first_reject);
    tby_io__id_set_init(&import->ids);
    if (is_oom || !import->sources) {
        import_free(import);
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    }
    *out = import;
    return TBY_OK;
}

int tby_store_registry_import_begin(tby_store *store, const tby_store_import_options *opts,
                                    tby_store_import **out, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && out != NULL);
    tby_store_import *import;
    int rc = import_new(&import, store, opts, false, NULL, NULL, err);
    if (rc)
        return rc;
    if ((rc = tby_store__begin_write(store, err))) {
        import_free(import);
        return rc;
    }
    char at[TBY_STORE__TIME_LEN];
    tby_store__now(at);
    rc =
        store->backend->registry_import_create(store->conn, at, import->actor, import->default_site,
                                               import->is_strict, &import->import_id, err);
    if (rc) {
        tby_store__rollback(store);
        import_free(import);
        return rc;
    }
    import->stats.import_id = import->import_id;
    store->import = import;
    *out = import;
    return TBY_OK;
}

int tby_store_list_import_begin(tby_store *store, const char *list_name, const char *format,
                                const tby_store_import_options *opts, tby_store_import **out,
                                tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && out != NULL);
    tby_store_import *import;
    int rc = import_new(&import, store, opts, true, list_name, format, err);
    if (rc)
        return rc;
    if ((rc = tby_store__begin_write(store, err))) {
        import_free(import);
        return rc;
    }
    char at[TBY_STORE__TIME_LEN];
    tby_store__now(at);
    rc = store->backend->list_version_create(store->conn, list_name, format, at, import->actor,
                                             import->is_strict, &import->version, err);
    if (rc) {
        tby_store__rollback(store);
        import_free(import);
        return rc;
    }
    import->stats.version = import->version.number;
    store->import = import;
    *out = import;
    return TBY_OK;
}

void tby_store_import_abort(tby_store_import *import)
{
    if (!import)
        return;
    tby_store__rollback(import->store);
    import_free(import);
}

int tby_store_import_source(tby_store_import *import, const char *path, tby_error *err)
{
    TBY_ASSERT_ARG(import != NULL && path != NULL);
    tby_store__source source;
    int rc = tby_store__hash_file(&source, path, err);
    if (rc)
        return rc;
    tby_store *store = import->store;
    int position = ++import->source_count;
    if (import->is_list)
        rc = store->backend->list_version_source(store->conn, import->version.version_id, position,
                                                 &source, err);
    else
        rc = store->backend->registry_import_source(store->conn, import->import_id, position,
                                                    &source, err);
    if (rc)
        return rc;
    char blake2b[TBY_STORE_HASH_HEX_LEN], sha256[TBY_STORE_HASH_HEX_LEN];
    json_t *item = json_pack("{s:s, s:I, s:s, s:s}", "file", path, "size", (json_int_t)source.size,
                             "blake2b", tby_store_hash_hex(blake2b, source.blake2b), "sha256",
                             tby_store_hash_hex(sha256, source.sha256));
    if (!item || json_array_append_new(import->sources, item))
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    return TBY_OK;
}

void tby_store_import_reject(tby_store_import *import, const tby_error *error)
{
    if (!import)
        return;
    import->stats.rejected++;
    if (!import->first_reject.code && error) {
        import->first_reject = *error;
        if (!import->first_reject.code)
            import->first_reject.code = TBY_EINVALID;
    }
}

void tby_store_import_dropped(tby_store_import *import, size_t count)
{
    if (import)
        import->stats.dropped += count;
}

/* Serialises the record twice (full and identity form) and hashes both. */
static int import_hash(tby_store_import *import, const tby_record *record,
                       uint8_t content[TBY_STORE_HASH_LEN], uint8_t identity[TBY_STORE_HASH_LEN],
                       tby_error *err)
{
    tby__buf_clear(&import->json);
    tby__buf_clear(&import->identity);
    int rc = tby_io__record_json(&import->json, record, 0, err);
    if (!rc)
        rc = tby_io__record_json(&import->identity, record, TBY_RECORD_JSON_IDENTITY, err);
    if (rc)
        return rc;
    tby_store__hash(content, import->json.ptr, import->json.len);
    tby_store__hash(identity, import->identity.ptr, import->identity.len);
    return TBY_OK;
}

static int registry_add(tby_store_import *import, const tby_record *record, tby_error *err)
{
    tby_store *store = import->store;
    tby_record copy = *record;
    if ((!copy.site || !copy.site[0]) && import->default_site)
        copy.site = import->default_site;
    uint8_t content[TBY_STORE_HASH_LEN], identity[TBY_STORE_HASH_LEN];
    int rc = import_hash(import, &copy, content, identity, err);
    if (rc)
        return rc;
    /* The readers refuse a second row with the same id in a file; a caller of the session
       API gets the same guarantee here. */
    rc = tby_io__id_set_add(&import->ids, copy.id, strlen(copy.id), record->line, NULL);
    if (rc == TBY_EEXISTS)
        return tby__error(err, rc, -1, "record %s is twice in this import", copy.id);
    if (rc)
        return tby__error(err, rc, -1, "out of memory");
    tby_store__registry_found found;
    if ((rc = store->backend->registry_lookup(store->conn, copy.id, &found, err)))
        return rc;
    if (found.is_found && !memcmp(found.content_hash, content, TBY_STORE_HASH_LEN)) {
        import->stats.unchanged++;
        import->stats.records++;
        return TBY_OK;
    }
    tby_store__registry_row row = {
        copy.id,
        copy.site && copy.site[0] ? copy.site : NULL,
        import->json.ptr,
        import->json.len,
        content,
        identity,
        import->import_id,
        found.is_found && memcmp(found.identity_hash, identity, TBY_STORE_HASH_LEN)};
    if ((rc = store->backend->registry_put(store->conn, &row, found.is_found, err)))
        return rc;
    if (found.is_found)
        import->stats.changed++;
    else
        import->stats.added++;
    import->stats.records++;
    return TBY_OK;
}

static int list_add(tby_store_import *import, const tby_record *record, tby_error *err)
{
    tby_store *store = import->store;
    uint8_t content[TBY_STORE_HASH_LEN], identity[TBY_STORE_HASH_LEN];
    int rc = import_hash(import, record, content, identity, err);
    if (rc)
        return rc;
    rc = store->backend->list_entry_put(store->conn, import->version.version_id, record->id,
                                        import->json.ptr, import->json.len, content, identity, err);
    if (rc == TBY_EEXISTS)
        return tby__error(err, rc, -1, "entry %s is twice in this import", record->id);
    if (rc)
        return rc;
    import->stats.records++;
    return TBY_OK;
}

int tby_store_import_add(tby_store_import *import, const tby_record *record, tby_error *err)
{
    TBY_ASSERT_ARG(import != NULL && record != NULL);
    tby_store__crash_point();
    return import->is_list ? list_add(import, record, err) : registry_add(import, record, err);
}

/* ===== Commit ===== */

static int count_row(const tby_store__list_row *row, void *payload)
{
    tby_store_import_stats *stats = payload;
    if (!row->new_json)
        stats->removed++;
    else if (!row->old_content)
        stats->added++;
    else if (memcmp(row->old_content, row->new_content, TBY_STORE_HASH_LEN))
        stats->changed++;
    else
        stats->unchanged++;
    return TBY_OK;
}

/* The audit entry's detail: what was imported from where, and what it changed. */
static char *import_detail(const tby_store_import *import)
{
    const tby_store_import_stats *s = &import->stats;
    json_t *detail = json_object();
    if (!detail)
        return NULL;
    int bad = 0;
    if (import->is_list) {
        bad |= json_object_set_new(detail, "list", json_string(import->list_name));
        bad |= json_object_set_new(detail, "version", json_integer(s->version));
        bad |= json_object_set_new(detail, "format", json_string(import->format));
    } else {
        bad |= json_object_set_new(detail, "import", json_integer(s->import_id));
        if (import->default_site)
            bad |= json_object_set_new(detail, "default_site", json_string(import->default_site));
    }
    bad |= json_object_set(detail, "files", import->sources);
    bad |= json_object_set_new(detail, "strict", json_boolean(import->is_strict));
    bad |= json_object_set_new(detail, import->is_list ? "entries" : "records",
                               json_integer((json_int_t)s->records));
    bad |= json_object_set_new(detail, "added", json_integer((json_int_t)s->added));
    if (import->is_list)
        bad |= json_object_set_new(detail, "removed", json_integer((json_int_t)s->removed));
    bad |= json_object_set_new(detail, "changed", json_integer((json_int_t)s->changed));
    bad |= json_object_set_new(detail, "unchanged", json_integer((json_int_t)s->unchanged));
    bad |= json_object_set_new(detail, "rejected", json_integer((json_int_t)s->rejected));
    bad |= json_object_set_new(detail, "dropped", json_integer((json_int_t)s->dropped));
    char *text = bad ? NULL : tby_store__json_text(detail);
    json_decref(detail);
    return text;
}

static int import_finish(tby_store_import *import, tby_error *err)
{
    tby_store *store = import->store;
    tby_store_import_stats *s = &import->stats;
    int rc;
    if (import->is_strict && s->rejected) {
        const tby_error *first = &import->first_reject;
        return tby__error(err, TBY_EINVALID, -1,
                          "strict import: %zu row(s) rejected, nothing stored (first: line %lld: "
                          "%s%s%s)",
                          s->rejected, (long long)first->line, first->field,
                          first->field[0] ? ": " : "", first->message);
    }
    if (import->is_list) {
        if (!s->records)
            return tby__error(err, TBY_EINVALID, -1,
                              "list %s: the import holds no entry, nothing stored",
                              import->list_name);
        rc = store->backend->list_rows(store->conn, import->version.prev_version_id,
                                       import->version.version_id, false, true, count_row, s, err);
        if (rc)
            return rc;
    }
    char *detail = import_detail(import);
    if (!detail)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    char object[256];
    if (import->is_list)
        snprintf(object, sizeof(object), "list:%s@%lld", import->list_name, (long long)s->version);
    else
        snprintf(object, sizeof(object), "registry");
    rc = tby_store__audit_append(store, import->actor,
                                 import->is_list ? "list.import" : "registry.import", object,
                                 detail, &s->audit_seq, err);
    tby__free(detail);
    if (rc)
        return rc;
    if (import->is_list) {
        tby_store__version_counts counts = {s->records,   s->added,    s->removed,  s->changed,
                                            s->unchanged, s->rejected, s->audit_seq};
        rc = store->backend->list_version_finish(store->conn, import->version.version_id, &counts,
                                                 err);
    } else {
        rc = store->backend->registry_import_finish(store->conn, import->import_id, s, err);
    }
    return rc;
}

int tby_store_import_commit(tby_store_import *import, tby_store_import_stats *stats, tby_error *err)
{
    TBY_ASSERT_ARG(import != NULL);
    tby_store *store = import->store;
    int rc = import_finish(import, err);
    if (!rc)
        rc = tby_store__commit(store, err);
    else
        tby_store__rollback(store);
    if (stats) {
        tby_list_stats lists = stats->lists;
        *stats = import->stats;
        stats->lists = lists;
    }
    import_free(import);
    return rc;
}

/* ===== From files ===== */

typedef struct feeder {
    tby_store_import *import;      /* the session records go to */
    tby_reject_cb user_on_reject;  /* the caller's callbacks */
    void *user_reject_payload;     /* ... */
    tby_reject_cb user_on_dropped; /* ... */
    void *user_dropped_payload;    /* ... */
    tby_error error;               /* why feeder_on_record stopped the read */
} feeder;

static int feeder_on_record(const tby_record *record, void *payload)
{
    feeder *f = payload;
    return tby_store_import_add(f->import, record, &f->error);
}

static int feeder_on_reject(const char *source_name, const tby_error *error, void *payload)
{
    feeder *f = payload;
    tby_store_import_reject(f->import, error);
    return f->user_on_reject ? f->user_on_reject(source_name, error, f->user_reject_payload)
                             : TBY_OK;
}

static int feeder_on_dropped(const char *source_name, const tby_error *error, void *payload)
{
    feeder *f = payload;
    tby_store_import_dropped(f->import, 1);
    return f->user_on_dropped ? f->user_on_dropped(source_name, error, f->user_dropped_payload)
                              : TBY_OK;
}

/* Reads `paths` into the session through one of the readers below. */
typedef int (*list_reader_fn)(const char *const *paths, size_t path_count,
                              const tby_reader_options *opts, tby_record_cb on_record,
                              void *payload, tby_list_stats *stats, tby_error *err);

static int read_record_file(const char *const *paths, size_t path_count,
                            const tby_reader_options *opts, tby_record_cb on_record, void *payload,
                            tby_list_stats *stats, tby_error *err)
{
    (void)path_count;
    (void)stats;
    return tby_record_read_file(paths[0], opts, on_record, payload, NULL, err);
}

static int read_un_xml(const char *const *paths, size_t path_count, const tby_reader_options *opts,
                       tby_record_cb on_record, void *payload, tby_list_stats *stats,
                       tby_error *err)
{
    (void)path_count;
    return tby_un_xml_read_file(paths[0], opts, on_record, payload, stats, err);
}

static int read_ofac(const char *const *paths, size_t path_count, const tby_reader_options *opts,
                     tby_record_cb on_record, void *payload, tby_list_stats *stats, tby_error *err)
{
    return tby_ofac_read_files(paths[0], paths[1], path_count > 2 ? paths[2] : NULL, opts,
                               on_record, payload, stats, err);
}

typedef struct list_reader {
    tby_list_format format;
    const char *name;         /* as on the command line */
    tby_record_format record; /* the record reader's format, for csv and jsonl */
    size_t min_files, max_files;
    list_reader_fn read; /* reads the files into a session */
} list_reader;

static const list_reader list_readers[] = {
    {TBY_LIST_FORMAT_CSV, "csv", TBY_FORMAT_CSV, 1, 1, read_record_file},
    {TBY_LIST_FORMAT_JSONL, "jsonl", TBY_FORMAT_JSONL, 1, 1, read_record_file},
    {TBY_LIST_FORMAT_UN_XML, "un-xml", TBY_FORMAT_AUTO, 1, 1, read_un_xml},
    {TBY_LIST_FORMAT_OFAC, "ofac", TBY_FORMAT_AUTO, 2, 3, read_ofac},
};

static const list_reader *list_reader_find(tby_list_format format)
{
    for (size_t i = 0; i < sizeof(list_readers) / sizeof(list_readers[0]); i++) {
        if (list_readers[i].format == format)
            return &list_readers[i];
    }
    return NULL;
}

int tby_list_format_parse(tby_list_format *out, const char *name)
{
    TBY_ASSERT_ARG(out != NULL);
    for (size_t i = 0; name && i < sizeof(list_readers) / sizeof(list_readers[0]); i++) {
        if (!strcmp(list_readers[i].name, name)) {
            *out = list_readers[i].format;
            return TBY_OK;
        }
    }
    return TBY_EINVALID;
}

const char *tby_list_format_name(tby_list_format format)
{
    const list_reader *reader = list_reader_find(format);
    return reader ? reader->name : "";
}

/* Runs one reader over the files into an open session, then commits or aborts it. */
static int import_run(tby_store_import *import, const list_reader *reader, const char *const *paths,
                      size_t path_count, const tby_store_import_options *opts,
                      tby_store_import_stats *stats, tby_error *err)
{
    int rc = TBY_OK;
    for (size_t i = 0; i < path_count && !rc; i++)
        rc = tby_store_import_source(import, paths[i], err);
    if (rc) {
        tby_store_import_abort(import);
        return rc;
    }
    feeder f;
    memset(&f, 0, sizeof(f));
    tby_error_clear(&f.error);
    f.import = import;
    f.user_on_reject = opts->on_reject;
    f.user_reject_payload = opts->reject_payload;
    f.user_on_dropped = opts->on_dropped;
    f.user_dropped_payload = opts->dropped_payload;

    tby_reader_options read_opts = TBY_READER_OPTIONS_INIT;
    read_opts.format = reader->record;
    read_opts.strict = opts->strict;
    /* As in `screen`: outside strict mode an unreadable value (an impossible date) is left
       out and reported, and the rest of the record is kept. */
    read_opts.drop_bad_values = !opts->strict;
    read_opts.on_reject = feeder_on_reject;
    read_opts.reject_payload = &f;
    read_opts.on_dropped = feeder_on_dropped;
    read_opts.dropped_payload = &f;

    tby_list_stats list_stats;
    memset(&list_stats, 0, sizeof(list_stats));
    rc = reader->read(paths, path_count, &read_opts, feeder_on_record, &f, &list_stats, err);
    if (stats)
        stats->lists = list_stats;
    if (rc) {
        if (f.error.code && err)
            *err = f.error;
        tby_store_import_abort(import);
        return rc;
    }
    return tby_store_import_commit(import, stats, err);
}

int tby_store_registry_import_file(tby_store *store, const char *path,
                                   const tby_store_import_options *opts,
                                   tby_store_import_stats *stats, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && path != NULL);
    if (stats)
        memset(stats, 0, sizeof(*stats));
    tby_store_import *import;
    int rc = tby_store_registry_import_begin(store, opts, &import, err);
    if (rc)
        return rc;
    static const list_reader registry_reader = {0, "registry", TBY_FORMAT_AUTO,
                                                1, 1,          read_record_file};
    return import_run(import, &registry_reader, &path, 1, opts, stats, err);
}

int tby_store_list_import_files(tby_store *store, const char *list_name, tby_list_format format,
                                const char *const *paths, size_t path_count,
                                const tby_store_import_options *opts, tby_store_import_stats *stats,
                                tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && (paths != NULL || path_count == 0));
    if (stats)
        memset(stats, 0, sizeof(*stats));
    const list_reader *reader = list_reader_find(format);
    if (!reader)
        return tby__error(err, TBY_EINVALID, -1, "unknown list format %d", (int)format);
    if (path_count < reader->min_files || path_count > reader->max_files) {
        if (reader->min_files == reader->max_files)
            return tby__error(err, TBY_EINVALID, -1, "format %s takes %zu file, not %zu",
                              reader->name, reader->min_files, path_count);
        return tby__error(err, TBY_EINVALID, -1, "format %s takes %zu to %zu files, not %zu",
                          reader->name, reader->min_files, reader->max_files, path_count);
    }
    tby_store_import *import;
    int rc = tby_store_list_import_begin(store, list_name, reader->name, opts, &import, err);
    if (rc)
        return rc;
    return import_run(import, reader, paths, path_count, opts, stats, err);
}
