// SPDX-License-Identifier: Apache-2.0
// POST /v1/records: registry records, one or many, into the store for the caller's sites:
//
//   {"record": {"id": "R1", "name": "Omar Khalil Ibrahim", "site": "camp-a", ...}}
//   {"records": [{...}, {...}], "purpose": "registration"}
//
// All or nothing: every record is checked (keys, types, site, values) and one bad record
// refuses the whole request with a 400 naming it ("records[3].birth_date"). A user scoped to
// sites gives each record one of their sites (a user with one site may leave it out), and may
// not replace a record that another site holds. The records, the import's own audit entry and
// the request's audit entry are one transaction: a 2xx means all of it is on disk, and a
// server killed at any moment leaves either all of it or none.
#include <jansson.h>
#include <string.h>

#include "io/io_int.h"
#include "server/server_int.h"

#define RECORDS_MAX 10000 /* records one request may carry */

static const tby_server__field records_fields[] = {
    {"record", TBY_TYPE_OBJECT, false},
    {"records", TBY_TYPE_ARRAY, false},
    {"purpose", TBY_TYPE_STRING, false},
};

typedef struct submit {
    tby_store_import *import;
    tby_error error; /* why adding a record failed */
} submit;

static int on_record(const tby_record *record, void *payload)
{
    submit *s = payload;
    return tby_store_import_add(s->import, record, &s->error);
}

/* The field name of record i's key: "record.key" for one record, "records[i].key" for many. */
static void field_name(char *out, size_t size, bool is_many, size_t i, const char *key)
{
    if (is_many)
        snprintf(out, size, "records[%zu]%s%s", i, key[0] ? "." : "", key);
    else
        snprintf(out, size, "record%s%s", key[0] ? "." : "", key);
}

/*
 * Checks record i: its keys and types, its id, its site (filled in for a user of one site,
 * and checked against the caller's), and that a stored record of that id is not another
 * site's. False with the answer in *out.
 */
static bool check_one(tby_server *server, tby_server__request *request, tby_store *store,
                      json_t *record, bool is_many, size_t i, tby_server_response *out)
{
    char prefix[48], field[96];
    field_name(prefix, sizeof(prefix), is_many, i, "");
    snprintf(prefix + strlen(prefix), sizeof(prefix) - strlen(prefix), ".");
    if (!json_is_object(record)) {
        field_name(field, sizeof(field), is_many, i, "");
        tby_server__error(out, 400, "wrong_type", field, -1, "%s must be an object", field);
        return false;
    }
    if (!tby_server__check_record(record, prefix, out))
        return false;
    json_t *id = json_object_get(record, "id");
    if (!id || json_is_null(id) || (json_is_string(id) && !json_string_length(id))) {
        field_name(field, sizeof(field), is_many, i, "id");
        tby_server__error(out, 400, "missing_field", field, -1,
                          "%s is required: the registry keeps records by id", field);
        return false;
    }
    const tby_server_principal *who = &request->principal;
    json_t *site = json_object_get(record, "site");
    if ((!site || json_is_null(site)) && !who->all_sites) {
        if (who->site_count != 1) {
            field_name(field, sizeof(field), is_many, i, "site");
            tby_server__error(out, 400, "missing_field", field, -1,
                              "%s is required: user %s works for several sites", field, who->user);
            return false;
        }
        if (json_object_set_new(record, "site", json_string(who->sites[0]))) {
            tby_server__error(out, 500, "internal", NULL, -1, "out of memory");
            return false;
        }
        site = json_object_get(record, "site");
    }
    const char *site_name = json_is_string(site) ? json_string_value(site) : NULL;
    field_name(field, sizeof(field), is_many, i, "site");
    if (!tby_server__authorize_site(server, request, site_name, field, out))
        return false;
    if (who->all_sites)
        return true;
    /* A record another site holds is not this user's to replace. */
    char id_text[64];
    const char *record_id = json_string_value(id);
    if (json_is_integer(id)) {
        snprintf(id_text, sizeof(id_text), "%lld", (long long)json_integer_value(id));
        record_id = id_text;
    }
    char stored_site[TBY_STORE_NAME_LEN];
    bool found = false;
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_store_registry_site(store, record_id, stored_site, &found, &err);
    if (rc == TBY_ETOOLARGE) {
        found = true;
        stored_site[0] = '\0';
    } else if (rc) {
        tby_server__store_error(out, rc, &err);
        return false;
    }
    if (found && !tby_server_principal_has_site(who, stored_site[0] ? stored_site : "")) {
        field_name(field, sizeof(field), is_many, i, "id");
        tby_server__error(out, 403, "forbidden", field, -1,
                          "record %.64s is held by another site: user %s may not replace it",
                          record_id, who->user);
        return false;
    }
    return true;
}

/* Adds record i to the import; false with a 400 naming the field when it does not read. */
static bool add_one(submit *s, json_t *record, bool is_many, size_t i, tby_server_response *out)
{
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.strict = true;
    opts.source_name = "record";
    tby_error err;
    tby_error_clear(&err);
    tby_error_clear(&s->error);
    int rc = tby_io__record_from_json(record, &opts, on_record, s, &err);
    if (!rc)
        return true;
    const tby_error *e = s->error.code ? &s->error : &err;
    char field[96];
    if (rc == TBY_EEXISTS)
        field_name(field, sizeof(field), is_many, i, "id");
    else
        field_name(field, sizeof(field), is_many, i, e->field);
    if (rc == TBY_ENOMEM)
        tby_server__error(out, 500, "internal", NULL, -1, "out of memory");
    else if (rc == TBY_EIO)
        tby_server__store_error(out, rc, e);
    else
        tby_server__error(out, 400, "invalid_value", field, -1, "%s: %s", field, e->message);
    return false;
}

void tby_server__api_records(tby_server *server, tby_server__request *request,
                             tby_server_response *out)
{
    json_t *body = request->json;
    if (!tby_server__check_fields(body, records_fields,
                                  sizeof(records_fields) / sizeof(records_fields[0]), "", out))
        return;
    json_t *one = json_object_get(body, "record"), *many = json_object_get(body, "records");
    if (!one == !many) {
        tby_server__error(out, 400, one ? "invalid_value" : "missing_field", "records", -1,
                          "give \"record\" (one) or \"records\" (an array), not %s",
                          one ? "both" : "neither");
        return;
    }
    size_t count = many ? json_array_size(many) : 1;
    if (count == 0 || count > RECORDS_MAX) {
        tby_server__error(out, 400, "invalid_value", "records", -1,
                          "records must hold 1..%d records", RECORDS_MAX);
        return;
    }
    tby_server_db *db = server->opts.db;
    tby_store *store = tby_server__db_lock(db);
    for (size_t i = 0; i < count; i++) {
        if (!check_one(server, request, store, many ? json_array_get(many, i) : one, many != NULL,
                       i, out)) {
            tby_server__db_unlock(db);
            return;
        }
    }
    /* Every record names the same site: the audit names it too. */
    const char *site =
        json_string_value(json_object_get(many ? json_array_get(many, 0) : one, "site"));
    for (size_t i = 1; site && i < count; i++) {
        const char *other = json_string_value(json_object_get(json_array_get(many, i), "site"));
        if (!other || strcmp(other, site))
            site = NULL;
    }
    request->audit_site = site;

    submit s;
    memset(&s, 0, sizeof(s));
    tby_error err;
    tby_error_clear(&err);
    tby_store_import_options opts = TBY_STORE_IMPORT_OPTIONS_INIT;
    opts.actor = request->principal.user;
    opts.strict = true;
    int rc = tby_store_registry_import_begin(store, &opts, &s.import, &err);
    if (rc) {
        tby_server__db_unlock(db);
        tby_server__store_error(out, rc, &err);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        if (!add_one(&s, many ? json_array_get(many, i) : one, many != NULL, i, out)) {
            tby_store_import_abort(s.import);
            tby_server__db_unlock(db);
            return;
        }
    }
    /* The request's own audit entry goes into the import's transaction. */
    snprintf(request->audit_subject, sizeof(request->audit_subject), "registry: %zu record(s)",
             count);
    snprintf(request->audit_outcome, sizeof(request->audit_outcome), "stored");
    if (!tby_server__audit_now(server, request, 200, out)) {
        tby_store_import_abort(s.import);
        tby_server__db_unlock(db);
        return;
    }
    tby_store_import_stats stats;
    rc = tby_store_import_commit(s.import, &stats, &err);
    tby_server__db_unlock(db);
    if (rc) {
        tby_server__store_error(out, rc, &err);
        return;
    }
    if (stats.added || stats.changed)
        tby_server__screen_runs_request(server, NULL);
    tby_server__json(out, 200,
                     json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "import",
                               (json_int_t)stats.import_id, "records", (json_int_t)stats.records,
                               "added", (json_int_t)stats.added, "changed",
                               (json_int_t)stats.changed, "unchanged", (json_int_t)stats.unchanged,
                               "audit_seq", (json_int_t)stats.audit_seq));
}
