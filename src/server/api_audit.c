// SPDX-License-Identifier: Apache-2.0
// The audit log and the statistics:
//
//   GET /v1/audit?from=SEQ&limit=N&cursor=C&purpose=...   entries in order, paged; reading
//                                                          the log is itself audited
//   GET /v1/audit/verify                                   the hash chain recomputed
//   GET /v1/stats                                          counts: registry records by site
//                                                          (a user scoped to sites sees only
//                                                          theirs), lists, screenings, the
//                                                          standing alerts by site, grade and
//                                                          status
//
// Statistics are aggregates only: an auditor reads them without reading personal data.
#include <jansson.h>
#include <string.h>

#include "server/server_int.h"

/* ===== GET /v1/audit ===== */

typedef struct audit_pager {
    json_t *items;
    int64_t limit;
    int64_t next;  /* the seq after the page, when more follow; else 0 */
    int64_t first; /* the first seq on the page */
    int64_t last;  /* the last */
    bool is_oom;
} audit_pager;

static int on_audit_entry(const tby_audit_entry *e, void *payload)
{
    audit_pager *p = payload;
    if ((int64_t)json_array_size(p->items) == p->limit) {
        p->next = e->seq;
        return 1; /* stop */
    }
    char hash[TBY_STORE_HASH_HEX_LEN], prev[TBY_STORE_HASH_HEX_LEN];
    json_t *detail = json_loads(e->detail, 0, NULL);
    json_t *item = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "seq", (json_int_t)e->seq,
                             "at", e->at, "actor", e->actor, "action", e->action, "object",
                             e->object, "detail", detail ? detail : json_string(e->detail),
                             "prev_hash", tby_store_hash_hex(prev, e->prev_hash), "hash",
                             tby_store_hash_hex(hash, e->hash));
    if (!item || json_array_append_new(p->items, item)) {
        p->is_oom = true;
        return 1;
    }
    if (!p->first)
        p->first = e->seq;
    p->last = e->seq;
    return 0;
}

void tby_server__api_audit(tby_server *server, tby_server__request *request,
                           tby_server_response *out)
{
    int64_t limit = TBY_SERVER_PAGE_DEFAULT, from = 1, cursor = 0;
    if (!tby_server__query_int(request, "limit", 1, TBY_SERVER_PAGE_MAX, &limit, out) ||
        !tby_server__query_int(request, "from", 1, INT64_MAX, &from, out) ||
        !tby_server__query_int(request, "cursor", 1, INT64_MAX, &cursor, out))
        return;
    tby_store *store = tby_server__store(server, out);
    if (!store)
        return;
    audit_pager pager = {json_array(), limit, 0, 0, 0, false};
    tby_error err;
    tby_error_clear(&err);
    int rc = pager.items ? tby_store_audit_foreach(store, cursor ? cursor : from, on_audit_entry,
                                                   &pager, &err)
                         : TBY_ENOMEM;
    if (pager.is_oom)
        rc = tby__error(&err, TBY_ENOMEM, -1, "out of memory");
    if (rc && rc != 1) {
        json_decref(pager.items);
        tby_server__store_error(out, rc, &err);
        return;
    }
    snprintf(request->audit_subject, sizeof(request->audit_subject), "audit:%lld..%lld",
             (long long)pager.first, (long long)pager.last);
    snprintf(request->audit_outcome, sizeof(request->audit_outcome), "%zu entries",
             json_array_size(pager.items));
    char next[32];
    snprintf(next, sizeof(next), "%lld", (long long)pager.next);
    tby_server__json(
        out, 200,
        json_pack("{s:o, s:s?}", "entries", pager.items, "next_cursor", pager.next ? next : NULL));
}

void tby_server__api_audit_verify(tby_server *server, tby_server__request *request,
                                  tby_server_response *out)
{
    (void)request;
    tby_store *store = tby_server__store(server, out);
    if (!store)
        return;
    tby_audit_report report;
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_store_audit_verify(store, &report, &err);
    if (rc && rc != TBY_EINVALID) {
        tby_server__store_error(out, rc, &err);
        return;
    }
    char head[TBY_STORE_HASH_HEX_LEN];
    json_t *o = json_pack("{s:b, s:I, s:I, s:s}", "ok", rc == 0, "entries",
                          (json_int_t)report.entries, "head_seq", (json_int_t)report.head_seq,
                          "head_hash", tby_store_hash_hex(head, report.head_hash));
    if (o && rc) {
        json_object_set_new(o, "bad_seq", json_integer(report.bad_seq));
        json_object_set_new(o, "reason", json_string(report.reason));
    }
    tby_server__json(out, 200, o);
}

/* ===== GET /v1/stats ===== */

typedef struct site_counter {
    const tby_server_principal *who;
    json_t *sites;
    int64_t total;
} site_counter;

static int on_site_count(const char *site, int64_t records, void *payload)
{
    site_counter *c = payload;
    /* A user scoped to sites counts theirs only; records without a site are nobody's. */
    if (!c->who->all_sites && (!site || !tby_server_principal_has_site(c->who, site)))
        return 0;
    c->total += records;
    return json_array_append_new(
               c->sites, json_pack("{s:s?, s:I}", "site", site, "records", (json_int_t)records))
               ? TBY_ENOMEM
               : 0;
}

typedef struct list_counter {
    json_t *lists;
} list_counter;

static int on_list_version(const tby_list_version *v, void *payload)
{
    list_counter *c = payload;
    size_t n = json_array_size(c->lists);
    json_t *item = json_pack("{s:s, s:I, s:I}", "name", v->list, "version", (json_int_t)v->number,
                             "entries", (json_int_t)v->entries);
    if (!item)
        return TBY_ENOMEM;
    json_t *prev = n ? json_array_get(c->lists, n - 1) : NULL;
    if (prev && !strcmp(json_string_value(json_object_get(prev, "name")), v->list))
        return json_array_set_new(c->lists, n - 1, item) ? TBY_ENOMEM : 0;
    return json_array_append_new(c->lists, item) ? TBY_ENOMEM : 0;
}

void tby_server__api_stats(tby_server *server, tby_server__request *request,
                           tby_server_response *out)
{
    tby_store *store = tby_server__store(server, out);
    if (!store)
        return;
    site_counter sites = {&request->principal, json_array(), 0};
    list_counter lists = {json_array()};
    tby_error err;
    tby_error_clear(&err);
    int rc = sites.sites && lists.lists
                 ? tby_store_registry_count_by_site(store, on_site_count, &sites, &err)
                 : TBY_ENOMEM;
    if (!rc)
        rc = tby_store_list_versions(store, NULL, on_list_version, &lists, &err);
    json_t *alerts = NULL;
    if (!rc)
        rc = tby_server__alert_counts(store, &request->principal, &alerts, &err);
    if (rc) {
        json_decref(sites.sites);
        json_decref(lists.lists);
        tby_server__store_error(out, rc, &err);
        return;
    }
    const tby_server__metrics *m = &server->metrics;
    json_t *o = json_pack("{s:{s:I, s:o}, s:o, s:{s:I, s:{s:I, s:I}}, s:b}", "registry", "records",
                          (json_int_t)sites.total, "by_site", sites.sites, "lists", lists.lists,
                          "screenings", "since_start", (json_int_t)atomic_load(&m->screenings),
                          "alerts", "identifier_check",
                          (json_int_t)atomic_load(&m->alerts[TBY_GRADE_IDENTIFIER_CHECK]),
                          "probable", (json_int_t)atomic_load(&m->alerts[TBY_GRADE_PROBABLE]),
                          "all_sites", request->principal.all_sites);
    if (o)
        json_object_set_new(o, "alerts", alerts);
    else
        json_decref(alerts);
    tby_server__json(out, 200, o);
}
