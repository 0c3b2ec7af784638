// SPDX-License-Identifier: Apache-2.0
// Lists as versions: listing them, finding the latest, and comparing two of them. A diff is
// computed when asked, from the stored versions: the backend pairs the entries of both by id
// (one index probe per entry), and only the entries whose content hash differs are parsed to
// name the fields that changed. Nothing is stored twice, and any two versions compare, not
// only neighbours; 100,000 entries take a fraction of a second.
#include <string.h>

#include "store/store_int.h"

typedef struct version_forward {
    tby_list_version_cb cb;
    void *payload;
} version_forward;

static int forward_version(const tby_list_version *version, void *payload)
{
    version_forward *forward = payload;
    return forward->cb(version, forward->payload);
}

int tby_store_list_versions(tby_store *store, const char *list_name, tby_list_version_cb cb,
                            void *payload, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && cb != NULL);
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (rc)
        return rc;
    tby_store__version_ref ref;
    if (list_name)
        rc = store->backend->list_find(store->conn, list_name, 0, &ref, err);
    version_forward forward = {cb, payload};
    if (!rc)
        rc = store->backend->list_versions_scan(store->conn, list_name, forward_version, &forward,
                                                err);
    tby_store__read_end(store, is_mine);
    return rc;
}

int tby_store_list_latest(tby_store *store, const char *list_name, int64_t *version_out,
                          tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && list_name != NULL && version_out != NULL);
    *version_out = 0;
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (rc)
        return rc;
    tby_store__version_ref ref;
    rc = store->backend->list_find(store->conn, list_name, 0, &ref, err);
    if (!rc)
        *version_out = ref.number;
    tby_store__read_end(store, is_mine);
    return rc;
}

/* ===== Diff ===== */

typedef struct differ {
    tby_list_diff_cb cb;
    void *payload;
    tby_list_diff_stats stats;
    tby_buf old_text; /* NUL-terminated copies of the JSON for the callback */
    tby_buf new_text;
    tby_error *err;
} differ;

static int copy_text(tby_buf *buf, const char *text, size_t len, const char **out)
{
    *out = NULL;
    if (!text)
        return TBY_OK;
    tby__buf_clear(buf);
    if (tby__buf_put(buf, text, len))
        return TBY_ENOMEM;
    *out = buf->ptr ? buf->ptr : "";
    return TBY_OK;
}

static int diff_row(const tby_store__list_row *row, void *payload)
{
    differ *d = payload;
    tby_list_diff_entry entry;
    memset(&entry, 0, sizeof(entry));
    entry.entry_id = row->entry_id;
    const char *fields[TBY_STORE__FIELDS_MAX];
    if (!row->new_json) {
        entry.change = TBY_STORE_REMOVED;
        d->stats.removed++;
    } else if (!row->old_content) {
        entry.change = TBY_STORE_ADDED;
        d->stats.added++;
    } else if (memcmp(row->old_content, row->new_content, TBY_STORE_HASH_LEN)) {
        entry.change = TBY_STORE_CHANGED;
        d->stats.changed++;
        entry.is_identity_changed =
            memcmp(row->old_identity, row->new_identity, TBY_STORE_HASH_LEN) != 0;
        if (d->cb) {
            int count = tby_store__json_diff(row->old_json, row->old_json_len, row->new_json,
                                             row->new_json_len, fields);
            if (count < 0)
                return tby__error(d->err, count, -1, "entry %s: a stored record is not JSON",
                                  row->entry_id);
            entry.fields = fields;
            entry.field_count = (size_t)count;
        }
    } else {
        return TBY_OK; /* unchanged: counted from the version's size */
    }
    if (!d->cb)
        return TBY_OK;
    if (copy_text(&d->old_text, row->old_json, row->old_json_len, &entry.old_json) ||
        copy_text(&d->new_text, row->new_json, row->new_json_len, &entry.new_json))
        return tby__error(d->err, TBY_ENOMEM, -1, "out of memory");
    return d->cb(&entry, d->payload);
}

int tby_store_list_diff(tby_store *store, const char *list_name, int64_t from, int64_t to,
                        tby_list_diff_cb cb, void *payload, tby_list_diff_stats *stats,
                        tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && list_name != NULL);
    if (stats)
        memset(stats, 0, sizeof(*stats));
    if (from < 0 || to < 0)
        return tby__error(err, TBY_EINVALID, -1, "versions are numbered from 1");
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (rc)
        return rc;
    tby_store__version_ref to_ref, from_ref;
    memset(&from_ref, 0, sizeof(from_ref));
    differ d;
    memset(&d, 0, sizeof(d));
    d.cb = cb;
    d.payload = payload;
    d.err = err;
    tby__buf_init(&d.old_text, 0);
    tby__buf_init(&d.new_text, 0);
    if ((rc = store->backend->list_find(store->conn, list_name, to, &to_ref, err)))
        goto out;
    if (from > to_ref.number) {
        rc = tby__error(err, TBY_EINVALID, -1,
                        "list \"%s\": --from %lld is after --to %lld (versions compare older to "
                        "newer)",
                        list_name, (long long)from, (long long)to_ref.number);
        goto out;
    }
    if (from && (rc = store->backend->list_find(store->conn, list_name, from, &from_ref, err)))
        goto out;
    rc = store->backend->list_rows(store->conn, from_ref.version_id, to_ref.version_id, true, true,
                                   diff_row, &d, err);
    d.stats.unchanged = to_ref.entries - d.stats.added - d.stats.changed;
    if (!rc && stats)
        *stats = d.stats;
out:
    tby__buf_dispose(&d.old_text);
    tby__buf_dispose(&d.new_text);
    tby_store__read_end(store, is_mine);
    return rc;
}
