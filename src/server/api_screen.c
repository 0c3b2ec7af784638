// SPDX-License-Identifier: Apache-2.0
// POST /v1/screen: one person, in the record format as JSON (docs/record-format.md, the same
// keys as a JSON Lines row), screened against the list loaded at start.
//
//   {"record": {"id": "R1", "name": "Omar Khalil Ibrahim", "birth_date": "1979",
//               "site": "camp-khazir"},
//    "purpose": "registration", "threshold": 0.01, "max_alerts": 10}
//
// answers, for analysts, supervisors and admins, every alert with the structure that
// `tabayyun screen --json` prints (the same bytes: written directly here, json_write.c, rather
// than built as a json_t tree and dumped, which cost more than the rest of the server's own
// work per screening), and for registrars only whether the person needs an identifier check:
// the registrar never sees list details.
#include <jansson.h>
#include <string.h>

#include "io/io_int.h"
#include "records/records_int.h"
#include "screen/screen_int.h"
#include "server/server_int.h"

#define SCREEN_MAX_ALERTS 1000 /* most alerts one response may ask for */

static const tby_server__field screen_fields[] = {
    {"record", TBY_TYPE_OBJECT, true},
    {"purpose", TBY_TYPE_STRING, false},
    {"threshold", TBY_TYPE_NUMBER, false},
    {"max_alerts", TBY_TYPE_INTEGER, false},
};

typedef struct screen_call {
    tby_server *server;
    tby_screen_worker *worker;
    bool is_detailed;  /* the caller may see alerts (not a registrar) */
    double threshold;  /* alerts below are left out */
    size_t max_alerts; /* alerts kept */
    tby_buf alerts;    /* detailed: the alerts so far, written as JSON, comma-separated */
    tby_server__jw alerts_writer; /* ... by this writer */
    size_t alert_count;           /* alerts kept */
    bool is_truncated;            /* more alerts passed the threshold than max_alerts */
    tby_grade best;               /* highest grade kept */
    size_t by_grade[3];           /* alerts kept by grade */
    char record_id[128];          /* the record's id, copied out of the borrowed record */
    int64_t screen_ns;            /* time in the engine */
    tby_error error;              /* why screening failed */
} screen_call;

/* Returned by on_alert to stop the engine once nothing more will be kept. */
#define SCREEN_STOP 1

/* The record's and the list's forms of one aligned group of parts. */
static void jw_alert_link(tby_server__jw *w, const tby_alert *a, const tby_name_link *l)
{
    tby_server__jw_object(w);
    tby_server__jw_key(w, "record");
    tby_server__jw_array(w);
    for (unsigned i = l->a_first; i < l->a_first + l->a_count; i++)
        tby_server__jw_string(w, tby_name_part_at(a->record_parsed, i)->form);
    tby_server__jw_array_end(w);
    tby_server__jw_key(w, "list");
    tby_server__jw_array(w);
    for (unsigned i = l->b_first; i < l->b_first + l->b_count; i++)
        tby_server__jw_string(w, tby_name_part_at(a->entry_parsed, i)->form);
    tby_server__jw_array_end(w);
    tby_server__jw_key(w, "tier");
    tby_server__jw_string(w, tby_tier_name(l->tier));
    tby_server__jw_key(w, "similarity");
    tby_server__jw_real(w, l->similarity);
    tby_server__jw_key(w, "weight");
    tby_server__jw_real(w, l->weight);
    tby_server__jw_object_end(w);
}

/*
 * The alert as tby_screen__alert_json (src/screen/alert_json.c) builds it for `tabayyun
 * screen --json`, written directly: the same keys in the same order, the same bytes
 * (tests/server/test_json_write.c checks that on real screenings, so a field added there and
 * not here fails the test).
 */
void tby_server__jw_alert(tby_server__jw *w, const tby_alert *a)
{
    tby_server__jw_object(w);
    tby_server__jw_key(w, "list_id");
    tby_server__jw_string(w, a->entry->id);
    tby_server__jw_key(w, "score");
    tby_server__jw_real(w, a->score);
    tby_server__jw_key(w, "grade");
    tby_server__jw_string(w, tby_grade_name(a->grade));
    tby_server__jw_key(w, "matched_name");
    tby_server__jw_string(w, a->matched_name);
    tby_server__jw_key(w, "record_name");
    tby_server__jw_string(w, a->record_name);
    tby_server__jw_key(w, "name_parts");
    tby_server__jw_array(w);
    for (size_t k = 0; k < a->name_match.link_count; k++)
        jw_alert_link(w, a, &a->name_match.links[k]);
    tby_server__jw_array_end(w);
    tby_server__jw_key(w, "fields");
    tby_server__jw_object(w);
    for (int f = 0; f < TBY_EVIDENCE_COUNT; f++) {
        tby_server__jw_key(w, tby_evidence_field_name((tby_evidence_field)f));
        tby_server__jw_object(w);
        tby_server__jw_key(w, "level");
        tby_server__jw_string(w, a->fields[f].level_name);
        tby_server__jw_key(w, "bits");
        tby_server__jw_real(w, a->fields[f].bits);
        tby_server__jw_object_end(w);
    }
    tby_server__jw_object_end(w);
    tby_server__jw_key(w, "name_rarity_bits");
    tby_server__jw_real(w, a->name_frequency_bits);
    tby_server__jw_key(w, "prior_bits");
    tby_server__jw_real(w, a->prior_bits);
    tby_server__jw_key(w, "weak_alias_agrees");
    tby_server__jw_bool(w, a->weak_alias_agrees);
    tby_server__jw_object_end(w);
}

static int on_alert(const tby_alert *alert, void *payload)
{
    screen_call *call = payload;
    /* Alerts arrive best first: the first one under the threshold ends the list. */
    if (alert->score < call->threshold)
        return SCREEN_STOP;
    if (call->alert_count == call->max_alerts) {
        call->is_truncated = true;
        return SCREEN_STOP;
    }
    if (call->is_detailed) {
        tby_server__jw_alert(&call->alerts_writer, alert);
        if (tby_server__jw_finish(&call->alerts_writer))
            return TBY_ENOMEM;
    }
    call->alert_count++;
    if (alert->grade > call->best)
        call->best = alert->grade;
    if ((unsigned)alert->grade < 3)
        call->by_grade[alert->grade]++;
    return 0;
}

/* Copies as much of s as fits, cut at a character boundary so the copy stays UTF-8 (the
 * response and the audit log are JSON, which must be). */
static void copy_utf8(char *out, size_t size, const char *s)
{
    size_t len = strlen(s);
    if (len > size - 1)
        len = size - 1;
    len = tby__utf8_validate(s, len);
    memcpy(out, s, len);
    out[len] = '\0';
}

static int on_record(const tby_record *record, void *payload)
{
    screen_call *call = payload;
    copy_utf8(call->record_id, sizeof(call->record_id), record->id);
    int64_t t0 = tby_server__now_ns();
    int rc = tby_screen_worker_record(call->worker, record, on_alert, call, &call->error);
    call->screen_ns = tby_server__now_ns() - t0;
    return rc == SCREEN_STOP ? 0 : rc;
}

/*
 * Checks the record object's keys and value types before the record reader sees it, so that
 * each problem gets its error code (unknown_field, wrong_type, missing_field); the reader
 * then checks the values themselves (invalid_value). Fields are named with `prefix`
 * ("record.", "records[3].").
 */
bool tby_server__check_record(json_t *record, const char *prefix, tby_server_response *out)
{
    const char *key;
    json_t *value;
    char name[TBY_ERROR_FIELD_LEN + 32];
    json_object_foreach(record, key, value)
    {
        int field = tby_record__field_lookup(key, strlen(key));
        bool is_list = field >= 0 && tby_record__field_is_list((tby_record_field)field);
        bool ok = field >= 0 && (json_is_string(value) || json_is_null(value) ||
                                 (field == TBY_FIELD_ID && json_is_integer(value)) ||
                                 (is_list && json_is_array(value)));
        if (ok)
            continue;
        /* The field's name only for the error: a key costs a lookup and a type test. */
        snprintf(name, sizeof(name), "%s%s", prefix, key);
        if (field < 0) {
            tby_server__error(out, 400, "unknown_field", name, -1,
                              "unknown field \"%s\" (the record format's keys: "
                              "docs/record-format.md)",
                              name);
            return false;
        }
        tby_server__error(out, 400, "wrong_type", name, -1, "%s must be a string%s", name,
                          is_list ? " or an array" : "");
        return false;
    }
    json_t *name_value = json_object_get(record, "name");
    json_t *given = json_object_get(record, "given");
    if ((!name_value || json_is_null(name_value)) && (!given || json_is_null(given))) {
        snprintf(name, sizeof(name), "%sname", prefix);
        tby_server__error(out, 400, "missing_field", name, -1,
                          "%s is required (or %sgiven with the name parts)", name, prefix);
        return false;
    }
    return true;
}

/* Reads the options next to the record; false with *out filled when one is out of range. */
static bool screen_options(tby_server *server, json_t *body, screen_call *call,
                           tby_server_response *out)
{
    call->threshold = server->opts.threshold;
    call->max_alerts = SCREEN_MAX_ALERTS;
    json_t *threshold = json_object_get(body, "threshold");
    if (threshold) {
        double value = json_number_value(threshold);
        if (!(value >= server->opts.threshold && value <= 1.0)) {
            tby_server__error(out, 400, "invalid_value", "threshold", -1,
                              "threshold must be between %g (the server's) and 1, not %g",
                              server->opts.threshold, value);
            return false;
        }
        call->threshold = value;
    }
    json_t *max_alerts = json_object_get(body, "max_alerts");
    if (max_alerts) {
        json_int_t value = json_integer_value(max_alerts);
        if (value < 1 || value > SCREEN_MAX_ALERTS) {
            tby_server__error(out, 400, "invalid_value", "max_alerts", -1,
                              "max_alerts must be 1..%d, not %lld", SCREEN_MAX_ALERTS,
                              (long long)value);
            return false;
        }
        call->max_alerts = (size_t)value;
    }
    return true;
}

static const char *outcome_name(const screen_call *call)
{
    if (!call->alert_count)
        return "clear";
    /* A registrar learns that a check is needed, never how strong the match is. */
    if (!call->is_detailed)
        return "identifier_check";
    return tby_grade_name(call->best);
}

/*
 * The answer, written directly (json_write.c: the bytes jansson would write for the same
 * object): {"record_id", "outcome"} and, for a detailed caller, "threshold", "alerts" (the
 * alerts written while screening) and "truncated". 500 when out of memory.
 */
static void screen_result(screen_call *call, tby_server_response *out)
{
    tby_buf buf = TBY_BUF_INIT(0);
    tby_server__jw w;
    tby_server__jw_init(&w, &buf);
    tby_server__jw_object(&w);
    tby_server__jw_key(&w, "record_id");
    tby_server__jw_string(&w, call->record_id);
    tby_server__jw_key(&w, "outcome");
    tby_server__jw_string(&w, outcome_name(call));
    if (call->is_detailed) {
        tby_server__jw_key(&w, "threshold");
        tby_server__jw_real(&w, call->threshold);
        tby_server__jw_key(&w, "alerts");
        tby_server__jw_array(&w);
        tby_server__jw_raw(&w, call->alerts.ptr, call->alerts.len);
        tby_server__jw_array_end(&w);
        tby_server__jw_key(&w, "truncated");
        tby_server__jw_bool(&w, call->is_truncated);
    }
    tby_server__jw_object_end(&w);
    if (tby_server__jw_finish(&w)) {
        tby__buf_dispose(&buf);
        tby_server__error(out, 500, "internal", NULL, -1, "out of memory");
        return;
    }
    tby_server_response_dispose(out);
    out->status = 200;
    out->body_len = buf.len;
    out->body = tby__buf_detach(&buf);
    out->content_type = "application/json";
}

void tby_server__api_screen(tby_server *server, tby_server__request *request,
                            tby_server_response *out)
{
    json_t *body = request->json;
    if (!tby_server__check_fields(body, screen_fields,
                                  sizeof(screen_fields) / sizeof(screen_fields[0]), "", out))
        return;
    screen_call call;
    memset(&call, 0, sizeof(call));
    call.server = server;
    call.is_detailed = request->principal.role != TBY_ROLE_REGISTRAR;
    if (!screen_options(server, body, &call, out))
        return;

    json_t *record = json_object_get(body, "record");
    if (!tby_server__check_record(record, "record.", out))
        return;
    json_t *site = json_object_get(record, "site");
    const char *site_id = json_is_string(site) ? json_string_value(site) : NULL;
    request->audit_site = site_id;
    /* A user scoped to sites says which one the person is at, so the scope can be checked. */
    if (!site_id && !request->principal.all_sites) {
        tby_server__error(out, 400, "missing_field", "record.site", -1,
                          "record.site is required: user %s works for some sites only",
                          request->principal.user);
        return;
    }
    if (!tby_server__authorize_site(server, request, site_id, "record.site", out))
        return;
    /* An ad-hoc screening needs no id; the record format requires one. */
    json_t *id = json_object_get(record, "id");
    if ((!id || json_is_null(id)) && json_object_set_new(record, "id", json_string("request"))) {
        tby_server__error(out, 500, "internal", NULL, -1, "out of memory");
        return;
    }

    tby_server__list *list = tby_server__list_acquire(server);
    if (!list) {
        tby_server__error(out, 503, "no_list", NULL, -1,
                          "no list is loaded: import one (POST /v1/lists/{name}/versions, or "
                          "tabayyun list import) and screen again");
        return;
    }
    call.worker = tby_server__worker(server, list);
    tby__buf_init(&call.alerts, 0);
    tby_server__jw_init(&call.alerts_writer, &call.alerts);
    if (!call.worker) {
        tby_server__list_release(list);
        tby_server__error(out, 500, "internal", NULL, -1, "out of memory");
        return;
    }
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.strict = true;
    opts.source_name = "record";
    tby_error err;
    tby_error_clear(&err);
    tby_error_clear(&call.error);
    int rc = tby_io__record_from_json(record, &opts, on_record, &call, &err);
    /* The person was screened (or tried to be) once the reader handed the record over. */
    if (call.record_id[0])
        snprintf(request->audit_subject, sizeof(request->audit_subject), "record %s",
                 call.record_id);
    if (rc == TBY_ENOMEM) {
        tby_server__error(out, 500, "internal", NULL, -1, "out of memory");
    } else if (rc == TBY_EEMPTY) {
        tby_server__error(out, 422, "no_usable_name", "record.name", -1, "%s", call.error.message);
    } else if (rc) {
        const tby_error *e = call.error.code ? &call.error : &err;
        char field[TBY_ERROR_FIELD_LEN + 16];
        snprintf(field, sizeof(field), "record.%s", e->field);
        tby_server__error(out, 400, "invalid_value", e->field[0] ? field : "record", -1, "%s",
                          e->message);
    } else {
        atomic_fetch_add_explicit(&server->metrics.screenings, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&server->metrics.screen_ns, (uint_fast64_t)call.screen_ns,
                                  memory_order_relaxed);
        for (int g = 0; g < 3; g++)
            atomic_fetch_add_explicit(&server->metrics.alerts[g], call.by_grade[g],
                                      memory_order_relaxed);
        snprintf(request->audit_outcome, sizeof(request->audit_outcome), "%s, %zu alert(s)",
                 outcome_name(&call), call.alert_count);
        screen_result(&call, out);
    }
    tby__buf_dispose(&call.alerts);
    tby_server__list_release(list);
}
