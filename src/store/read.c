// SPDX-License-Identifier: Apache-2.0
// Reading stored records back: the registry and a list version, as tby_records with their
// hashes and how they changed, streamed through a callback or collected in a record set.
//
// Rows come from the backend as canonical JSON; they are parsed a batch at a time by the JSON
// Lines reader (tby_store__decoder), and each row's hashes and change wait in `pending` until
// its record comes out of the batch:
//
//   backend row -> pending[k] (hashes, change, JSON) + decoder line k
//               -> batch full -> reader -> record k -> tby_store_entry -> caller's callback
#include <string.h>

#include "store/store_int.h"

typedef struct pending_row {
    uint8_t content_hash[TBY_STORE_HASH_LEN];
    uint8_t identity_hash[TBY_STORE_HASH_LEN];
    tby_store_change change;
    bool is_identity_changed;
    int64_t import_id;
    int64_t identity_import_id;
    size_t json_offset; /* into batch.jsons */
} pending_row;

typedef struct batch {
    tby_store__decoder decoder; /* the batch's JSON lines */
    pending_row *rows;          /* what goes with each line */
    size_t row_count;           /* rows in the current batch */
    size_t row_cap;             /* slots in rows */
    tby_buf jsons;              /* each row's JSON, NUL-terminated, for tby_store_entry.json */
    tby_store_entry_cb cb;      /* the caller's */
    void *payload;              /* ... */
    tby_error *err;             /* the caller's */
} batch;

static int batch_on_record(const tby_record *record, size_t token, void *payload)
{
    batch *b = payload;
    const pending_row *row = &b->rows[token];
    tby_store_entry entry;
    entry.record = record;
    entry.json = b->jsons.ptr + row->json_offset;
    entry.content_hash = row->content_hash;
    entry.identity_hash = row->identity_hash;
    entry.change = row->change;
    entry.is_identity_changed = row->is_identity_changed;
    entry.import_id = row->import_id;
    entry.identity_import_id = row->identity_import_id;
    return b->cb(&entry, b->payload);
}

static void batch_init(batch *b, tby_store_entry_cb cb, void *payload, tby_error *err)
{
    memset(b, 0, sizeof(*b));
    tby_store__decoder_init(&b->decoder, batch_on_record, b);
    tby__buf_init(&b->jsons, 0);
    b->cb = cb;
    b->payload = payload;
    b->err = err;
}

static void batch_dispose(batch *b)
{
    tby_store__decoder_dispose(&b->decoder);
    tby__buf_dispose(&b->jsons);
    tby__free(b->rows);
}

/* After the decoder delivered a batch, its rows are no longer needed. */
static void batch_after_flush(batch *b)
{
    if (b->decoder.count == 0) {
        b->row_count = 0;
        tby__buf_clear(&b->jsons);
    }
}

/* Queues one row; may deliver the batch. `row` is copied except for its json_offset. */
static int batch_add(batch *b, const pending_row *row, const char *json, size_t json_len)
{
    if (b->row_count == b->row_cap) {
        size_t cap = b->row_cap ? b->row_cap * 2 : 256;
        pending_row *rows = tby__realloc(b->rows, cap * sizeof(*rows));
        if (!rows)
            return tby__error(b->err, TBY_ENOMEM, -1, "out of memory");
        b->rows = rows;
        b->row_cap = cap;
    }
    pending_row *slot = &b->rows[b->row_count];
    *slot = *row;
    slot->json_offset = b->jsons.len;
    if (tby__buf_put(&b->jsons, json, json_len) || tby__buf_putc(&b->jsons, '\0'))
        return tby__error(b->err, TBY_ENOMEM, -1, "out of memory");
    size_t token = b->row_count++;
    int rc = tby_store__decoder_add(&b->decoder, json, json_len, token, b->err);
    batch_after_flush(b);
    return rc;
}

static int batch_finish(batch *b)
{
    int rc = tby_store__decoder_flush(&b->decoder, b->err);
    batch_after_flush(b);
    return rc;
}

/* ===== Registry ===== */

static int registry_row(const tby_store__registry_read *read, void *payload)
{
    batch *b = payload;
    pending_row row;
    memset(&row, 0, sizeof(row));
    memcpy(row.content_hash, read->content_hash, TBY_STORE_HASH_LEN);
    memcpy(row.identity_hash, read->identity_hash, TBY_STORE_HASH_LEN);
    row.change =
        read->added_by_import == read->changed_by_import ? TBY_STORE_ADDED : TBY_STORE_CHANGED;
    row.is_identity_changed =
        row.change == TBY_STORE_CHANGED && read->identity_by_import == read->changed_by_import;
    row.import_id = read->changed_by_import;
    row.identity_import_id = read->identity_by_import;
    return batch_add(b, &row, read->json, read->json_len);
}

int tby_store_registry_foreach(tby_store *store, const char *site, int64_t since_import,
                               tby_store_entry_cb cb, void *payload, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && cb != NULL);
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (rc)
        return rc;
    batch b;
    batch_init(&b, cb, payload, err);
    rc = store->backend->registry_scan(store->conn, site, since_import, registry_row, &b, err);
    if (!rc)
        rc = batch_finish(&b);
    batch_dispose(&b);
    tby_store__read_end(store, is_mine);
    return rc;
}

typedef struct set_filler {
    tby_record_set *set;
    tby_error *err;
} set_filler;

static int fill_set(const tby_store_entry *entry, void *payload)
{
    set_filler *filler = payload;
    return tby_record_set_add(filler->set, entry->record, filler->err);
}

int tby_store_registry_load(tby_store *store, const char *site, int64_t since_import,
                            tby_record_set **out, tby_error *err)
{
    TBY_ASSERT_ARG(out != NULL);
    *out = NULL;
    set_filler filler = {NULL, err};
    int rc = tby_record_set_new(&filler.set, err);
    if (rc)
        return rc;
    rc = tby_store_registry_foreach(store, site, since_import, fill_set, &filler, err);
    if (rc) {
        tby_record_set_free(filler.set);
        return rc;
    }
    *out = filler.set;
    return TBY_OK;
}

/* ===== Lists ===== */

typedef struct list_reading {
    batch batch;
    unsigned select;
} list_reading;

static int list_row(const tby_store__list_row *read, void *payload)
{
    list_reading *reading = payload;
    pending_row row;
    memset(&row, 0, sizeof(row));
    memcpy(row.content_hash, read->new_content, TBY_STORE_HASH_LEN);
    memcpy(row.identity_hash, read->new_identity, TBY_STORE_HASH_LEN);
    if (!read->old_content) {
        row.change = TBY_STORE_ADDED;
    } else if (memcmp(read->old_content, read->new_content, TBY_STORE_HASH_LEN)) {
        row.change = TBY_STORE_CHANGED;
        row.is_identity_changed =
            memcmp(read->old_identity, read->new_identity, TBY_STORE_HASH_LEN) != 0;
    }
    if (reading->select) {
        bool is_wanted =
            ((reading->select & TBY_STORE_SELECT_ADDED) && row.change == TBY_STORE_ADDED) ||
            ((reading->select & TBY_STORE_SELECT_CHANGED) && row.change == TBY_STORE_CHANGED) ||
            ((reading->select & TBY_STORE_SELECT_IDENTITY_CHANGED) && row.is_identity_changed);
        if (!is_wanted)
            return TBY_OK;
    }
    return batch_add(&reading->batch, &row, read->new_json, read->new_json_len);
}

int tby_store_list_foreach(tby_store *store, const char *list_name, int64_t version,
                           unsigned select, tby_store_entry_cb cb, void *payload, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && list_name != NULL && cb != NULL);
    if (version < 0)
        return tby__error(err, TBY_EINVALID, -1, "version %lld is not a version number",
                          (long long)version);
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (rc)
        return rc;
    tby_store__version_ref ref;
    rc = store->backend->list_find(store->conn, list_name, version, &ref, err);
    if (!rc) {
        list_reading reading;
        batch_init(&reading.batch, cb, payload, err);
        reading.select = select;
        rc = store->backend->list_rows(store->conn, ref.prev_version_id, ref.version_id,
                                       select != 0, false, list_row, &reading, err);
        if (!rc)
            rc = batch_finish(&reading.batch);
        batch_dispose(&reading.batch);
    }
    tby_store__read_end(store, is_mine);
    return rc;
}

int tby_store_list_load(tby_store *store, const char *list_name, int64_t version, unsigned select,
                        tby_record_set **out, tby_error *err)
{
    TBY_ASSERT_ARG(out != NULL);
    *out = NULL;
    set_filler filler = {NULL, err};
    int rc = tby_record_set_new(&filler.set, err);
    if (rc)
        return rc;
    rc = tby_store_list_foreach(store, list_name, version, select, fill_set, &filler, err);
    if (rc) {
        tby_record_set_free(filler.set);
        return rc;
    }
    *out = filler.set;
    return TBY_OK;
}
