// SPDX-License-Identifier: Apache-2.0
// The list a server with a store screens against: the latest version of every list in the
// store, in one record set, each entry's id prefixed with its list's name ("UN:QDi.001") so
// that entries of two lists never share an id and an alert says which list it comes from.
#include <jansson.h>
#include <string.h>

#include "server/server_int.h"

typedef struct loader {
    tby_record_set *set;
    const char *list;     /* the list being read */
    tby_buf id;           /* scratch: "LIST:ID" */
    struct json_t *names; /* the lists' names */
    tby_error *err;
} loader;

static int on_version(const tby_list_version *version, void *payload)
{
    loader *l = payload;
    size_t n = json_array_size(l->names);
    const char *last = n ? json_string_value(json_array_get(l->names, n - 1)) : NULL;
    if (last && !strcmp(last, version->list))
        return 0;
    return json_array_append_new(l->names, json_string(version->list)) ? TBY_ENOMEM : 0;
}

static int on_entry(const tby_store_entry *entry, void *payload)
{
    loader *l = payload;
    tby__buf_clear(&l->id);
    if (tby__buf_printf(&l->id, "%s:%s", l->list, entry->record->id))
        return tby__error(l->err, TBY_ENOMEM, -1, "out of memory");
    tby_record copy = *entry->record;
    copy.id = l->id.ptr;
    return tby_record_set_add(l->set, &copy, l->err);
}

int tby_server_load_lists(tby_server_db *db, tby_record_set **set_out, tby_screener **screener_out,
                          tby_error *err)
{
    *set_out = NULL;
    *screener_out = NULL;
    tby_store *store = tby_server__db_store(db, err);
    if (!store)
        return err && err->code ? err->code : TBY_EIO;
    loader l;
    memset(&l, 0, sizeof(l));
    l.err = err;
    l.names = json_array();
    tby__buf_init(&l.id, 0);
    int rc = l.names ? tby_record_set_new(&l.set, err)
                     : tby__error(err, TBY_ENOMEM, -1, "out of memory");
    if (!rc)
        rc = tby_store_list_versions(store, NULL, on_version, &l, err);
    for (size_t i = 0; !rc && i < json_array_size(l.names); i++) {
        l.list = json_string_value(json_array_get(l.names, i));
        rc = tby_store_list_foreach(store, l.list, 0, TBY_STORE_SELECT_ALL, on_entry, &l, err);
    }
    if (!rc && !tby_record_set_count(l.set))
        rc = tby__error(err, TBY_EEMPTY, -1,
                        "the database holds no list yet (tabayyun list import, or POST "
                        "/v1/lists/{name}/versions)");
    tby_screener *screener = NULL;
    if (!rc)
        rc = tby_screener_new(&screener, l.set, err);
    if (!rc)
        rc = tby_screener_fit(screener, NULL, err);
    json_decref(l.names);
    tby__buf_dispose(&l.id);
    if (rc) {
        tby_screener_free(screener);
        tby_record_set_free(l.set);
        return rc == TBY_ENOMEM ? tby__error(err, rc, -1, "out of memory") : rc;
    }
    *set_out = l.set;
    *screener_out = screener;
    return TBY_OK;
}
