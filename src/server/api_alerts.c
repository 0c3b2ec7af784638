// SPDX-License-Identifier: Apache-2.0
// Reviewing alerts over HTTP (the store's alerts, decisions, clearances and redress; see
// docs/internals/store.md, "Screening with memory"):
//
//   GET  /v1/alerts?site=&grade=&status=&list=&from=&to=&limit=&cursor=&purpose=
//                                         alerts, by id, paged; a user scoped to sites sees the
//                                         alerts of records of their sites only
//   GET  /v1/alerts/{id}?purpose=         one alert with its explanation and decisions
//   POST /v1/alerts/{id}/decisions        {"action": "clear|escalate|confirm", "reason",
//                                         "purpose"}: clear answers the redress reference; the
//                                         confirmation that completes one (the second reviewer)
//                                         is a supervisor's
//   GET  /v1/clearances?active=&site=&limit=&cursor=&purpose=
//   POST /v1/clearances/{id}/revoke       {"reason", "purpose"}: the pair alerts again
//   GET  /v1/redress/{reference}          "cleared", "under review" or "unknown", nothing more;
//                                         lookups of unknown references are rate-limited
//
// An alert's site is the site of its record as the registry holds it now; an alert whose
// record has no site is seen only by users of every site. Every answer here is personal
// data: audited (dispatch.c), and a decision's request entry is written in the decision's
// own transaction.
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/server_int.h"

/* ===== Shared ===== */

/* The numeric id in path segment `index`; false with 404 when it is not a positive integer. */
static bool path_id(tby_server__request *request, size_t index, const char *what, int64_t *id,
                    tby_server_response *out)
{
    char text[32];
    char *end = NULL;
    long long value = 0;
    if (tby_server__path_segment(request, index, text, sizeof(text)) && text[0] >= '1' &&
        text[0] <= '9')
        value = strtoll(text, &end, 10);
    if (value <= 0 || !end || *end) {
        tby_server__error(out, 404, "not_found", "id", -1, "no %s with this id", what);
        return false;
    }
    *id = value;
    return true;
}

/* May the caller see data of `site` (NULL: a record without a site)? */
static bool may_see(const tby_server_principal *who, const char *site)
{
    if (who->all_sites)
        return true;
    return site && tby_server_principal_has_site(who, site);
}

static json_t *alert_json(const tby_store_alert *a, bool with_explanation)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:s?, s:f, s:s, s:s, s:s, s:s, s:I}",
                          "id", (json_int_t)a->id, "status", tby_alert_status_name(a->status),
                          "list", a->list, "list_version", (json_int_t)a->list_version, "record_id",
                          a->record_id, "entry_id", a->entry_id, "site", a->site, "score", a->score,
                          "grade", a->grade, "matched_name", a->matched_name, "created_at",
                          a->created_at, "updated_at", a->updated_at, "run", (json_int_t)a->run_id);
    if (o && with_explanation) {
        json_t *explanation = json_loads(a->explanation_json, 0, NULL);
        json_object_set_new(o, "explanation",
                            explanation ? explanation : json_string(a->explanation_json));
        json_object_set_new(o, "explanation_text", json_string(a->explanation_text));
        json_object_set_new(o, "engine_version", json_string(a->engine_version));
        json_object_set_new(o, "threshold", json_real(a->threshold));
    }
    return o;
}

/* One alert, copied out of a scan. */
typedef struct one_alert {
    json_t *json; /* with the explanation */
    char site[TBY_STORE_NAME_LEN];
    bool has_site;
    tby_alert_status status;
} one_alert;

static int on_one_alert(const tby_store_alert *a, void *payload)
{
    one_alert *one = payload;
    one->json = alert_json(a, true);
    one->has_site = a->site != NULL;
    snprintf(one->site, sizeof(one->site), "%s", a->site ? a->site : "");
    one->status = a->status;
    return one->json ? 0 : TBY_ENOMEM;
}

/* Reads alert `id` into *one (json NULL when there is none); false with *out filled. */
static bool read_alert(tby_store *store, int64_t id, one_alert *one, tby_server_response *out)
{
    memset(one, 0, sizeof(*one));
    tby_store_alert_filter filter = TBY_STORE_ALERT_FILTER_INIT;
    filter.alert_id = id;
    filter.statuses = TBY_ALERT_ALL;
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_store_alerts_foreach(store, &filter, on_one_alert, one, &err);
    if (rc) {
        json_decref(one->json);
        one->json = NULL;
        tby_server__store_error(out, rc, &err);
        return false;
    }
    if (!one->json) {
        tby_server__error(out, 404, "not_found", "id", -1, "no alert %lld", (long long)id);
        return false;
    }
    return true;
}

/* The caller may act on the alert's site: false with 403 (or 500) otherwise. A user scoped
   to sites may not see an alert of a record without a site. */
static bool check_alert_site(tby_server *server, tby_server__request *request, one_alert *one,
                             tby_server_response *out)
{
    if (request->principal.all_sites)
        return tby_server__authorize_site(server, request, one->has_site ? one->site : NULL, "id",
                                          out);
    return tby_server__authorize_site(server, request, one->has_site ? one->site : "", "id", out);
}

/* ===== GET /v1/alerts ===== */

typedef struct alert_pager {
    int64_t limit;
    int64_t last; /* the id of the last alert on the page */
    bool has_more;
    json_t *items;
} alert_pager;

/* The store reads one alert more than the page holds: its presence says a page follows. */
static int on_alert(const tby_store_alert *a, void *payload)
{
    alert_pager *p = payload;
    if ((int64_t)json_array_size(p->items) == p->limit) {
        p->has_more = true;
        return 1; /* stop */
    }
    p->last = a->id;
    json_t *item = alert_json(a, false);
    return !item || json_array_append_new(p->items, item) ? TBY_ENOMEM : 0;
}

/* Points the filter's scope at the principal's sites (names in *names); none when the
   principal works at every site. */
static void filter_scope(tby_store_alert_filter *filter, const tby_server_principal *who,
                         const char *names[TBY_SERVER_MAX_SITES])
{
    if (who->all_sites)
        return;
    for (size_t i = 0; i < who->site_count; i++)
        names[i] = who->sites[i];
    filter->sites = names;
    filter->site_count = who->site_count;
}

/* Reads "a,b,c" of status names into a set; false with 400 naming the field. */
static bool parse_statuses(const char *text, unsigned *out, tby_server_response *resp)
{
    *out = 0;
    const char *p = text;
    while (*p) {
        size_t len = strcspn(p, ",");
        char name[32];
        tby_alert_status status;
        if (len >= sizeof(name)) {
            len = sizeof(name) - 1;
        }
        snprintf(name, sizeof(name), "%.*s", (int)len, p);
        if (!strcmp(name, "queue"))
            *out |= TBY_ALERT_QUEUE;
        else if (!strcmp(name, "all"))
            *out |= TBY_ALERT_ALL;
        else if (tby_alert_status_parse(&status, name) == 0)
            *out |= TBY_ALERT_STATUS_BIT(status);
        else {
            tby_server__error(resp, 400, "invalid_value", "status", -1,
                              "unknown alert status \"%s\": open, escalated, "
                              "pending_confirmation, confirmed, cleared, suppressed, superseded, "
                              "queue or all, separated by commas",
                              name);
            return false;
        }
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
    }
    return true;
}

/* A date or time filter: "YYYY-MM-DD" or a longer ISO 8601 UTC prefix. */
static bool check_time(const char *name, const char *value, tby_server_response *out)
{
    size_t len = strlen(value);
    bool ok = len >= 10 && len <= 24;
    for (size_t i = 0; ok && i < len; i++)
        ok = strchr("0123456789-:T.Z", value[i]) != NULL;
    if (!ok)
        tby_server__error(out, 400, "invalid_value", name, -1,
                          "%s must be a UTC date or time in ISO 8601 (2025-03-01 or "
                          "2025-03-01T12:00:00Z)",
                          name);
    return ok;
}

void tby_server__api_alerts(tby_server *server, tby_server__request *request,
                            tby_server_response *out)
{
    char site[TBY_STORE_NAME_LEN], grade[32], status[256], list[256], from[32], to[32];
    int64_t limit = TBY_SERVER_PAGE_DEFAULT, cursor = 0;
    int has_site = tby_server__query(request, "site", site, sizeof(site));
    int has_grade = tby_server__query(request, "grade", grade, sizeof(grade));
    int has_status = tby_server__query(request, "status", status, sizeof(status));
    int has_list = tby_server__query(request, "list", list, sizeof(list));
    int has_from = tby_server__query(request, "from", from, sizeof(from));
    int has_to = tby_server__query(request, "to", to, sizeof(to));
    const char *bad = has_site < 0     ? "site"
                      : has_grade < 0  ? "grade"
                      : has_status < 0 ? "status"
                      : has_list < 0   ? "list"
                      : has_from < 0   ? "from"
                      : has_to < 0     ? "to"
                                       : NULL;
    if (bad) {
        tby_server__error(out, 400, "invalid_value", bad, -1, "%s is too long or badly encoded",
                          bad);
        return;
    }
    if (!tby_server__query_int(request, "limit", 1, TBY_SERVER_PAGE_MAX, &limit, out) ||
        !tby_server__query_int(request, "cursor", 0, INT64_MAX, &cursor, out))
        return;
    if (has_grade && strcmp(grade, "probable") && strcmp(grade, "identifier_check")) {
        tby_server__error(out, 400, "invalid_value", "grade", -1,
                          "grade is \"probable\" or \"identifier_check\"");
        return;
    }
    unsigned statuses = TBY_ALERT_QUEUE;
    if (has_status && !parse_statuses(status, &statuses, out))
        return;
    if ((has_from && !check_time("from", from, out)) || (has_to && !check_time("to", to, out)))
        return;
    if (has_site && !tby_server__authorize_site(server, request, site, "site", out))
        return;
    tby_store *store = tby_server__store(server, out);
    if (!store)
        return;
    /* Every condition, the caller's sites among them, goes to the database, which reads
       at most one page and one more alert from the cursor on. */
    alert_pager pager = {limit, 0, false, json_array()};
    tby_store_alert_filter filter = TBY_STORE_ALERT_FILTER_INIT;
    const char *scope[TBY_SERVER_MAX_SITES];
    filter_scope(&filter, &request->principal, scope);
    filter.list_name = has_list ? list : NULL;
    filter.statuses = statuses ? statuses : TBY_ALERT_QUEUE;
    filter.site = has_site ? site : NULL;
    filter.grade = has_grade ? grade : NULL;
    filter.created_from = has_from ? from : NULL;
    filter.created_to = has_to ? to : NULL;
    filter.after_id = cursor;
    filter.limit = (size_t)limit + 1;
    tby_error err;
    tby_error_clear(&err);
    int rc =
        pager.items ? tby_store_alerts_foreach(store, &filter, on_alert, &pager, &err) : TBY_ENOMEM;
    if (rc && rc != 1) {
        json_decref(pager.items);
        tby_server__store_error(out, rc, &err);
        return;
    }
    snprintf(request->audit_subject, sizeof(request->audit_subject), "alerts%s%.64s%s%.64s",
             has_site ? " site=" : "", has_site ? site : "", has_list ? " list=" : "",
             has_list ? list : "");
    snprintf(request->audit_outcome, sizeof(request->audit_outcome), "%zu alerts",
             json_array_size(pager.items));
    char next[32];
    snprintf(next, sizeof(next), "%lld", (long long)pager.last);
    tby_server__json(out, 200,
                     json_pack("{s:o, s:s?}", "alerts", pager.items, "next_cursor",
                               pager.has_more ? next : NULL));
}

/* ===== GET /v1/alerts/{id} ===== */

static int on_decision(const tby_store_decision *d, void *payload)
{
    json_t *items = payload;
    json_t *item =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id", (json_int_t)d->id, "action",
                  tby_alert_action_name(d->action), "from", tby_alert_status_name(d->from), "to",
                  tby_alert_status_name(d->to), "actor", d->actor, "reason", d->reason, "at", d->at,
                  "audit_seq", (json_int_t)d->audit_seq);
    if (item && d->reference)
        json_object_set_new(item, "redress_reference", json_string(d->reference));
    return !item || json_array_append_new(items, item) ? TBY_ENOMEM : 0;
}

void tby_server__api_alert(tby_server *server, tby_server__request *request,
                           tby_server_response *out)
{
    int64_t id = 0;
    if (!path_id(request, 2, "alert", &id, out))
        return;
    tby_store *store = tby_server__store(server, out);
    if (!store)
        return;
    one_alert one;
    if (!read_alert(store, id, &one, out))
        return;
    if (!check_alert_site(server, request, &one, out)) {
        json_decref(one.json);
        return;
    }
    json_t *decisions = json_array();
    tby_error err;
    tby_error_clear(&err);
    int rc =
        decisions ? tby_store_alert_decisions(store, id, on_decision, decisions, &err) : TBY_ENOMEM;
    if (rc) {
        json_decref(decisions);
        json_decref(one.json);
        tby_server__store_error(out, rc, &err);
        return;
    }
    json_object_set_new(one.json, "decisions", decisions);
    snprintf(request->audit_subject, sizeof(request->audit_subject), "alert:%lld", (long long)id);
    snprintf(request->audit_outcome, sizeof(request->audit_outcome), "%s",
             tby_alert_status_name(one.status));
    tby_server__json(out, 200, one.json);
}

/*
 * Ends a review change made in an open transaction of the locked store: when `rc` is 0, the
 * request's own audit entry joins the transaction and it commits; otherwise, or when either
 * fails, it rolls back and *out says why. Unlocks the store. True when committed.
 */
static bool review_commit(tby_server *server, tby_server__request *request, tby_server_db *db,
                          tby_store *store, int rc, tby_error *err, tby_server_response *out)
{
    if (rc) {
        tby_store_rollback(store);
        tby_server__db_unlock(db);
        tby_server__store_error(out, rc, err);
        return false;
    }
    if (!tby_server__audit_now(server, request, 200, out)) {
        tby_store_rollback(store);
        tby_server__db_unlock(db);
        return false;
    }
    rc = tby_store_commit(store, err);
    if (rc)
        tby_store_rollback(store);
    tby_server__db_unlock(db);
    if (rc) {
        tby_server__store_error(out, rc, err);
        return false;
    }
    return true;
}

/* ===== POST /v1/alerts/{id}/decisions ===== */

static const tby_server__field decision_fields[] = {
    {"action", TBY_TYPE_STRING, true},
    {"reason", TBY_TYPE_STRING | TBY_TYPE_NULL, false},
    {"purpose", TBY_TYPE_STRING, true},
};

#define REASON_MAX 2000 /* bytes of a reason */

void tby_server__api_alert_decide(tby_server *server, tby_server__request *request,
                                  tby_server_response *out)
{
    json_t *body = request->json;
    if (!tby_server__check_fields(body, decision_fields,
                                  sizeof(decision_fields) / sizeof(decision_fields[0]), "", out))
        return;
    int64_t id = 0;
    if (!path_id(request, 2, "alert", &id, out))
        return;
    const char *action_name = json_string_value(json_object_get(body, "action"));
    const char *reason = json_string_value(json_object_get(body, "reason"));
    tby_alert_action action;
    if (!strcmp(action_name, "clear"))
        action = TBY_ALERT_CLEAR;
    else if (!strcmp(action_name, "escalate"))
        action = TBY_ALERT_ESCALATE;
    else if (!strcmp(action_name, "confirm"))
        action = TBY_ALERT_CONFIRM;
    else {
        tby_server__error(out, 400, "invalid_value", "action", -1,
                          "action is \"clear\", \"escalate\" or \"confirm\"");
        return;
    }
    if (reason && strlen(reason) > REASON_MAX) {
        tby_server__error(out, 400, "invalid_value", "reason", -1,
                          "a reason holds at most %d bytes", REASON_MAX);
        return;
    }
    if (action == TBY_ALERT_CLEAR && (!reason || !reason[0])) {
        tby_server__error(out, 400, "missing_field", "reason", -1,
                          "clearing an alert needs a reason: why it is not the listed person");
        return;
    }
    tby_store *reader = tby_server__store(server, out);
    if (!reader)
        return;
    one_alert one;
    if (!read_alert(reader, id, &one, out))
        return;
    json_decref(one.json);
    if (!check_alert_site(server, request, &one, out))
        return;
    /* The second confirmation (pending_confirmation -> confirmed) is a supervisor's; the
       store checks that it is another reviewer than the first. */
    if (action == TBY_ALERT_CONFIRM && one.status == TBY_ALERT_PENDING_CONFIRMATION &&
        request->principal.role != TBY_ROLE_SUPERVISOR) {
        tby_server__error(out, 403, "forbidden", "action", -1,
                          "alert %lld waits for a second reviewer: a supervisor confirms it",
                          (long long)id);
        return;
    }
    snprintf(request->audit_subject, sizeof(request->audit_subject), "alert:%lld", (long long)id);

    tby_server_db *db = server->opts.db;
    tby_store *store = tby_server__db_lock(db);
    tby_error err;
    tby_error_clear(&err);
    tby_alert_decision decision;
    int rc = tby_store_begin(store, &err);
    if (!rc)
        rc = tby_store_alert_decide(store, id, action, request->principal.user, reason, &decision,
                                    &err);
    /* The request's own entry goes into the decision's transaction. */
    if (!rc)
        snprintf(request->audit_outcome, sizeof(request->audit_outcome), "%s -> %s",
                 tby_alert_status_name(decision.from), tby_alert_status_name(decision.to));
    if (!review_commit(server, request, db, store, rc, &err, out))
        return;
    tby_server__json(out, 200,
                     json_pack("{s:I, s:I, s:s, s:s, s:s, s:s?, s:I}", "alert", (json_int_t)id,
                               "decision", (json_int_t)decision.decision_id, "action", action_name,
                               "from", tby_alert_status_name(decision.from), "to",
                               tby_alert_status_name(decision.to), "redress_reference",
                               decision.reference[0] ? decision.reference : NULL, "audit_seq",
                               (json_int_t)decision.audit_seq));
}

/* ===== GET /v1/clearances ===== */

typedef struct clearance_pager {
    const tby_server_principal *who;
    const char *site;
    int64_t limit;
    int64_t last;
    bool has_more;
    json_t *items;
} clearance_pager;

static json_t *clearance_json(const tby_store_clearance *c)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:I, s:s, s:b}", "id",
                     (json_int_t)c->id, "list", c->list, "record_id", c->record_id, "entry_id",
                     c->entry_id, "site", c->site, "reason", c->reason, "cleared_by", c->actor,
                     "cleared_at", c->at, "alert", (json_int_t)c->alert_id, "redress_reference",
                     c->reference, "active", c->is_active);
}

static int on_clearance(const tby_store_clearance *c, void *payload)
{
    clearance_pager *p = payload;
    if (!may_see(p->who, c->site) || (p->site && (!c->site || strcmp(c->site, p->site))))
        return 0;
    if ((int64_t)json_array_size(p->items) == p->limit) {
        p->has_more = true;
        return 1;
    }
    p->last = c->id;
    json_t *item = clearance_json(c);
    return !item || json_array_append_new(p->items, item) ? TBY_ENOMEM : 0;
}

void tby_server__api_clearances(tby_server *server, tby_server__request *request,
                                tby_server_response *out)
{
    char site[TBY_STORE_NAME_LEN], active[8];
    int64_t limit = TBY_SERVER_PAGE_DEFAULT, cursor = 0;
    int has_site = tby_server__query(request, "site", site, sizeof(site));
    int has_active = tby_server__query(request, "active", active, sizeof(active));
    if (has_site < 0 || has_active < 0 ||
        (has_active && strcmp(active, "true") && strcmp(active, "false"))) {
        tby_server__error(out, 400, "invalid_value", has_site < 0 ? "site" : "active", -1,
                          has_site < 0 ? "site is too long or badly encoded"
                                       : "active is true (the default) or false (every one)");
        return;
    }
    if (!tby_server__query_int(request, "limit", 1, TBY_SERVER_PAGE_MAX, &limit, out) ||
        !tby_server__query_int(request, "cursor", 0, INT64_MAX, &cursor, out))
        return;
    if (has_site && !tby_server__authorize_site(server, request, site, "site", out))
        return;
    tby_store *store = tby_server__store(server, out);
    if (!store)
        return;
    clearance_pager pager = {&request->principal, has_site ? site : NULL, limit, 0, false,
                             json_array()};
    bool active_only = !has_active || !strcmp(active, "true");
    tby_error err;
    tby_error_clear(&err);
    int rc = pager.items ? tby_store_clearances_foreach(store, cursor, 0, active_only, on_clearance,
                                                        &pager, &err)
                         : TBY_ENOMEM;
    if (rc && rc != 1) {
        json_decref(pager.items);
        tby_server__store_error(out, rc, &err);
        return;
    }
    snprintf(request->audit_subject, sizeof(request->audit_subject), "clearances%s%.64s",
             has_site ? " site=" : "", has_site ? site : "");
    snprintf(request->audit_outcome, sizeof(request->audit_outcome), "%zu clearances",
             json_array_size(pager.items));
    char next[32];
    snprintf(next, sizeof(next), "%lld", (long long)pager.last);
    tby_server__json(out, 200,
                     json_pack("{s:o, s:s?}", "clearances", pager.items, "next_cursor",
                               pager.has_more ? next : NULL));
}

/* ===== POST /v1/clearances/{id}/revoke ===== */

static const tby_server__field revoke_fields[] = {
    {"reason", TBY_TYPE_STRING, true},
    {"purpose", TBY_TYPE_STRING, true},
};

typedef struct clearance_site {
    bool is_found;
    bool has_site;
    char site[TBY_STORE_NAME_LEN];
} clearance_site;

static int on_clearance_site(const tby_store_clearance *c, void *payload)
{
    clearance_site *s = payload;
    s->is_found = true;
    s->has_site = c->site != NULL;
    snprintf(s->site, sizeof(s->site), "%s", c->site ? c->site : "");
    return 0;
}

void tby_server__api_clearance_revoke(tby_server *server, tby_server__request *request,
                                      tby_server_response *out)
{
    json_t *body = request->json;
    if (!tby_server__check_fields(body, revoke_fields,
                                  sizeof(revoke_fields) / sizeof(revoke_fields[0]), "", out))
        return;
    int64_t id = 0;
    if (!path_id(request, 2, "clearance", &id, out))
        return;
    const char *reason = json_string_value(json_object_get(body, "reason"));
    if (!reason[0] || strlen(reason) > REASON_MAX) {
        tby_server__error(out, 400, "invalid_value", "reason", -1,
                          "a reason of 1..%d bytes: why the pair is looked at again", REASON_MAX);
        return;
    }
    tby_store *reader = tby_server__store(server, out);
    if (!reader)
        return;
    clearance_site where;
    memset(&where, 0, sizeof(where));
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_store_clearances_foreach(reader, 0, id, false, on_clearance_site, &where, &err);
    if (rc) {
        tby_server__store_error(out, rc, &err);
        return;
    }
    if (!where.is_found) {
        tby_server__error(out, 404, "not_found", "id", -1, "no clearance %lld", (long long)id);
        return;
    }
    const char *site = where.has_site ? where.site : (request->principal.all_sites ? NULL : "");
    if (!tby_server__authorize_site(server, request, site, "id", out))
        return;
    snprintf(request->audit_subject, sizeof(request->audit_subject), "clearance:%lld",
             (long long)id);
    tby_server_db *db = server->opts.db;
    tby_store *store = tby_server__db_lock(db);
    size_t reopened = 0;
    int64_t seq = 0;
    rc = tby_store_begin(store, &err);
    if (!rc)
        rc = tby_store_clearance_revoke(store, id, request->principal.user, reason, &reopened, &seq,
                                        &err);
    if (!rc)
        snprintf(request->audit_outcome, sizeof(request->audit_outcome), "revoked, %zu reopened",
                 reopened);
    if (!review_commit(server, request, db, store, rc, &err, out))
        return;
    tby_server__json(out, 200,
                     json_pack("{s:I, s:b, s:I, s:I}", "clearance", (json_int_t)id, "active", 0,
                               "alerts_reopened", (json_int_t)reopened, "audit_seq",
                               (json_int_t)seq));
}

/* ===== GET /v1/redress/{reference} ===== */

static int64_t wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

/* Seconds the key must wait (0: go on); under server->redress_lock. */
static unsigned redress_wait(tby_server *server, const char *key, int64_t now)
{
    for (size_t i = 0; i < TBY_SERVER__REDRESS_SLOTS; i++) {
        tby_server__redress_limit *e = &server->redress_limits[i];
        if (!e->key[0] || strcmp(e->key, key))
            continue;
        if (now - e->window_start >= TBY_SERVER__REDRESS_WINDOW)
            return 0;
        if (e->misses < TBY_SERVER__REDRESS_MISSES)
            return 0;
        return (unsigned)(e->window_start + TBY_SERVER__REDRESS_WINDOW - now);
    }
    return 0;
}

/* Counts a lookup of a reference that does not exist; under server->redress_lock. */
static void redress_miss(tby_server *server, const char *key, int64_t now)
{
    tby_server__redress_limit *slot = NULL, *oldest = &server->redress_limits[0];
    for (size_t i = 0; i < TBY_SERVER__REDRESS_SLOTS && !slot; i++) {
        tby_server__redress_limit *e = &server->redress_limits[i];
        if (e->key[0] && !strcmp(e->key, key))
            slot = e;
        else if (e->window_start < oldest->window_start)
            oldest = e;
    }
    if (!slot) {
        slot = oldest;
        memset(slot, 0, sizeof(*slot));
        snprintf(slot->key, sizeof(slot->key), "%s", key);
    }
    if (now - slot->window_start >= TBY_SERVER__REDRESS_WINDOW) {
        slot->window_start = now;
        slot->misses = 0;
    }
    slot->misses++;
}

void tby_server__api_redress(tby_server *server, tby_server__request *request,
                             tby_server_response *out)
{
    char keys[2][96];
    snprintf(keys[0], sizeof(keys[0]), "user:%.80s", request->principal.user);
    snprintf(keys[1], sizeof(keys[1]), "addr:%.80s", request->client);
    int64_t now = wall_seconds();
    pthread_mutex_lock(&server->redress_lock);
    unsigned wait = redress_wait(server, keys[0], now);
    unsigned wait_addr = redress_wait(server, keys[1], now);
    pthread_mutex_unlock(&server->redress_lock);
    if (wait_addr > wait)
        wait = wait_addr;
    if (wait) {
        tby_server__error(out, 429, "too_many_requests", NULL, -1,
                          "too many unknown redress references from this user or address: try "
                          "again in %u s",
                          wait);
        out->retry_after = wait;
        return;
    }
    char text[64], reference[TBY_REDRESS_REF_LEN];
    bool is_shaped = tby_server__path_segment(request, 2, text, sizeof(text)) &&
                     tby_redress_ref_normalize(reference, text) == 0;
    tby_redress_status status = TBY_REDRESS_UNKNOWN;
    if (is_shaped) {
        tby_store *store = tby_server__store(server, out);
        if (!store)
            return;
        tby_error err;
        tby_error_clear(&err);
        int rc = tby_store_redress_status(store, reference, &status, &err);
        if (rc) {
            tby_server__store_error(out, rc, &err);
            return;
        }
    }
    if (status == TBY_REDRESS_UNKNOWN) {
        pthread_mutex_lock(&server->redress_lock);
        redress_miss(server, keys[0], now);
        redress_miss(server, keys[1], now);
        pthread_mutex_unlock(&server->redress_lock);
    }
    snprintf(request->audit_subject, sizeof(request->audit_subject), "redress:%s",
             is_shaped ? reference : "(not a reference)");
    snprintf(request->audit_outcome, sizeof(request->audit_outcome), "%s",
             tby_redress_status_name(status));
    tby_server__json(out, 200,
                     json_pack("{s:s?, s:s}", "reference", is_shaped ? reference : NULL, "status",
                               tby_redress_status_name(status)));
}

/* ===== Alert counts for GET /v1/stats ===== */

typedef struct alert_counter {
    json_t *by_site;   /* {"camp-a": n, ...}; records without a site under "" */
    json_t *by_grade;  /* {"probable": n, ...} */
    json_t *by_status; /* {"open": n, ...} */
    int64_t total;
} alert_counter;

static int add_to(json_t *object, const char *key, int64_t count)
{
    json_t *value = json_object_get(object, key);
    return json_object_set_new(object, key,
                               json_integer(value ? json_integer_value(value) + count : count));
}

static int on_count(const char *site, const char *grade, tby_alert_status status, int64_t count,
                    void *payload)
{
    alert_counter *c = payload;
    c->total += count;
    return add_to(c->by_site, site ? site : "", count) || add_to(c->by_grade, grade, count) ||
                   add_to(c->by_status, tby_alert_status_name(status), count)
               ? TBY_ENOMEM
               : 0;
}

int tby_server__alert_counts(tby_store *store, const tby_server_principal *who, json_t **out,
                             tby_error *err)
{
    *out = NULL;
    alert_counter c = {json_object(), json_object(), json_object(), 0};
    /* Counted by the database, over an index, within the principal's sites. */
    tby_store_alert_filter filter = TBY_STORE_ALERT_FILTER_INIT;
    const char *scope[TBY_SERVER_MAX_SITES];
    filter_scope(&filter, who, scope);
    filter.statuses = TBY_ALERT_CURRENT;
    int rc = c.by_site && c.by_grade && c.by_status
                 ? tby_store_alert_counts(store, &filter, on_count, &c, err)
                 : TBY_ENOMEM;
    if (!rc)
        *out = json_pack("{s:I, s:o, s:o, s:o}", "total", (json_int_t)c.total, "by_site", c.by_site,
                         "by_grade", c.by_grade, "by_status", c.by_status);
    else {
        json_decref(c.by_site);
        json_decref(c.by_grade);
        json_decref(c.by_status);
    }
    if (!rc && !*out)
        rc = TBY_ENOMEM;
    return rc;
}
