// SPDX-License-Identifier: Apache-2.0
// Reviewing alerts: reading them, reviewers' decisions, the clearances a decision to clear
// makes, and what a redress reference tells the person it was given to.
//
// A decision is one write transaction: the alert's status, the decision row, for a clear the
// clearance, and the audit entry. The transitions (anything else is refused):
//
//   open, escalated, pending_confirmation --clear (reason required)--> cleared + clearance
//   open                                  --escalate-->                escalated
//   open, escalated                       --confirm-->                 pending_confirmation
//   pending_confirmation --confirm by another reviewer than the first--> confirmed
//
// A redress reference is "TBY-" and twelve characters of Crockford's base 32 (no I, L, O,
// U: nothing to misread), 60 random bits from libsodium. It says only whether the pair it
// was issued for is still cleared, and never which list or which entry.
#include <jansson.h>
#include <sodium.h>
#include <stddef.h>
#include <string.h>

#include "store/store_int.h"

/* ===== Names ===== */

static const char *const status_names[] = {
    NULL,        "open",       "suppressed", "cleared", "escalated", "pending_confirmation",
    "confirmed", "superseded",
};

#define STATUS_LAST TBY_ALERT_SUPERSEDED

const char *tby_alert_status_name(tby_alert_status status)
{
    return status >= TBY_ALERT_OPEN && status <= STATUS_LAST ? status_names[status] : "";
}

int tby_alert_status_parse(tby_alert_status *out, const char *name)
{
    TBY_ASSERT_ARG(out != NULL);
    for (int s = TBY_ALERT_OPEN; name && s <= STATUS_LAST; s++) {
        if (!strcmp(name, status_names[s])) {
            *out = (tby_alert_status)s;
            return TBY_OK;
        }
    }
    return TBY_EINVALID;
}

static tby_alert_status status_from_text(const char *name)
{
    tby_alert_status status = TBY_ALERT_OPEN;
    return tby_alert_status_parse(&status, name) ? (tby_alert_status)0 : status;
}

const char *tby_alert_action_name(tby_alert_action action)
{
    switch (action) {
    case TBY_ALERT_CLEAR:
        return "clear";
    case TBY_ALERT_ESCALATE:
        return "escalate";
    case TBY_ALERT_CONFIRM:
        return "confirm";
    }
    return "";
}

static tby_alert_action action_from_text(const char *name)
{
    if (!strcmp(name, "clear"))
        return TBY_ALERT_CLEAR;
    if (!strcmp(name, "escalate"))
        return TBY_ALERT_ESCALATE;
    return TBY_ALERT_CONFIRM;
}

const char *tby_redress_status_name(tby_redress_status status)
{
    switch (status) {
    case TBY_REDRESS_CLEARED:
        return "cleared";
    case TBY_REDRESS_UNDER_REVIEW:
        return "under review";
    case TBY_REDRESS_UNKNOWN:
        break;
    }
    return "unknown";
}

/* ===== Reading alerts ===== */

/* Most sites a filter's scope may name (a user holds grants at a few). */
#define FILTER_SITES_MAX 256

typedef struct alert_forward {
    tby_store_alert_cb cb;
    void *payload;
} alert_forward;

static int forward_alert(const tby_store_alert *alert, const char *status, void *payload)
{
    alert_forward *forward = payload;
    tby_store_alert copy = *alert;
    copy.status = status_from_text(status);
    return forward->cb(&copy, forward->payload);
}

/* A JSON array of strings as text (tby__free it); NULL when out of memory. */
static char *names_json(const char *const *names, size_t count)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < count; i++) {
        if (json_array_append_new(array, json_string(names[i] ? names[i] : ""))) {
            json_decref(array);
            array = NULL;
        }
    }
    char *text = array ? tby_store__json_text(array) : NULL;
    json_decref(array);
    return text;
}

/* The backend's query for a filter; *sites_json (tby__free it) holds its sites. Reads the
   list's id, so it runs inside a read transaction. */
static int alert_query(tby_store *store, const tby_store_alert_filter *filter,
                       tby_store__alert_query *query, char *statuses, size_t size,
                       char **sites_json, tby_error *err)
{
    memset(query, 0, sizeof(*query));
    *sites_json = NULL;
    tby_store_alert_filter local = TBY_STORE_ALERT_FILTER_INIT;
    if (filter && filter->version == 1)
        memcpy(&local, filter, offsetof(tby_store_alert_filter, site)); /* version 1's fields */
    else if (filter && filter->version == TBY_STORE_ALERT_FILTER_VERSION)
        local = *filter;
    else if (filter)
        return tby__error(err, TBY_EINVALID, -1, "alert filter of another version");
    local.version = TBY_STORE_ALERT_FILTER_VERSION;
    unsigned set = local.statuses ? local.statuses : TBY_ALERT_QUEUE;
    if (set & ~(unsigned)TBY_ALERT_ALL)
        return tby__error(err, TBY_EINVALID, -1, "unknown alert status in the filter");
    if (local.grade && strcmp(local.grade, "probable") && strcmp(local.grade, "identifier_check"))
        return tby__error(err, TBY_EINVALID, -1,
                          "alert grade \"%.64s\": \"probable\" or \"identifier_check\"",
                          local.grade);
    if (local.sites && local.site_count > FILTER_SITES_MAX)
        return tby__error(err, TBY_EINVALID, -1, "more than %d sites in an alert filter",
                          FILTER_SITES_MAX);
    /* The statuses as a JSON array of names, which the backend matches with an index. */
    size_t used = (size_t)snprintf(statuses, size, "[");
    for (int s = TBY_ALERT_OPEN; s <= STATUS_LAST; s++) {
        if (set & TBY_ALERT_STATUS_BIT(s)) {
            used += (size_t)snprintf(statuses + used, size - used, "%s\"%s\"", used > 1 ? "," : "",
                                     status_names[s]);
            query->statuses[query->status_count++] = status_names[s];
        }
    }
    snprintf(statuses + used, size - used, "]");
    query->alert_id = local.alert_id;
    query->statuses_json = statuses;
    query->grade = local.grade;
    query->site = local.site;
    query->created_from = local.created_from;
    query->created_to = local.created_to;
    query->after_id = local.after_id > 0 ? local.after_id : 0;
    query->limit = local.limit > (size_t)INT64_MAX ? 0 : (int64_t)local.limit;
    if (local.sites) {
        *sites_json = names_json(local.sites, local.site_count);
        if (!*sites_json)
            return tby__error(err, TBY_ENOMEM, -1, "out of memory");
        query->sites_json = *sites_json;
    }
    if (local.list_name) {
        tby_store__version_ref ref;
        int rc = store->backend->list_find(store->conn, local.list_name, 0, &ref, err);
        if (rc)
            return rc;
        query->list_id = ref.list_id;
    }
    return TBY_OK;
}

int tby_store_alerts_foreach(tby_store *store, const tby_store_alert_filter *filter,
                             tby_store_alert_cb cb, void *payload, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && cb != NULL);
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (rc)
        return rc;
    tby_store__alert_query query;
    char statuses[256], *sites_json = NULL;
    rc = alert_query(store, filter, &query, statuses, sizeof(statuses), &sites_json, err);
    alert_forward forward = {cb, payload};
    if (!rc)
        rc = store->backend->alerts_scan(store->conn, &query, forward_alert, &forward, err);
    tby__free(sites_json);
    tby_store__read_end(store, is_mine);
    return rc;
}

typedef struct count_forward {
    tby_store_alert_count_cb cb;
    void *payload;
} count_forward;

static int forward_count(const char *site, const char *grade, const char *status, int64_t count,
                         void *payload)
{
    count_forward *forward = payload;
    return forward->cb(site, grade, status_from_text(status), count, forward->payload);
}

int tby_store_alert_counts(tby_store *store, const tby_store_alert_filter *filter,
                           tby_store_alert_count_cb cb, void *payload, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && cb != NULL);
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (rc)
        return rc;
    tby_store__alert_query query;
    char statuses[256], *sites_json = NULL;
    rc = alert_query(store, filter, &query, statuses, sizeof(statuses), &sites_json, err);
    count_forward forward = {cb, payload};
    if (!rc)
        rc = store->backend->alert_counts(store->conn, &query, forward_count, &forward, err);
    tby__free(sites_json);
    tby_store__read_end(store, is_mine);
    return rc;
}

typedef struct decision_forward {
    tby_store_decision_cb cb;
    void *payload;
    int64_t alert_id;
} decision_forward;

static int forward_decision(const tby_store__decision_read *row, void *payload)
{
    decision_forward *forward = payload;
    tby_store_decision d;
    d.id = row->id;
    d.alert_id = forward->alert_id;
    d.action = action_from_text(row->action);
    d.from = status_from_text(row->status_before);
    d.to = status_from_text(row->status_after);
    d.actor = row->actor;
    d.reason = row->reason;
    d.at = row->at;
    d.reference = row->reference;
    d.audit_seq = row->audit_seq;
    return forward->cb(&d, forward->payload);
}

int tby_store_alert_decisions(tby_store *store, int64_t alert_id, tby_store_decision_cb cb,
                              void *payload, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && cb != NULL);
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (rc)
        return rc;
    decision_forward forward = {cb, payload, alert_id};
    rc = store->backend->decisions_scan(store->conn, alert_id, forward_decision, &forward, err);
    tby_store__read_end(store, is_mine);
    return rc;
}

/* ===== Redress references ===== */

/* Crockford's base 32: digits and letters without I, L, O, U. */
static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#define REF_CHARS 12 /* 60 bits */

static void redress_ref_new(char out[TBY_REDRESS_REF_LEN])
{
    unsigned char random[REF_CHARS];
    randombytes_buf(random, sizeof(random));
    size_t at = 0;
    memcpy(out, "TBY", 3);
    at = 3;
    for (int i = 0; i < REF_CHARS; i++) {
        if (i % 4 == 0)
            out[at++] = '-';
        out[at++] = crockford[random[i] & 31];
    }
    out[at] = '\0';
    sodium_memzero(random, sizeof(random));
}

int tby_redress_ref_normalize(char out[TBY_REDRESS_REF_LEN], const char *text)
{
    TBY_ASSERT_ARG(out != NULL);
    out[0] = '\0';
    if (!text)
        return TBY_EINVALID;
    /* Every symbol, the prefix's too: a reference's own characters may spell TBY. */
    char symbols[REF_CHARS + 3];
    size_t count = 0;
    for (const char *p = text; *p; p++) {
        char c = *p;
        if (c == '-' || c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c == 'O')
            c = '0';
        else if (c == 'I' || c == 'L')
            c = '1';
        if (!strchr(crockford, c) || count == sizeof(symbols))
            return TBY_EINVALID;
        symbols[count++] = c;
    }
    const char *body = symbols;
    if (count == REF_CHARS + 3 && !memcmp(symbols, "TBY", 3))
        body += 3;
    else if (count != REF_CHARS)
        return TBY_EINVALID;
    size_t at = 3;
    memcpy(out, "TBY", 3);
    for (size_t i = 0; i < REF_CHARS; i++) {
        if (i % 4 == 0)
            out[at++] = '-';
        out[at++] = body[i];
    }
    out[at] = '\0';
    return TBY_OK;
}

int tby_store_redress_status(tby_store *store, const char *reference, tby_redress_status *out,
                             tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && out != NULL);
    *out = TBY_REDRESS_UNKNOWN;
    char canonical[TBY_REDRESS_REF_LEN];
    if (tby_redress_ref_normalize(canonical, reference))
        return tby__error(err, TBY_EINVALID, -1,
                          "not a redress reference (TBY- and 12 letters and digits, as "
                          "TBY-7K3Q-9XMD-2FHR)");
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (rc)
        return rc;
    bool is_found = false;
    char status[32];
    rc = store->backend->redress_find(store->conn, canonical, &is_found, status, sizeof(status),
                                      err);
    tby_store__read_end(store, is_mine);
    if (rc || !is_found)
        return rc;
    /* No standing alert (the pair no longer alerts), or one that is cleared or suppressed:
       the clearance stands. Anything else is being looked at again; the person is told no
       more than that. */
    *out = !status[0] || !strcmp(status, "cleared") || !strcmp(status, "suppressed")
               ? TBY_REDRESS_CLEARED
               : TBY_REDRESS_UNDER_REVIEW;
    return TBY_OK;
}

/* ===== Decisions ===== */

static int decision_audit(tby_store *store, int64_t alert_id, const tby_store__alert_state *alert,
                          const char *action, const char *actor, const char *reason,
                          const char *from, const char *to, const char *reference, int64_t *seq_out,
                          tby_error *err)
{
    json_t *detail =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?}", "alert", (json_int_t)alert_id,
                  "list", alert->list, "record", alert->record_id, "entry", alert->entry_id, "from",
                  from, "to", to, "reason", reason, "redress_reference", reference);
    char *text = detail ? tby_store__json_text(detail) : NULL;
    json_decref(detail);
    if (!text)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    char object[64], name[64];
    snprintf(object, sizeof(object), "alert:%lld", (long long)alert_id);
    snprintf(name, sizeof(name), "alert.%s", action);
    int rc = tby_store__audit_append(store, actor, name, object, text, seq_out, err);
    tby__free(text);
    return rc;
}

/* The status a decision leads to from `from` (in *to), or TBY_EINVALID with the reason when
   it is refused. */
static int decision_target(tby_store *store, int64_t alert_id, tby_alert_action action,
                           const char *from, const char *actor, const char **to, tby_error *err)
{
    bool is_standing = !strcmp(from, "open") || !strcmp(from, "escalated") ||
                       !strcmp(from, "pending_confirmation");
    if (!is_standing)
        return tby__error(err, TBY_EINVALID, -1,
                          "alert %lld is %s: only open, escalated and pending_confirmation alerts "
                          "are decided",
                          (long long)alert_id, from);
    switch (action) {
    case TBY_ALERT_CLEAR:
        *to = "cleared";
        return TBY_OK;
    case TBY_ALERT_ESCALATE:
        if (strcmp(from, "open"))
            return tby__error(err, TBY_EINVALID, -1,
                              "alert %lld is %s: only an open alert is escalated",
                              (long long)alert_id, from);
        *to = "escalated";
        return TBY_OK;
    case TBY_ALERT_CONFIRM:
        if (strcmp(from, "pending_confirmation")) {
            *to = "pending_confirmation";
            return TBY_OK;
        }
        break;
    }
    char first[256];
    int rc =
        store->backend->alert_first_confirmer(store->conn, alert_id, first, sizeof(first), err);
    if (rc)
        return rc;
    if (!strcmp(first, actor))
        return tby__error(err, TBY_EINVALID, -1,
                          "alert %lld: %s confirmed it already; a confirmation needs a second "
                          "reviewer, someone other than %s",
                          (long long)alert_id, actor, actor);
    *to = "confirmed";
    return TBY_OK;
}

int tby_store_alert_decide(tby_store *store, int64_t alert_id, tby_alert_action action,
                           const char *actor, const char *reason, tby_alert_decision *out,
                           tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL);
    if (out)
        memset(out, 0, sizeof(*out));
    if (action != TBY_ALERT_CLEAR && action != TBY_ALERT_ESCALATE && action != TBY_ALERT_CONFIRM)
        return tby__error(err, TBY_EINVALID, -1, "unknown decision %d", (int)action);
    if (!actor || !actor[0])
        return tby__error(err, TBY_EINVALID, -1, "a decision needs the reviewer's name");
    if (reason && !reason[0])
        reason = NULL;
    if (action == TBY_ALERT_CLEAR && !reason)
        return tby__error(err, TBY_EINVALID, -1,
                          "clearing alert %lld needs a reason (why it is not the listed person)",
                          (long long)alert_id);
    const char *bad = NULL;
    if ((reason && tby__utf8_validate(reason, strlen(reason)) != strlen(reason) &&
         (bad = "reason")) ||
        (tby__utf8_validate(actor, strlen(actor)) != strlen(actor) && (bad = "actor")))
        return tby__error(err, TBY_EINVALID, -1, "the %s is not valid UTF-8", bad);

    /* Inside a transaction of tby_store_begin the decision joins it (the server writes the
       request's own audit entry with it); the caller commits or rolls back. */
    bool is_joined = store->is_user_tx && !store->import;
    int rc = is_joined ? TBY_OK : tby_store__begin_write(store, err);
    if (rc)
        return rc;
    tby_store__alert_state alert;
    memset(&alert, 0, sizeof(alert));
    rc = store->backend->alert_find(store->conn, alert_id, &alert, err);
    if (!rc && !alert.is_found)
        rc = tby__error(err, TBY_ENOTFOUND, -1, "no alert %lld", (long long)alert_id);
    const char *to = NULL;
    if (!rc)
        rc = decision_target(store, alert_id, action, alert.status, actor, &to, err);
    char at[TBY_STORE__TIME_LEN];
    tby_store__now(at);
    char reference[TBY_REDRESS_REF_LEN] = "";
    int64_t audit_seq = 0, decision_id = 0;
    if (!rc && action == TBY_ALERT_CLEAR)
        redress_ref_new(reference);
    if (!rc)
        rc = store->backend->alert_set_status(store->conn, alert_id, to, at, err);
    if (!rc)
        rc = decision_audit(store, alert_id, &alert, tby_alert_action_name(action), actor, reason,
                            alert.status, to, reference[0] ? reference : NULL, &audit_seq, err);
    if (!rc) {
        tby_store__decision_row row;
        row.alert_id = alert_id;
        row.action = tby_alert_action_name(action);
        row.status_before = alert.status;
        row.status_after = to;
        row.actor = actor;
        row.reason = reason;
        row.at = at;
        row.audit_seq = audit_seq;
        row.alert = &alert;
        row.reference = reference[0] ? reference : NULL;
        rc = store->backend->decision_insert(store->conn, &row, &decision_id, err);
        /* With 60 random bits a reference already taken practically never happens by
           chance; refuse rather than hand out someone else's reference. */
        if (rc == TBY_EEXISTS)
            rc = tby__error(err, TBY_ERROR, -1, "a new redress reference was already taken");
    }
    if (!is_joined) {
        if (!rc)
            rc = tby_store__commit(store, err);
        else
            tby_store__rollback(store);
    }
    if (!rc && out) {
        out->decision_id = decision_id;
        out->from = status_from_text(alert.status);
        out->to = status_from_text(to);
        out->audit_seq = audit_seq;
        snprintf(out->reference, sizeof(out->reference), "%s", reference);
    }
    tby__free(alert.record_id);
    tby__free(alert.entry_id);
    return rc;
}

/* ===== Clearances ===== */

int tby_store_clearances_foreach(tby_store *store, int64_t after_id, int64_t clearance_id,
                                 bool active_only, tby_store_clearance_cb cb, void *payload,
                                 tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && cb != NULL);
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (rc)
        return rc;
    rc = store->backend->clearances_scan(store->conn, after_id, clearance_id, active_only, cb,
                                         payload, err);
    tby_store__read_end(store, is_mine);
    return rc;
}

/* What a revocation needs to know of its clearance (copied out of the scan). */
typedef struct clearance_found {
    bool is_found;
    bool is_active;
    char *list;
    char *record_id;
    char *entry_id;
    char reference[TBY_REDRESS_REF_LEN];
    int64_t alert_id;
} clearance_found;

static int on_clearance_found(const tby_store_clearance *c, void *payload)
{
    clearance_found *f = payload;
    f->is_found = true;
    f->is_active = c->is_active;
    f->alert_id = c->alert_id;
    snprintf(f->reference, sizeof(f->reference), "%s", c->reference);
    f->list = tby__strndup(c->list, strlen(c->list));
    f->record_id = tby__strndup(c->record_id, strlen(c->record_id));
    f->entry_id = tby__strndup(c->entry_id, strlen(c->entry_id));
    return f->list && f->record_id && f->entry_id ? 0 : TBY_ENOMEM;
}

int tby_store_clearance_revoke(tby_store *store, int64_t clearance_id, const char *actor,
                               const char *reason, size_t *reopened_out, int64_t *audit_seq,
                               tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL);
    if (reopened_out)
        *reopened_out = 0;
    if (audit_seq)
        *audit_seq = 0;
    if (!actor || !actor[0])
        return tby__error(err, TBY_EINVALID, -1, "a revocation needs the reviewer's name");
    if (!reason || !reason[0])
        return tby__error(err, TBY_EINVALID, -1,
                          "revoking clearance %lld needs a reason (why the pair is looked at "
                          "again)",
                          (long long)clearance_id);
    if (tby__utf8_validate(reason, strlen(reason)) != strlen(reason) ||
        tby__utf8_validate(actor, strlen(actor)) != strlen(actor))
        return tby__error(err, TBY_EINVALID, -1, "the reason or the actor is not valid UTF-8");
    bool is_joined = store->is_user_tx && !store->import;
    int rc = is_joined ? TBY_OK : tby_store__begin_write(store, err);
    if (rc)
        return rc;
    clearance_found found;
    memset(&found, 0, sizeof(found));
    rc = store->backend->clearances_scan(store->conn, 0, clearance_id, false, on_clearance_found,
                                         &found, err);
    if (rc == TBY_ENOMEM)
        tby__error(err, TBY_ENOMEM, -1, "out of memory");
    if (!rc && !found.is_found)
        rc = tby__error(err, TBY_ENOTFOUND, -1, "no clearance %lld", (long long)clearance_id);
    if (!rc && !found.is_active)
        rc = tby__error(err, TBY_EINVALID, -1, "clearance %lld is revoked already",
                        (long long)clearance_id);
    char at[TBY_STORE__TIME_LEN];
    tby_store__now(at);
    size_t reopened = 0;
    if (!rc)
        rc = store->backend->clearance_revoke(store->conn, clearance_id, found.record_id,
                                              found.entry_id, at, &reopened, err);
    if (!rc) {
        json_t *detail = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:I}", "clearance",
                                   (json_int_t)clearance_id, "list", found.list, "record",
                                   found.record_id, "entry", found.entry_id, "alert",
                                   (json_int_t)found.alert_id, "redress_reference", found.reference,
                                   "reason", reason, "reopened", (json_int_t)reopened);
        char *text = detail ? tby_store__json_text(detail) : NULL;
        json_decref(detail);
        char object[64];
        snprintf(object, sizeof(object), "clearance:%lld", (long long)clearance_id);
        rc = text ? tby_store__audit_append(store, actor, "clearance.revoke", object, text,
                                            audit_seq, err)
                  : tby__error(err, TBY_ENOMEM, -1, "out of memory");
        tby__free(text);
    }
    if (!is_joined) {
        if (!rc)
            rc = tby_store__commit(store, err);
        else
            tby_store__rollback(store);
    }
    if (!rc && reopened_out)
        *reopened_out = reopened;
    tby__free(found.list);
    tby__free(found.record_id);
    tby__free(found.entry_id);
    return rc;
}
