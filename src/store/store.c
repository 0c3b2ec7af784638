// SPDX-License-Identifier: Apache-2.0
// The store handle: opening a database through its backend, bringing its schema up to date,
// transactions, and the helpers the other modules share (time, hashes, decoding stored
// records, comparing two stored records field by field).
//
// Opening never takes the write lock unless the schema must change, so a reader can open the
// database while an import holds it:
//
//   open -> schema version (no transaction)
//        == latest: done
//        >  latest: refuse (written by a newer tabayyun)
//        <  latest: write transaction -> read the version again (another process may have
//                   migrated meanwhile) -> each missing step -> audit entry -> commit
#define _POSIX_C_SOURCE 200809L /* clock_gettime, gmtime_r */
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "records/records_int.h"
#include "store/store_int.h"

long tby_store__crash_countdown;

void tby_store__crash_point_slow(void)
{
    if (--tby_store__crash_countdown == 0)
        raise(SIGKILL);
}

/* ===== Helpers ===== */

void tby_store__now(char out[TBY_STORE__TIME_LEN])
{
    struct timespec now;
    struct tm utc;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &utc);
    size_t len = strftime(out, TBY_STORE__TIME_LEN, "%Y-%m-%dT%H:%M:%S", &utc);
    unsigned milliseconds = (unsigned)(now.tv_nsec / 1000000) % 1000u;
    snprintf(out + len, TBY_STORE__TIME_LEN - len, ".%03uZ", milliseconds);
}

void tby_store__hash(uint8_t out[TBY_STORE_HASH_LEN], const void *data, size_t len)
{
    crypto_generichash(out, TBY_STORE_HASH_LEN, data, len, NULL, 0);
}

char *tby_store_hash_hex(char out[TBY_STORE_HASH_HEX_LEN], const uint8_t hash[TBY_STORE_HASH_LEN])
{
    sodium_bin2hex(out, TBY_STORE_HASH_HEX_LEN, hash, TBY_STORE_HASH_LEN);
    return out;
}

int tby_store__hash_file(tby_store__source *out, const char *path, tby_error *err)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return tby__error(err, TBY_ENOTFOUND, -1, "%s: cannot open", path);
    crypto_generichash_state blake2b;
    crypto_hash_sha256_state sha256;
    crypto_generichash_init(&blake2b, NULL, 0, TBY_STORE_HASH_LEN);
    crypto_hash_sha256_init(&sha256);
    unsigned char chunk[64 * 1024];
    size_t got;
    int64_t size = 0;
    while ((got = fread(chunk, 1, sizeof(chunk), file)) > 0) {
        crypto_generichash_update(&blake2b, chunk, got);
        crypto_hash_sha256_update(&sha256, chunk, got);
        size += (int64_t)got;
    }
    int is_error = ferror(file);
    fclose(file);
    if (is_error)
        return tby__error(err, TBY_EIO, size, "%s: read error after %lld bytes", path,
                          (long long)size);
    crypto_generichash_final(&blake2b, out->blake2b, TBY_STORE_HASH_LEN);
    crypto_hash_sha256_final(&sha256, out->sha256);
    out->size = size;
    out->file_name = path;
    return TBY_OK;
}

/* ===== Decoding stored records ===== */

/* Flush a batch at this many records or bytes: big enough to amortise the reader's set-up. */
#define DECODER_BATCH_RECORDS 2048
#define DECODER_BATCH_BYTES   (1024u * 1024u)

void tby_store__decoder_init(tby_store__decoder *dec, tby_store__decode_cb cb, void *payload)
{
    memset(dec, 0, sizeof(*dec));
    tby__buf_init(&dec->text, 0);
    tby_error_clear(&dec->error);
    dec->cb = cb;
    dec->payload = payload;
}

void tby_store__decoder_dispose(tby_store__decoder *dec)
{
    tby__buf_dispose(&dec->text);
    tby__free(dec->tokens);
    dec->tokens = NULL;
}

static int decoder_on_record(const tby_record *record, void *payload)
{
    tby_store__decoder *dec = payload;
    TBY_ASSERT(dec->delivered < dec->count);
    tby_record copy = *record;
    copy.line = 0;
    return dec->cb(&copy, dec->tokens[dec->delivered++], dec->payload);
}

int tby_store__decoder_flush(tby_store__decoder *dec, tby_error *err)
{
    if (!dec->count)
        return TBY_OK;
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.format = TBY_FORMAT_JSONL;
    opts.strict = true;
    opts.source_name = "<store>";
    tby_error read_err;
    tby_error_clear(&read_err);
    dec->delivered = 0;
    int rc = tby_record_read_buffer(dec->text.ptr, dec->text.len, &opts, decoder_on_record, dec,
                                    NULL, &read_err);
    size_t count = dec->count;
    dec->count = 0;
    tby__buf_clear(&dec->text);
    if (rc) {
        /* A callback's own error was reported by the callback; a reader error means the
           stored text no longer reads as a record. */
        if (read_err.code && err)
            tby__error(err, rc, -1, "a stored record does not read back (line %lld of a batch: %s)",
                       (long long)read_err.line, read_err.message);
        return rc;
    }
    if (dec->delivered != count)
        return tby__error(err, TBY_ERROR, -1, "%zu stored records read back as %zu", count,
                          dec->delivered);
    return TBY_OK;
}

int tby_store__decoder_add(tby_store__decoder *dec, const char *json, size_t len, size_t token,
                           tby_error *err)
{
    if (dec->count == dec->token_cap) {
        size_t cap = dec->token_cap ? dec->token_cap * 2 : 64;
        size_t *tokens = tby__realloc(dec->tokens, cap * sizeof(*tokens));
        if (!tokens)
            return tby__error(err, TBY_ENOMEM, -1, "out of memory");
        dec->tokens = tokens;
        dec->token_cap = cap;
    }
    if (tby__buf_put(&dec->text, json, len) || tby__buf_putc(&dec->text, '\n'))
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    dec->tokens[dec->count++] = token;
    if (dec->count >= DECODER_BATCH_RECORDS || dec->text.len >= DECODER_BATCH_BYTES)
        return tby_store__decoder_flush(dec, err);
    return TBY_OK;
}

char *tby_store__json_text(const struct json_t *value)
{
    /* json_dumpb writes into our buffer, so the text comes from our allocator, not
       jansson's. */
    const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
    size_t len = json_dumpb(value, NULL, 0, flags);
    if (!len)
        return NULL;
    char *text = tby__malloc(len + 1);
    if (!text)
        return NULL;
    if (json_dumpb(value, text, len, flags) != len) {
        tby__free(text);
        return NULL;
    }
    text[len] = '\0';
    return text;
}

/* ===== Field differences ===== */

int tby_store__json_diff(const char *old_json, size_t old_len, const char *new_json, size_t new_len,
                         const char **fields)
{
    json_t *old_root = json_loadb(old_json, old_len, 0, NULL);
    json_t *new_root = json_loadb(new_json, new_len, 0, NULL);
    int count = 0;
    if (!json_is_object(old_root) || !json_is_object(new_root)) {
        count = TBY_EINVALID;
        goto out;
    }
    for (int field = 0; field < TBY_FIELD_COUNT; field++) {
        const char *key = tby_record__field_name(field);
        json_t *before = json_object_get(old_root, key);
        json_t *after = json_object_get(new_root, key);
        if (!before && !after)
            continue;
        if (before && after && json_equal(before, after))
            continue;
        if (count < TBY_STORE__FIELDS_MAX)
            fields[count++] = key;
    }
out:
    json_decref(old_root);
    json_decref(new_root);
    return count;
}

/* ===== Transactions ===== */

int tby_store__begin_write(tby_store *store, tby_error *err)
{
    if (store->is_in_write)
        return tby__error(err, TBY_EINVALID, -1, "a transaction is already open");
    int rc = store->backend->begin_write(store->conn, err);
    if (rc)
        return rc;
    store->is_in_write = true;
    return TBY_OK;
}

int tby_store__commit(tby_store *store, tby_error *err)
{
    TBY_ASSERT(store->is_in_write);
    tby_store__crash_point();
    int rc = store->backend->commit(store->conn, err);
    tby_store__crash_point();
    if (rc) {
        store->backend->rollback(store->conn);
    }
    store->is_in_write = false;
    store->is_user_tx = false;
    return rc;
}

void tby_store__rollback(tby_store *store)
{
    if (!store->is_in_write)
        return;
    store->backend->rollback(store->conn);
    store->is_in_write = false;
    store->is_user_tx = false;
}

int tby_store__read_begin(tby_store *store, bool *is_mine, tby_error *err)
{
    *is_mine = false;
    if (store->is_in_write)
        return TBY_OK;
    int rc = store->backend->begin_read(store->conn, err);
    *is_mine = rc == TBY_OK;
    return rc;
}

void tby_store__read_end(tby_store *store, bool is_mine)
{
    if (is_mine)
        store->backend->rollback(store->conn);
}

int tby_store_begin(tby_store *store, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL);
    int rc = tby_store__begin_write(store, err);
    if (!rc)
        store->is_user_tx = true;
    return rc;
}

int tby_store_commit(tby_store *store, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL);
    if (!store->is_user_tx || store->import)
        return tby__error(err, TBY_EINVALID, -1, "no transaction of tby_store_begin is open");
    return tby_store__commit(store, err);
}

void tby_store_rollback(tby_store *store)
{
    if (store && store->is_user_tx && !store->import)
        tby_store__rollback(store);
}

/* ===== Opening ===== */

int tby_store_schema_latest(void)
{
    return tby_store__sqlite.migration_count;
}

int tby_store_schema_found(const tby_store *store)
{
    return store ? store->schema_found : 0;
}

static int store_migrate(tby_store *store, const char *actor, tby_error *err)
{
    const tby_store__backend *backend = store->backend;
    int found = 0;
    int rc = backend->schema_version(store->conn, &found, err);
    if (rc)
        return rc;
    store->schema_found = found;
    if (found > backend->migration_count)
        return tby__error(err, TBY_EINVALID, -1,
                          "the database has schema version %d, newer than this tabayyun knows "
                          "(%d): use a newer tabayyun",
                          found, backend->migration_count);
    if (found == backend->migration_count)
        return TBY_OK;

    if ((rc = tby_store__begin_write(store, err)))
        return rc;
    /* Read again under the write lock: another process may have migrated meanwhile. */
    if ((rc = backend->schema_version(store->conn, &found, err)))
        goto fail;
    store->schema_found = found;
    if (found > backend->migration_count) {
        rc = tby__error(err, TBY_EINVALID, -1, "the database has schema version %d, newer than %d",
                        found, backend->migration_count);
        goto fail;
    }
    if (found == backend->migration_count) {
        tby_store__rollback(store);
        return TBY_OK;
    }
    for (int step = found + 1; step <= backend->migration_count; step++) {
        if ((rc = backend->migrate_step(store->conn, step, err)))
            goto fail;
    }
    char detail[128];
    snprintf(detail, sizeof(detail), "{\"from\":%d,\"to\":%d,\"tabayyun\":\"%s\"}", found,
             backend->migration_count, tby_version());
    rc = tby_store__audit_append(store, actor, found == 0 ? "db.create" : "db.migrate", "db",
                                 detail, NULL, err);
    if (rc)
        goto fail;
    return tby_store__commit(store, err);
fail:
    tby_store__rollback(store);
    return rc;
}

int tby_store_open(tby_store **out, const char *path, const tby_store_options *opts, tby_error *err)
{
    TBY_ASSERT_ARG(out != NULL && path != NULL);
    *out = NULL;
    tby_store_options local = TBY_STORE_OPTIONS_INIT;
    if (opts) {
        if (opts->version != TBY_STORE_OPTIONS_VERSION)
            return tby__error(err, TBY_EINVALID, -1, "unsupported store options version %u",
                              opts->version);
        local = *opts;
    }
    if (sodium_init() < 0)
        return tby__error(err, TBY_ERROR, -1, "libsodium failed to initialise");
    tby_store *store = tby__calloc(1, sizeof(*store));
    if (!store)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    store->backend = &tby_store__sqlite;
    store->path = tby__strndup(path, strlen(path));
    if (!store->path) {
        tby__free(store);
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    }
    int rc = store->backend->open(&store->conn, path, (local.flags & TBY_STORE_CREATE) != 0,
                                  local.busy_timeout_ms > 0 ? local.busy_timeout_ms : 5000, err);
    if (rc) {
        tby__free(store->path);
        tby__free(store);
        return rc;
    }
    rc = store_migrate(store, local.actor && local.actor[0] ? local.actor : "tabayyun", err);
    if (rc) {
        tby_store_close(store);
        return rc;
    }
    if (local.flags & TBY_STORE_BACKGROUND_CHECKPOINT)
        store->backend->autocheckpoint(store->conn, TBY_STORE_WAL_LIMIT_PAGES);
    *out = store;
    return TBY_OK;
}

int tby_store_checkpoint(tby_store *store, tby_store_checkpoint_info *out, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL);
    if (store->is_in_write || store->is_user_tx)
        return tby__error(err, TBY_EINVALID, -1, "a checkpoint runs outside transactions");
    int64_t wal = 0, moved = 0;
    int rc = store->backend->checkpoint(store->conn, &wal, &moved, err);
    if (out) {
        out->wal_pages = wal;
        out->moved_pages = moved;
    }
    return rc;
}

void tby_store_close(tby_store *store)
{
    if (!store)
        return;
    if (store->import)
        tby_store_import_abort(store->import);
    tby_store__rollback(store);
    store->backend->close(store->conn);
    tby__free(store->path);
    tby__free(store);
}

const char *tby_store_path(const tby_store *store)
{
    return store ? store->path : NULL;
}

const char *tby_store_change_name(tby_store_change change)
{
    switch (change) {
    case TBY_STORE_UNCHANGED:
        return "unchanged";
    case TBY_STORE_ADDED:
        return "added";
    case TBY_STORE_CHANGED:
        return "changed";
    case TBY_STORE_REMOVED:
        return "removed";
    }
    return "";
}
