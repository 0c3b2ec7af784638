// SPDX-License-Identifier: Apache-2.0
// The role x route x site matrix against the store-backed provider, with real users and
// tokens in a real database: every route of the table, called by every role (each a user
// whose role holds at every site), and by a registrar and an analyst of site camp-a, once with
// data of camp-a and once with data of camp-b. Each cell's answer is asserted: the status the
// route gives when allowed (2xx), or 403. The expected cells are written out below, not read
// from the route table, and the table is checked against them, so that a route whose roles
// change without this table changing fails here.
//
// Also: the audit (a personal-data request appends to the hash chain, with who, what, where
// and the purpose, and `audit verify` passes), a missing purpose (400 naming the field, no
// entry), site filtering of the statistics, the review routes (alerts by site, decisions with
// the second confirmation a supervisor's, clearances revoked, redress and its rate limit), a record
// held by another site, one-time passwords, login rate limits, revocation, and the cache forgetting
// a revoked token.
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <string.h>

#include "harness/test.h"
#include "server/server_int.h"
#include "store/store_test.h"

/* ===== The expected matrix ===== */

/*
 * Per operation: the roles allowed (r registrar, a analyst, s supervisor, u auditor, d admin;
 * "*" public), and whether the route acts on a site's data (a user scoped to camp-a is refused
 * data of camp-b). The status an allowed call gives is the route's success status.
 */
typedef struct cell_spec {
    const char *operation;
    const char *roles;
    bool is_site_scoped;
    int ok_status;
} cell_spec;

static const cell_spec specs[] = {
    {"health", "*", false, 200},       {"metrics", "*", false, 200},
    {"openapi", "*", false, 200},      {"login", "*", false, 200},
    {"logout", "rasud", false, 200},   {"change_password", "rasud", false, 200},
    {"screen", "rasd", true, 200},     {"submit_records", "rd", true, 200},
    {"lists", "asud", false, 200},     {"list_versions", "asud", false, 200},
    {"import_list", "d", false, 200},  {"list_diff", "asd", false, 200},
    {"audit", "ud", false, 200},       {"audit_verify", "ud", false, 200},
    {"stats", "asud", false, 200},     {"users", "d", false, 200},
    {"create_user", "d", false, 201},  {"disable_user", "d", false, 200},
    {"grant_role", "d", false, 200},   {"reset_password", "d", false, 200},
    {"tokens", "d", false, 200},       {"create_token", "d", false, 201},
    {"revoke_token", "d", false, 200}, {"alerts", "asd", true, 200},
    {"alert", "asd", true, 200},       {"decide_alert", "as", true, 200},
    {"clearances", "sd", true, 200},   {"revoke_clearance", "s", true, 200},
    {"redress", "rsd", false, 200},
};

static const cell_spec *spec_of(const char *operation)
{
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        if (!strcmp(specs[i].operation, operation))
            return &specs[i];
    }
    return NULL;
}

static unsigned roles_of(const char *letters)
{
    unsigned mask = 0;
    for (const char *c = letters; *c; c++) {
        const char *pos = strchr("rasud", *c);
        if (pos)
            mask |= 1u << (pos - "rasud");
    }
    return mask;
}

/* The letter of a role in the table above. */
static char role_letter(const char *role)
{
    static const char *const names[] = {"registrar", "analyst", "supervisor", "auditor", "admin"};
    for (int i = 0; i < 5; i++) {
        if (!strcmp(names[i], role))
            return "rasud"[i];
    }
    return '?';
}

/* ===== Fixture ===== */

/* The callers: one user per role at every site, and two scoped to camp-a. */
typedef struct caller {
    const char *user;
    const char *role;
    const char *site; /* NULL: every site */
    char token[TBY_STORE_SECRET_LEN];
    char password[64]; /* the current one */
    int password_changes;
} caller;

static caller callers[] = {
    {"m-registrar", "registrar", NULL, "", "", 0},   {"m-analyst", "analyst", NULL, "", "", 0},
    {"m-supervisor", "supervisor", NULL, "", "", 0}, {"m-auditor", "auditor", NULL, "", "", 0},
    {"m-admin", "admin", NULL, "", "", 0},           {"reg-a", "registrar", "camp-a", "", "", 0},
    {"ana-a", "analyst", "camp-a", "", "", 0},
};
#define CALLER_COUNT (sizeof(callers) / sizeof(callers[0]))
#define ADMIN        4

typedef struct fixture {
    char path[300];
    tby_server_db *db;
    tby_server *server;
    tby_store *store; /* the test thread's connection of db */
    int serial;       /* for unique names */
    char watchlist[4096];
} fixture;

static const char registry_csv[] = "id,name,birth_date,site\n"
                                   "R-A1,Omar Khalil Ibrahim,1979,camp-a\n"
                                   "R-A2,Fatima Ahmed Younis,1991,camp-a\n"
                                   "R-B1,Ali Hussein Abbas,1975,camp-b\n";

static bool fixture_open(fixture *f)
{
    memset(f, 0, sizeof(*f));
    store_test_path(f->path, sizeof(f->path), "matrix.db");
    store_test_remove_db(f->path);
    tby_store *setup = store_test_open(f->path, true);
    tby_error err;
    bool ok = setup && !store_test_list(setup, "watchlist",
                                        "id,name,birth_date\nWL-1,Ahmed Jassim Mohamed,1989\n"
                                        "WL-2,Yasin Taha Mahmoud,1982\n",
                                        true, NULL, &err);
    ok = ok && !store_test_registry(setup, registry_csv, NULL, true, NULL, &err);
    char hash[TBY_STORE_PASSWORD_HASH_LEN];
    ok = ok && !tby_store_password_hash(hash, "matrix-password-0", &err);
    for (size_t i = 0; ok && i < CALLER_COUNT; i++) {
        caller *c = &callers[i];
        tby_store_grant grant = {c->role, c->site};
        tby_store_user_spec spec = {c->user, NULL, &grant, 1, NULL, hash, false};
        ok = !tby_store_user_add(setup, &spec, "test", NULL, &err) &&
             !tby_store_token_create(setup, c->user, NULL, "matrix", 0, "test", c->token, NULL,
                                     &err);
        snprintf(c->password, sizeof(c->password), "matrix-password-0");
        c->password_changes = 0;
    }
    tby_store_close(setup);
    if (!ok) {
        fprintf(stderr, "fixture: %s\n", err.message);
        return false;
    }
    FILE *file = fopen("examples/watchlist.csv", "rb");
    size_t len = file ? fread(f->watchlist, 1, sizeof(f->watchlist) - 1, file) : 0;
    if (file)
        fclose(file);
    f->watchlist[len] = '\0';

    tby_server_auth auth;
    tby_record_set *set = NULL;
    tby_screener *screener = NULL;
    tby_server_options opts = {0};
    if (tby_server_db_open(&f->db, f->path, false, &err) ||
        tby_server_auth_store(&auth, f->db, NULL, &err))
        goto fail;
    opts.db = f->db;
    if (tby_server_new(&f->server, &opts, NULL, &auth, &err) ||
        tby_server_load_lists(f->db, &set, &screener, &err) ||
        tby_server_replace_list(f->server, set, screener, "matrix", &err))
        goto fail;
    f->store = tby_server__db_store(f->db, &err);
    return f->store != NULL;
fail:
    fprintf(stderr, "fixture: %s\n", err.message);
    return false;
}

static void fixture_close(fixture *f)
{
    tby_server_free(f->server);
    tby_server_db_free(f->db);
}

/* One request from `client`; returns the status, the parsed body in *json_out (optional). */
static int call(fixture *f, const char *client, const char *method, const char *path,
                const char *credential, bool is_cookie, const char *body, json_t **json_out,
                tby_server_response *response_out)
{
    char header[128];
    tby_server_header headers[3];
    size_t count = 0;
    if (credential) {
        if (is_cookie) {
            snprintf(header, sizeof(header), "tby_session=%s", credential);
            headers[count++] = (tby_server_header){"Cookie", header};
        } else {
            snprintf(header, sizeof(header), "Bearer %s", credential);
            headers[count++] = (tby_server_header){"Authorization", header};
        }
    }
    if (body)
        headers[count++] = (tby_server_header){"Content-Type", "application/json"};
    tby_server_response response;
    tby_server__handle(f->server, client, method, path, headers, count, body,
                       body ? strlen(body) : 0, &response);
    int status = response.status;
    if (json_out)
        *json_out = json_loadb(response.body, response.body_len, 0, NULL);
    if (response_out)
        *response_out = response;
    else
        tby_server_response_dispose(&response);
    return status;
}

static const char *error_field(json_t *json)
{
    return json_string_value(json_object_get(json_object_get(json, "error"), "field"));
}

/* A user made for one call (a target of disable, grant, reset, a token's owner). */
static void make_victim(fixture *f, char name[32])
{
    snprintf(name, 32, "victim-%d", ++f->serial);
    tby_store_grant grant = {"analyst", "camp-a"};
    tby_store_user_spec spec = {name, NULL, &grant, 1, NULL, NULL, false};
    tby_error err;
    if (tby_store_user_add(f->store, &spec, "test", NULL, &err))
        TEST__FAIL("victim: %s", err.message);
}

/* A new open alert of a record of `site` (R-A1 at camp-a, R-B1 at camp-b) from a delta run of
 * the watchlist whose findings the test makes up (a new entry id each time). Its id. */
static int64_t make_alert(fixture *f, const char *site)
{
    static const uint8_t hash[TBY_STORE_HASH_LEN] = {7};
    tby_store_run_info last;
    tby_error err;
    if (tby_store_run_last(f->store, "watchlist", &last, &err))
        TEST__FAIL("run_last: %s", err.message);
    tby_store_run_options opts = TBY_STORE_RUN_OPTIONS_INIT;
    static const unsigned char model[] = "a model";
    opts.actor = "test";
    opts.list_name = "watchlist";
    opts.list_version = 1;
    opts.base_run_id = last.id;
    if (last.model_id) {
        opts.model_id = last.model_id;
    } else {
        opts.model = model;
        opts.model_len = sizeof(model);
    }
    opts.threshold = 0.5;
    opts.engine_version = "test";
    tby_store_run *run = NULL;
    if (tby_store_run_begin(f->store, &opts, &run, &err))
        TEST__FAIL("run_begin: %s", err.message);
    char entry[32];
    snprintf(entry, sizeof(entry), "WL-M%d", ++f->serial);
    tby_store_found found = {!strcmp(site, "camp-a") ? "R-A1" : "R-B1",
                             hash,
                             entry,
                             hash,
                             0.9,
                             "probable",
                             "Ahmed Jassim Mohamed",
                             "{\"score\":0.9}",
                             "score 0.9"};
    tby_store_run_stats stats;
    if (tby_store_run_found(run, &found, &err) || tby_store_run_commit(run, &stats, &err))
        TEST__FAIL("run: %s", err.message);
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT id FROM alerts WHERE entry_id = '%s'", entry);
    return store_test_sql_int(f->path, sql);
}

/* A new active clearance of a record of `site`: its id, and its redress reference. */
static int64_t make_clearance(fixture *f, const char *site, char reference[TBY_REDRESS_REF_LEN])
{
    int64_t alert = make_alert(f, site);
    tby_alert_decision d;
    tby_error err;
    if (tby_store_alert_decide(f->store, alert, TBY_ALERT_CLEAR, "test", "not him", &d, &err))
        TEST__FAIL("clear: %s", err.message);
    snprintf(reference, TBY_REDRESS_REF_LEN, "%s", d.reference);
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT id FROM clearances WHERE alert_id = %lld", (long long)alert);
    return store_test_sql_int(f->path, sql);
}

/* Builds the request of `operation` for caller c, with data of `site`: its path (the route's
 * pattern filled in) and body (NULL when none). */
static void build(fixture *f, const tby_server__route *route, caller *c, const char *site,
                  char *path, size_t path_size, json_t **body)
{
    const char *operation = route->operation;
    *body = NULL;
    snprintf(path, path_size, "%s", route->pattern);
    char victim[32];
    if (!strcmp(operation, "login")) {
        *body = json_pack("{s:s, s:s}", "user", c->user, "password", c->password);
    } else if (!strcmp(operation, "change_password")) {
        char next[64];
        snprintf(next, sizeof(next), "matrix-password-%d", c->password_changes + 1);
        *body = json_pack("{s:s, s:s}", "password", c->password, "new_password", next);
    } else if (!strcmp(operation, "screen")) {
        *body = json_pack("{s:{s:s, s:s, s:s}, s:s}", "record", "name", "Ahmed Jassim Mohamed",
                          "birth_date", "1989", "site", site, "purpose", "matrix");
    } else if (!strcmp(operation, "submit_records")) {
        char id[32];
        snprintf(id, sizeof(id), "M-%d", ++f->serial);
        *body = json_pack("{s:[{s:s, s:s, s:s}], s:s}", "records", "id", id, "name",
                          "Khalid Saleh Hamad", "site", site, "purpose", "matrix");
    } else if (!strcmp(operation, "list_versions")) {
        snprintf(path, path_size, "/v1/lists/watchlist/versions");
    } else if (!strcmp(operation, "import_list")) {
        snprintf(path, path_size, "/v1/lists/watchlist/versions");
        *body = json_pack("{s:s, s:[{s:s, s:s}]}", "format", "csv", "files", "name",
                          "watchlist.csv", "content", f->watchlist);
    } else if (!strcmp(operation, "list_diff")) {
        snprintf(path, path_size, "/v1/lists/watchlist/diff?from=0&limit=5&purpose=matrix+test");
    } else if (!strcmp(operation, "audit")) {
        snprintf(path, path_size, "/v1/audit?limit=5&purpose=matrix%%20test");
    } else if (!strcmp(operation, "create_user")) {
        char name[32];
        snprintf(name, sizeof(name), "new-%d", ++f->serial);
        *body = json_pack("{s:s, s:[{s:s, s:[s]}], s:s}", "name", name, "roles", "role",
                          "registrar", "sites", "camp-a", "password", "a long new password");
    } else if (!strcmp(operation, "create_token")) {
        make_victim(f, victim);
        *body = json_pack("{s:s, s:s}", "user", victim, "label", "matrix");
    } else if (!strcmp(operation, "disable_user") || !strcmp(operation, "grant_role") ||
               !strcmp(operation, "reset_password")) {
        make_victim(f, victim);
        const char *tail = strrchr(route->pattern, '/');
        snprintf(path, path_size, "/v1/users/%s%s", victim, tail);
        if (!strcmp(operation, "grant_role"))
            *body = json_pack("{s:s}", "role", "auditor");
        else if (!strcmp(operation, "reset_password"))
            *body = json_object();
    } else if (!strcmp(operation, "alerts")) {
        snprintf(path, path_size, "/v1/alerts?site=%s&status=all&purpose=matrix", site);
    } else if (!strcmp(operation, "alert")) {
        snprintf(path, path_size, "/v1/alerts/%lld?purpose=matrix", (long long)make_alert(f, site));
    } else if (!strcmp(operation, "decide_alert")) {
        snprintf(path, path_size, "/v1/alerts/%lld/decisions", (long long)make_alert(f, site));
        *body = json_pack("{s:s, s:s}", "action", "escalate", "purpose", "matrix");
    } else if (!strcmp(operation, "clearances")) {
        snprintf(path, path_size, "/v1/clearances?site=%s&purpose=matrix", site);
    } else if (!strcmp(operation, "revoke_clearance")) {
        char reference[TBY_REDRESS_REF_LEN];
        snprintf(path, path_size, "/v1/clearances/%lld/revoke",
                 (long long)make_clearance(f, site, reference));
        *body = json_pack("{s:s, s:s}", "reason", "new evidence", "purpose", "matrix");
    } else if (!strcmp(operation, "redress")) {
        char reference[TBY_REDRESS_REF_LEN];
        make_clearance(f, site, reference);
        snprintf(path, path_size, "/v1/redress/%s", reference);
    } else if (!strcmp(operation, "revoke_token")) {
        make_victim(f, victim);
        char token[TBY_STORE_SECRET_LEN];
        int64_t id = 0;
        tby_error err;
        if (tby_store_token_create(f->store, victim, NULL, NULL, 0, "test", token, &id, &err))
            TEST__FAIL("token: %s", err.message);
        snprintf(path, path_size, "/v1/tokens/%lld", (long long)id);
    }
}

/* After a successful call: what the caller's state became. */
static void after(const char *operation, caller *c, int status)
{
    if (!strcmp(operation, "change_password") && status == 200) {
        c->password_changes++;
        snprintf(c->password, sizeof(c->password), "matrix-password-%d", c->password_changes);
    }
}

/* ===== The matrix ===== */

static void test_server_matrix__role_route_site(void)
{
    fixture f;
    if (!fixture_open(&f)) {
        TEST_CHECK(!"fixture");
        fixture_close(&f);
        return;
    }
    size_t cells = 0, allowed_cells = 0;
    for (size_t r = 0; r < tby_server__route_count; r++) {
        const tby_server__route *route = &tby_server__routes[r];
        const cell_spec *spec = spec_of(route->operation);
        if (!spec) {
            fprintf(stderr, "  %s %s has no row in the expected matrix\n", route->method,
                    route->pattern);
            TEST_CHECK(!"every route has a row");
            continue;
        }
        /* The route table says what this table says. */
        bool is_public = !strcmp(spec->roles, "*");
        TEST_INT_EQ((route->flags & TBY_ROUTE_PUBLIC) != 0, is_public);
        if (!is_public)
            TEST_INT_EQ(route->roles, roles_of(spec->roles));
        for (size_t i = 0; i < CALLER_COUNT; i++) {
            caller *c = &callers[i];
            /* Scoped callers twice: their own site's data, then another's. */
            for (int variant = 0; variant < (c->site ? 2 : 1); variant++) {
                const char *site = variant ? "camp-b" : "camp-a";
                char letter = role_letter(c->role);
                bool allowed = is_public || strchr(spec->roles, letter) != NULL;
                if (allowed && variant == 1 && spec->is_site_scoped)
                    allowed = false; /* camp-a's user, camp-b's data */
                char path[256];
                json_t *body = NULL;
                build(&f, route, c, site, path, sizeof(path), &body);
                char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
                json_decref(body);
                char client[32];
                snprintf(client, sizeof(client), "10.0.0.%zu", i + 1);
                json_t *answer = NULL;
                int status =
                    call(&f, client, route->method, path, c->token, false, text, &answer, NULL);
                int expected = allowed ? spec->ok_status : 403;
                if (status != expected)
                    fprintf(stderr, "  %s %s as %s%s%s: %d, expected %d\n", route->method, path,
                            c->user, c->site ? " with data of " : "", c->site ? site : "", status,
                            expected);
                TEST_INT_EQ(status, expected);
                if (!allowed)
                    TEST_STR_EQ(json_string_value(
                                    json_object_get(json_object_get(answer, "error"), "code")),
                                "forbidden");
                after(route->operation, c, status);
                json_decref(answer);
                free(text); /* jansson's, from json_dumps */
                cells++;
                allowed_cells += allowed;
            }
        }
    }
    /* Every row of the expected matrix is a route. */
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        bool found = false;
        for (size_t r = 0; r < tby_server__route_count && !found; r++)
            found = !strcmp(tby_server__routes[r].operation, specs[i].operation);
        TEST_CHECK(found);
    }
    TEST_INT_EQ(cells, tby_server__route_count * 9);
    fprintf(stderr, "  matrix: %zu routes x 9 callers = %zu cells, %zu allowed, %zu refused\n",
            tby_server__route_count, cells, allowed_cells, cells - allowed_cells);
    tby_audit_report report;
    TEST_INT_EQ(tby_store_audit_verify(f.store, &report, NULL), 0);
    fixture_close(&f);
}

/* ===== The audit ===== */

typedef struct last_entry {
    int64_t seq;
    char actor[64], action[64], object[160], detail[1024];
} last_entry;

static int on_entry(const tby_audit_entry *e, void *payload)
{
    last_entry *last = payload;
    last->seq = e->seq;
    snprintf(last->actor, sizeof(last->actor), "%s", e->actor);
    snprintf(last->action, sizeof(last->action), "%s", e->action);
    snprintf(last->object, sizeof(last->object), "%s", e->object);
    snprintf(last->detail, sizeof(last->detail), "%s", e->detail);
    return 0;
}

static last_entry last_audit(fixture *f)
{
    last_entry last;
    memset(&last, 0, sizeof(last));
    TEST_INT_EQ(tby_store_audit_foreach(f->store, 1, on_entry, &last, NULL), 0);
    return last;
}

static void test_server_matrix__audit(void)
{
    fixture f;
    if (!fixture_open(&f)) {
        TEST_CHECK(!"fixture");
        fixture_close(&f);
        return;
    }
    caller *reg = &callers[5];
    last_entry before = last_audit(&f);
    const char *person = "{\"record\": {\"id\": \"Q1\", \"name\": \"Ahmed Jassim Mohamed\", "
                         "\"site\": \"camp-a\"}, \"purpose\": \"registration at the desk\"}";
    json_t *json = NULL;
    TEST_INT_EQ(call(&f, "m", "POST", "/v1/screen", reg->token, false, person, &json, NULL), 200);
    /* A registrar learns that a check is needed, and nothing of the list. */
    TEST_STR_EQ(json_string_value(json_object_get(json, "outcome")), "identifier_check");
    TEST_INT_EQ(json_object_size(json), 2);
    json_decref(json);
    last_entry after_screen = last_audit(&f);
    TEST_INT_EQ(after_screen.seq, before.seq + 1);
    TEST_STR_EQ(after_screen.actor, "reg-a");
    TEST_STR_EQ(after_screen.action, "api.screen");
    TEST_STR_EQ(after_screen.object, "record Q1");
    TEST_CHECK(strstr(after_screen.detail, "\"purpose\":\"registration at the desk\"") != NULL);
    TEST_CHECK(strstr(after_screen.detail, "\"site\":\"camp-a\"") != NULL);
    TEST_CHECK(strstr(after_screen.detail, "\"role\":\"registrar\"") != NULL);

    /* No purpose: 400 naming it, and nothing read, nothing appended. */
    const char *no_purpose = "{\"record\": {\"name\": \"Ahmed Jassim Mohamed\", \"site\": "
                             "\"camp-a\"}}";
    TEST_INT_EQ(call(&f, "m", "POST", "/v1/screen", reg->token, false, no_purpose, &json, NULL),
                400);
    TEST_STR_EQ(error_field(json), "purpose");
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/lists/watchlist/diff", callers[1].token, false, NULL,
                     &json, NULL),
                400);
    TEST_STR_EQ(error_field(json), "purpose");
    json_decref(json);
    TEST_INT_EQ(last_audit(&f).seq, after_screen.seq);

    /* Records: the import, its audit entry and the request's are one transaction. */
    const char *records = "{\"records\": [{\"id\": \"N-1\", \"name\": \"Khalid Saleh\"}, "
                          "{\"id\": \"N-2\", \"name\": \"Huda Karim\", \"site\": \"camp-a\"}]}";
    TEST_INT_EQ(call(&f, "m", "POST", "/v1/records", reg->token, false, records, &json, NULL), 200);
    TEST_INT_EQ(json_integer_value(json_object_get(json, "added")), 2);
    json_decref(json);
    char site[TBY_STORE_NAME_LEN];
    bool found = false;
    /* A user of one site may leave it out: the record gets it. */
    TEST_INT_EQ(tby_store_registry_site(f.store, "N-1", site, &found, NULL), 0);
    TEST_CHECK(found);
    TEST_STR_EQ(site, "camp-a");
    last_entry after_records = last_audit(&f);
    TEST_STR_EQ(after_records.action, "registry.import");
    TEST_STR_EQ(after_records.actor, "reg-a");

    /* All or nothing: the third record is bad, so neither of the others is stored. */
    const char *bad =
        "{\"records\": [{\"id\": \"N-3\", \"name\": \"Aya Salem\"}, {\"id\": \"N-4\", "
        "\"name\": \"Aya Salem\"}, {\"id\": \"N-5\", \"name\": \"Aya Salem\", "
        "\"birth_date\": \"1990-02-30\"}]}";
    TEST_INT_EQ(call(&f, "m", "POST", "/v1/records", reg->token, false, bad, &json, NULL), 400);
    TEST_STR_EQ(error_field(json), "records[2].birth_date");
    json_decref(json);
    TEST_INT_EQ(tby_store_registry_site(f.store, "N-3", site, &found, NULL), 0);
    TEST_CHECK(!found);
    /* A record of camp-b may not be replaced by camp-a's registrar, even filed under camp-a. */
    const char *steal = "{\"record\": {\"id\": \"R-B1\", \"name\": \"Ali Hussein Abbas\", "
                        "\"site\": \"camp-a\"}}";
    TEST_INT_EQ(call(&f, "m", "POST", "/v1/records", reg->token, false, steal, &json, NULL), 403);
    TEST_STR_EQ(error_field(json), "record.id");
    json_decref(json);
    TEST_INT_EQ(last_audit(&f).seq, after_records.seq);

    /* The export is itself audited, and the chain verifies over all of it. */
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/audit?limit=2&purpose=quarterly+review", callers[3].token,
                     false, NULL, &json, NULL),
                200);
    TEST_INT_EQ(json_array_size(json_object_get(json, "entries")), 2);
    TEST_STR_EQ(json_string_value(json_object_get(json, "next_cursor")), "3");
    json_decref(json);
    last_entry after_export = last_audit(&f);
    TEST_STR_EQ(after_export.action, "api.audit");
    TEST_CHECK(strstr(after_export.detail, "\"purpose\":\"quarterly review\"") != NULL);
    TEST_INT_EQ(
        call(&f, "m", "GET", "/v1/audit/verify", callers[3].token, false, NULL, &json, NULL), 200);
    TEST_CHECK(json_is_true(json_object_get(json, "ok")));
    TEST_INT_EQ(json_integer_value(json_object_get(json, "head_seq")), after_export.seq);
    json_decref(json);
    tby_audit_report report;
    TEST_INT_EQ(tby_store_audit_verify(f.store, &report, NULL), 0);
    fixture_close(&f);
}

/* ===== Sites ===== */

static void test_server_matrix__stats_by_site(void)
{
    fixture f;
    if (!fixture_open(&f)) {
        TEST_CHECK(!"fixture");
        fixture_close(&f);
        return;
    }
    json_t *json = NULL;
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/stats", callers[6].token, false, NULL, &json, NULL), 200);
    json_t *registry = json_object_get(json, "registry");
    TEST_INT_EQ(json_integer_value(json_object_get(registry, "records")), 2);
    json_t *by_site = json_object_get(registry, "by_site");
    TEST_INT_EQ(json_array_size(by_site), 1);
    TEST_STR_EQ(json_string_value(json_object_get(json_array_get(by_site, 0), "site")), "camp-a");
    TEST_CHECK(json_is_false(json_object_get(json, "all_sites")));
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/stats", callers[3].token, false, NULL, &json, NULL), 200);
    TEST_INT_EQ(json_integer_value(json_object_get(json_object_get(json, "registry"), "records")),
                3);
    json_decref(json);
    fixture_close(&f);
}

/* ===== Review: alerts, decisions, clearances, redress ===== */

static void test_server_matrix__review(void)
{
    fixture f;
    if (!fixture_open(&f)) {
        TEST_CHECK(!"fixture");
        fixture_close(&f);
        return;
    }
    caller *ana_a = &callers[6], *ana = &callers[1], *sup = &callers[2], *reg = &callers[5];
    int64_t a1 = make_alert(&f, "camp-a"), b1 = make_alert(&f, "camp-b");
    json_t *json = NULL;
    /* The analyst of camp-a sees camp-a's alert only; one of every site sees both. */
    TEST_INT_EQ(
        call(&f, "m", "GET", "/v1/alerts?purpose=review", ana_a->token, false, NULL, &json, NULL),
        200);
    TEST_INT_EQ(json_array_size(json_object_get(json, "alerts")), 1);
    TEST_INT_EQ(json_integer_value(
                    json_object_get(json_array_get(json_object_get(json, "alerts"), 0), "id")),
                a1);
    json_decref(json);
    last_entry listed = last_audit(&f);
    TEST_STR_EQ(listed.action, "api.alerts");
    TEST_STR_EQ(listed.actor, "ana-a");
    TEST_CHECK(strstr(listed.detail, "\"purpose\":\"review\"") != NULL);
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/alerts?purpose=review&limit=1", ana->token, false, NULL,
                     &json, NULL),
                200);
    TEST_INT_EQ(json_array_size(json_object_get(json, "alerts")), 1);
    const char *next = json_string_value(json_object_get(json, "next_cursor"));
    char path[160];
    snprintf(path, sizeof(path), "/v1/alerts?purpose=review&limit=1&cursor=%s", next ? next : "x");
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "GET", path, ana->token, false, NULL, &json, NULL), 200);
    TEST_INT_EQ(json_integer_value(
                    json_object_get(json_array_get(json_object_get(json, "alerts"), 0), "id")),
                b1);
    TEST_CHECK(json_is_null(json_object_get(json, "next_cursor")));
    json_decref(json);
    /* Filters, and their errors name the parameter. */
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/alerts?purpose=r&grade=identifier_check", ana->token,
                     false, NULL, &json, NULL),
                200);
    TEST_INT_EQ(json_array_size(json_object_get(json, "alerts")), 0);
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/alerts?purpose=r&status=bogus", ana->token, false, NULL,
                     &json, NULL),
                400);
    TEST_STR_EQ(error_field(json), "status");
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/alerts?purpose=r&from=2999-01-01", ana->token, false,
                     NULL, &json, NULL),
                200);
    TEST_INT_EQ(json_array_size(json_object_get(json, "alerts")), 0);
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/alerts", ana->token, false, NULL, &json, NULL), 400);
    TEST_STR_EQ(error_field(json), "purpose");
    json_decref(json);
    /* Another site's alert: 403, and nothing is audited. */
    last_entry before = last_audit(&f);
    snprintf(path, sizeof(path), "/v1/alerts/%lld?purpose=review", (long long)b1);
    TEST_INT_EQ(call(&f, "m", "GET", path, ana_a->token, false, NULL, NULL, NULL), 403);
    TEST_INT_EQ(last_audit(&f).seq, before.seq);
    TEST_INT_EQ(
        call(&f, "m", "GET", "/v1/alerts/999999?purpose=r", ana->token, false, NULL, NULL, NULL),
        404);

    /* Clear: a reason is needed; the answer holds the redress reference. */
    snprintf(path, sizeof(path), "/v1/alerts/%lld/decisions", (long long)a1);
    TEST_INT_EQ(call(&f, "m", "POST", path, ana_a->token, false,
                     "{\"action\": \"clear\", \"purpose\": \"review\"}", &json, NULL),
                400);
    TEST_STR_EQ(error_field(json), "reason");
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "POST", path, ana_a->token, false,
                     "{\"action\": \"clear\", \"reason\": \"born 1950\", \"purpose\": "
                     "\"review\", \"extra\": 1}",
                     &json, NULL),
                400);
    TEST_STR_EQ(error_field(json), "extra");
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "POST", path, ana_a->token, false,
                     "{\"action\": \"clear\", \"reason\": \"born 1950\", \"purpose\": "
                     "\"review\"}",
                     &json, NULL),
                200);
    TEST_STR_EQ(json_string_value(json_object_get(json, "to")), "cleared");
    char reference[TBY_REDRESS_REF_LEN];
    snprintf(reference, sizeof(reference), "%s",
             json_string_value(json_object_get(json, "redress_reference")));
    TEST_INT_EQ(strlen(reference), TBY_REDRESS_REF_LEN - 1);
    json_decref(json);
    /* The request's entry follows the decision's, in the same transaction. */
    last_entry decided = last_audit(&f);
    TEST_STR_EQ(decided.action, "api.decide_alert");
    TEST_CHECK(strstr(decided.detail, "\"outcome\":\"open -> cleared\"") != NULL);
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT action FROM audit_log WHERE seq = %lld",
             (long long)decided.seq - 1);
    TEST_STR_EQ(store_test_sql_text(f.path, sql), "alert.clear");
    /* Deciding again is refused by the store's rules. */
    TEST_INT_EQ(call(&f, "m", "POST", path, ana_a->token, false,
                     "{\"action\": \"escalate\", \"purpose\": \"review\"}", NULL, NULL),
                400);

    /* Redress at the desk: cleared; unknown references are counted, then refused. */
    snprintf(path, sizeof(path), "/v1/redress/%s", reference);
    TEST_INT_EQ(call(&f, "m", "GET", path, reg->token, false, NULL, &json, NULL), 200);
    TEST_STR_EQ(json_string_value(json_object_get(json, "status")), "cleared");
    TEST_INT_EQ(json_object_size(json), 2);
    json_decref(json);
    TEST_STR_EQ(last_audit(&f).action, "api.redress");
    for (int i = 0; i < TBY_SERVER__REDRESS_MISSES; i++) {
        TEST_INT_EQ(call(&f, "10.9.9.9", "GET", "/v1/redress/TBY-0000-0000-0000", reg->token, false,
                         NULL, &json, NULL),
                    200);
        TEST_STR_EQ(json_string_value(json_object_get(json, "status")), "unknown");
        json_decref(json);
    }
    tby_server_response response;
    TEST_INT_EQ(call(&f, "10.9.9.8", "GET", path, reg->token, false, NULL, NULL, &response), 429);
    TEST_CHECK(response.retry_after > 0);
    tby_server_response_dispose(&response);
    /* Another user at another address is not held back. */
    TEST_INT_EQ(call(&f, "10.9.9.7", "GET", path, sup->token, false, NULL, NULL, NULL), 200);

    /* Confirm: the analyst first, then a supervisor; the analyst cannot be the second. */
    snprintf(path, sizeof(path), "/v1/alerts/%lld/decisions", (long long)b1);
    const char *confirm = "{\"action\": \"confirm\", \"purpose\": \"review\"}";
    TEST_INT_EQ(call(&f, "m", "POST", path, ana->token, false, confirm, &json, NULL), 200);
    TEST_STR_EQ(json_string_value(json_object_get(json, "to")), "pending_confirmation");
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "POST", path, ana->token, false, confirm, &json, NULL), 403);
    TEST_STR_EQ(error_field(json), "action");
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "POST", path, sup->token, false, confirm, &json, NULL), 200);
    TEST_STR_EQ(json_string_value(json_object_get(json, "to")), "confirmed");
    json_decref(json);

    /* Clearances: listed for the supervisor, revoked; the reference then reads under review. */
    TEST_INT_EQ(
        call(&f, "m", "GET", "/v1/clearances?purpose=r", sup->token, false, NULL, &json, NULL),
        200);
    json_t *list = json_object_get(json, "clearances");
    TEST_INT_EQ(json_array_size(list), 1);
    int64_t clearance = json_integer_value(json_object_get(json_array_get(list, 0), "id"));
    TEST_STR_EQ(json_string_value(json_object_get(json_array_get(list, 0), "site")), "camp-a");
    json_decref(json);
    snprintf(path, sizeof(path), "/v1/clearances/%lld/revoke", (long long)clearance);
    TEST_INT_EQ(call(&f, "m", "POST", path, sup->token, false,
                     "{\"reason\": \"new evidence\", \"purpose\": \"review\"}", &json, NULL),
                200);
    TEST_INT_EQ(json_integer_value(json_object_get(json, "alerts_reopened")), 1);
    json_decref(json);
    TEST_STR_EQ(last_audit(&f).action, "api.revoke_clearance");
    snprintf(path, sizeof(path), "/v1/redress/%s", reference);
    TEST_INT_EQ(call(&f, "m", "GET", path, sup->token, false, NULL, &json, NULL), 200);
    TEST_STR_EQ(json_string_value(json_object_get(json, "status")), "under review");
    json_decref(json);

    /* Statistics count alerts by site, grade and status; the auditor reads them too. */
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/stats", callers[3].token, false, NULL, &json, NULL), 200);
    json_t *alerts = json_object_get(json, "alerts");
    TEST_INT_EQ(json_integer_value(json_object_get(alerts, "total")), 2);
    TEST_INT_EQ(json_integer_value(json_object_get(json_object_get(alerts, "by_status"), "open")),
                1);
    TEST_INT_EQ(
        json_integer_value(json_object_get(json_object_get(alerts, "by_status"), "confirmed")), 1);
    TEST_INT_EQ(json_integer_value(json_object_get(json_object_get(alerts, "by_site"), "camp-b")),
                1);
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/stats", ana_a->token, false, NULL, &json, NULL), 200);
    TEST_INT_EQ(json_integer_value(json_object_get(json_object_get(json, "alerts"), "total")), 1);
    json_decref(json);
    tby_audit_report report;
    TEST_INT_EQ(tby_store_audit_verify(f.store, &report, NULL), 0);
    fixture_close(&f);
}

/* ===== Sessions, passwords, tokens ===== */

/* The session id of a Set-Cookie value, or "". */
static void cookie_of(const tby_server_response *response, char *out, size_t size)
{
    out[0] = '\0';
    const char *p = strstr(response->set_cookie, "tby_session=");
    if (!p)
        return;
    p += strlen("tby_session=");
    size_t len = strcspn(p, ";");
    snprintf(out, size, "%.*s", (int)len, p);
}

static void test_server_matrix__sessions(void)
{
    fixture f;
    if (!fixture_open(&f)) {
        TEST_CHECK(!"fixture");
        fixture_close(&f);
        return;
    }
    /* A user with a one-time password: the session may only change it. */
    const tby_store_grant grant = {"analyst", NULL};
    tby_store_user_spec spec = {"omar", NULL, &grant, 1, "one-time-pass-1", NULL, true};
    TEST_INT_EQ(tby_store_user_add(f.store, &spec, "test", NULL, NULL), 0);
    tby_server_response response;
    json_t *json = NULL;
    TEST_INT_EQ(call(&f, "10.1.1.1", "POST", "/v1/login", NULL, false,
                     "{\"user\": \"omar\", \"password\": \"one-time-pass-1\"}", &json, &response),
                200);
    TEST_CHECK(json_is_true(json_object_get(json, "must_change_password")));
    TEST_CHECK(strstr(response.set_cookie, "HttpOnly") != NULL);
    TEST_CHECK(strstr(response.set_cookie, "SameSite=Strict") != NULL);
    TEST_CHECK(strstr(response.set_cookie, "Secure") == NULL); /* no TLS here */
    char session[128];
    cookie_of(&response, session, sizeof(session));
    TEST_CHECK(strlen(session) == 43);
    tby_server_response_dispose(&response);
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/lists", session, true, NULL, &json, NULL), 403);
    TEST_STR_EQ(json_string_value(json_object_get(json_object_get(json, "error"), "code")),
                "password_change_required");
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "POST", "/v1/password", session, true,
                     "{\"password\": \"one-time-pass-1\", \"new_password\": \"one-time-pass-1\"}",
                     NULL, NULL),
                400);
    TEST_INT_EQ(call(&f, "m", "POST", "/v1/password", session, true,
                     "{\"password\": \"wrong-password\", \"new_password\": \"my own password\"}",
                     &json, NULL),
                400);
    TEST_STR_EQ(error_field(json), "password");
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "POST", "/v1/password", session, true,
                     "{\"password\": \"one-time-pass-1\", \"new_password\": \"my own password\"}",
                     NULL, NULL),
                200);
    /* The same session works now (the cache forgot the old flag). */
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/lists", session, true, NULL, NULL, NULL), 200);
    /* A JSON route refuses a form body, the CSRF guard of cookie sessions. */
    tby_server_header form[] = {{"Cookie", "x=1"}, {"Content-Type", "text/plain"}};
    char cookie[160];
    snprintf(cookie, sizeof(cookie), "a=b; tby_session=%s", session);
    form[0].value = cookie;
    tby_server__handle(f.server, "m", "POST", "/v1/screen", form, 2, "{}", 2, &response);
    TEST_INT_EQ(response.status, 415);
    tby_server_response_dispose(&response);

    /* Logout ends the session and clears the cookie. */
    TEST_INT_EQ(call(&f, "m", "POST", "/v1/logout", session, true, NULL, &json, &response), 200);
    TEST_CHECK(json_is_true(json_object_get(json, "logged_out")));
    TEST_CHECK(strstr(response.set_cookie, "Max-Age=0") != NULL);
    tby_server_response_dispose(&response);
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/lists", session, true, NULL, NULL, NULL), 401);

    /* Wrong passwords: 401 without saying which part was wrong, then 429 per user (the wrong
     * current password above was the first of five) ... */
    for (int i = 0; i < 4; i++) {
        char client[32];
        snprintf(client, sizeof(client), "10.2.0.%d", i);
        TEST_INT_EQ(call(&f, client, "POST", "/v1/login", NULL, false,
                         "{\"user\": \"omar\", \"password\": \"guess guess\"}", &json, NULL),
                    401);
        TEST_STR_EQ(json_string_value(json_object_get(json_object_get(json, "error"), "message")),
                    "unknown user or wrong password");
        json_decref(json);
    }
    TEST_INT_EQ(call(&f, "10.2.0.9", "POST", "/v1/login", NULL, false,
                     "{\"user\": \"omar\", \"password\": \"my own password\"}", &json, &response),
                429);
    TEST_CHECK(response.retry_after > 0 && response.retry_after <= 900);
    TEST_STR_EQ(json_string_value(json_object_get(json_object_get(json, "error"), "code")),
                "too_many_requests");
    tby_server_response_dispose(&response);
    json_decref(json);
    /* ... and per address, whoever the user. */
    for (int i = 0; i < 5; i++) {
        char body[128];
        snprintf(body, sizeof(body), "{\"user\": \"nobody-%d\", \"password\": \"guess guess\"}", i);
        TEST_INT_EQ(call(&f, "10.3.0.1", "POST", "/v1/login", NULL, false, body, NULL, NULL), 401);
    }
    TEST_INT_EQ(call(&f, "10.3.0.1", "POST", "/v1/login", NULL, false,
                     "{\"user\": \"m-admin\", \"password\": \"matrix-password-0\"}", NULL, NULL),
                429);
    TEST_INT_EQ(call(&f, "10.3.0.2", "POST", "/v1/login", NULL, false,
                     "{\"user\": \"m-admin\", \"password\": \"matrix-password-0\"}", NULL, NULL),
                200);
    fixture_close(&f);
}

static void test_server_matrix__tokens(void)
{
    fixture f;
    if (!fixture_open(&f)) {
        TEST_CHECK(!"fixture");
        fixture_close(&f);
        return;
    }
    caller *admin = &callers[ADMIN];
    json_t *json = NULL;
    /* No credential, another scheme, an unknown token: 401 with a challenge. */
    tby_server_response response;
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/lists", NULL, false, NULL, NULL, &response), 401);
    TEST_CHECK(response.is_auth_challenge);
    tby_server_response_dispose(&response);
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/lists", "tby_notatoken", false, NULL, NULL, NULL), 401);

    /* A token made through the server works at once, and is shown only in that answer. */
    TEST_INT_EQ(call(&f, "m", "POST", "/v1/tokens", admin->token, false,
                     "{\"user\": \"ana-a\", \"label\": \"laptop\", \"expires_in_days\": 30}", &json,
                     NULL),
                201);
    char token[TBY_STORE_SECRET_LEN];
    snprintf(token, sizeof(token), "%s", json_string_value(json_object_get(json, "token")));
    int64_t id = json_integer_value(json_object_get(json, "id"));
    TEST_STR_EQ(json_string_value(json_object_get(json, "role")), "analyst");
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/lists", token, false, NULL, NULL, NULL), 200);
    TEST_INT_EQ(
        call(&f, "m", "GET", "/v1/tokens?user=ana-a", admin->token, false, NULL, &json, NULL), 200);
    char *listing = json_dumps(json, 0);
    TEST_CHECK(listing && strstr(listing, token) == NULL);
    TEST_CHECK(listing && strstr(listing, "laptop") != NULL);
    free(listing);
    json_decref(json);
    /* Revoked through the server: refused at once, although it was cached. */
    char path[64];
    snprintf(path, sizeof(path), "/v1/tokens/%lld", (long long)id);
    TEST_INT_EQ(call(&f, "m", "DELETE", path, admin->token, false, NULL, NULL, NULL), 200);
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/lists", token, false, NULL, NULL, NULL), 401);
    TEST_INT_EQ(call(&f, "m", "DELETE", path, admin->token, false, NULL, NULL, NULL), 404);
    /* Disabling a user ends their tokens at once. */
    TEST_INT_EQ(
        call(&f, "m", "POST", "/v1/users/ana-a/disable", admin->token, false, NULL, NULL, NULL),
        200);
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/lists", callers[6].token, false, NULL, NULL, NULL), 401);
    /* Admin errors name their field. */
    TEST_INT_EQ(call(&f, "m", "POST", "/v1/users", admin->token, false,
                     "{\"name\": \"x y\", \"roles\": [{\"role\": \"analyst\"}]}", &json, NULL),
                400);
    TEST_STR_EQ(error_field(json), "name");
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "POST", "/v1/users", admin->token, false,
                     "{\"name\": \"m-admin\", \"roles\": [{\"role\": \"analyst\"}]}", &json, NULL),
                409);
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "POST", "/v1/users", admin->token, false,
                     "{\"name\": \"zed\", \"roles\": [{\"role\": \"boss\"}]}", &json, NULL),
                400);
    TEST_STR_EQ(error_field(json), "role");
    json_decref(json);
    /* Without a password, a one-time one comes back once. */
    TEST_INT_EQ(call(&f, "m", "POST", "/v1/users", admin->token, false,
                     "{\"name\": \"zed\", \"roles\": [{\"role\": \"supervisor\", \"sites\": "
                     "[\"camp-a\", \"camp-b\"]}]}",
                     &json, NULL),
                201);
    TEST_INT_EQ(strlen(json_string_value(json_object_get(json, "password"))), 24);
    TEST_CHECK(json_is_true(json_object_get(json, "must_change_password")));
    json_decref(json);
    TEST_INT_EQ(call(&f, "m", "GET", "/v1/users?limit=2", admin->token, false, NULL, &json, NULL),
                200);
    TEST_INT_EQ(json_array_size(json_object_get(json, "users")), 2);
    TEST_STR_EQ(json_string_value(json_object_get(json, "next_cursor")), "m-admin");
    json_decref(json);
    fixture_close(&f);
}

/* Without --db the routes that need the store say so. */
static void test_server_matrix__no_database(void)
{
    tby_server_auth auth;
    tby_error err;
    TEST_INT_EQ(tby_server_auth_dev(&auth, NULL, "0123456789abcdef-dev", NULL, &err), 0);
    tby_server *server = NULL;
    tby_server_options opts = {0};
    TEST_INT_EQ(tby_server_new(&server, &opts, NULL, &auth, &err), 0);
    tby_server_header headers[] = {{"Authorization", "Bearer 0123456789abcdef-dev"},
                                   {"Content-Type", "application/json"}};
    tby_server_response response;
    tby_server_handle(server, "GET", "/v1/stats", headers, 1, NULL, 0, &response);
    TEST_INT_EQ(response.status, 501);
    TEST_CHECK(strstr(response.body, "no_database") != NULL);
    tby_server_response_dispose(&response);
    /* No list loaded: screening answers 503. */
    const char *body = "{\"record\": {\"name\": \"Ali Hasan\"}, \"purpose\": \"t\"}";
    tby_server_handle(server, "POST", "/v1/screen", headers, 2, body, strlen(body), &response);
    TEST_INT_EQ(response.status, 503);
    TEST_CHECK(strstr(response.body, "no_list") != NULL);
    tby_server_response_dispose(&response);
    tby_server_handle(server, "POST", "/v1/login", headers + 1, 1,
                      "{\"user\": \"a\", \"password\": \"b\"}", 30, &response);
    TEST_INT_EQ(response.status, 501);
    tby_server_response_dispose(&response);
    tby_server_free(server);
}

/* ===== Alert pages: filters and keyset paging in the database ===== */

/* One run of the watchlist with `count` made-up findings: entry `prefix`N for N in 1..count,
 * its record R-A1, R-A2 or R-B1 by N mod 3, graded probable for even N. */
static void make_alerts(fixture *f, const char *prefix, int count)
{
    static const uint8_t hash[TBY_STORE_HASH_LEN] = {9};
    static const char *const records[] = {"R-A1", "R-A2", "R-B1"};
    tby_store_run_info last;
    tby_error err;
    if (tby_store_run_last(f->store, "watchlist", &last, &err))
        TEST__FAIL("run_last: %s", err.message);
    tby_store_run_options opts = TBY_STORE_RUN_OPTIONS_INIT;
    static const unsigned char model[] = "a model";
    opts.actor = "test";
    opts.list_name = "watchlist";
    opts.list_version = 1;
    opts.base_run_id = last.id;
    if (last.model_id) {
        opts.model_id = last.model_id;
    } else {
        opts.model = model;
        opts.model_len = sizeof(model);
    }
    opts.threshold = 0.5;
    opts.engine_version = "test";
    tby_store_run *run = NULL;
    if (tby_store_run_begin(f->store, &opts, &run, &err))
        TEST__FAIL("run_begin: %s", err.message);
    for (int n = 1; n <= count; n++) {
        char entry[32];
        snprintf(entry, sizeof(entry), "%s%d", prefix, n);
        tby_store_found found = {records[n % 3],
                                 hash,
                                 entry,
                                 hash,
                                 n % 2 ? 0.6 : 0.9,
                                 n % 2 ? "identifier_check" : "probable",
                                 "Ahmed Jassim Mohamed",
                                 "{\"score\":0.9}",
                                 "score 0.9"};
        if (tby_store_run_found(run, &found, &err))
            TEST__FAIL("found: %s", err.message);
    }
    tby_store_run_stats stats;
    if (tby_store_run_commit(run, &stats, &err))
        TEST__FAIL("run: %s", err.message);
}

/* Pages through GET `query` with `limit` as `credential` from cursor `start`: the ids seen,
 * comma-separated, in *ids (each page at most `limit` long, the cursor followed until it is null).
 */
static void page_through(fixture *f, const char *credential, const char *query, int limit,
                         const char *start, char *ids, size_t size)
{
    char cursor[32];
    snprintf(cursor, sizeof(cursor), "%s", start);
    size_t used = 0;
    ids[0] = '\0';
    for (int pages = 0; pages < 1000; pages++) {
        char path[512];
        snprintf(path, sizeof(path), "/v1/alerts?purpose=pages&%s&limit=%d&cursor=%s", query, limit,
                 cursor);
        json_t *json = NULL;
        TEST_INT_EQ(call(f, "p", "GET", path, credential, false, NULL, &json, NULL), 200);
        json_t *alerts = json_object_get(json, "alerts");
        TEST_CHECK(json_array_size(alerts) <= (size_t)limit);
        for (size_t i = 0; i < json_array_size(alerts); i++)
            used += (size_t)snprintf(
                ids + used, size - used, "%s%lld", used ? "," : "",
                (long long)json_integer_value(json_object_get(json_array_get(alerts, i), "id")));
        TEST_CHECK(used < size);
        const char *next = json_string_value(json_object_get(json, "next_cursor"));
        /* A page that says more follow is full. */
        TEST_CHECK(!next || json_array_size(alerts) == (size_t)limit);
        snprintf(cursor, sizeof(cursor), "%s", next ? next : "");
        json_decref(json);
        if (!cursor[0])
            return;
    }
    TEST_CHECK(!"the cursor never ended");
}

/* The ids of the alerts a condition selects, by SQL on the file (the oracle). */
static const char *expected_ids(fixture *f, const char *condition)
{
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "SELECT ifnull(group_concat(id, ','), '') FROM (SELECT a.id FROM alerts a "
             "LEFT JOIN registry r ON r.record_id = a.record_id "
             "LEFT JOIN sites s ON s.id = r.site_id WHERE %s ORDER BY a.id)",
             condition);
    return store_test_sql_text(f->path, sql);
}

static void test_server_matrix__alert_pages(void)
{
    fixture f;
    if (!fixture_open(&f)) {
        TEST_CHECK(!"fixture");
        fixture_close(&f);
        return;
    }
    caller *ana = &callers[1], *ana_a = &callers[6];
    make_alerts(&f, "WL-P", 180);
    /* A second run, created later: the date filter tells them apart. */
    char second[64];
    snprintf(second, sizeof(second), "%s",
             store_test_sql_text(f.path, "SELECT max(created_at) FROM alerts"));
    struct timespec pause = {0, 5 * 1000 * 1000};
    nanosleep(&pause, NULL);
    make_alerts(&f, "WL-Q", 180);
    snprintf(second, sizeof(second), "%s",
             store_test_sql_text(f.path, "SELECT max(created_at) FROM alerts"));
    TEST_CHECK(strcmp(second, store_test_sql_text(f.path, "SELECT min(created_at) FROM alerts")) >
               0);
    /* Statuses other than open: every seventh cleared, every eleventh escalated. */
    tby_error err;
    for (int64_t id = 1; id <= 360; id++) {
        tby_alert_decision d;
        if (id % 7 == 0)
            TEST_INT_EQ(
                tby_store_alert_decide(f.store, id, TBY_ALERT_CLEAR, "test", "not him", &d, &err),
                0);
        else if (id % 11 == 0)
            TEST_INT_EQ(
                tby_store_alert_decide(f.store, id, TBY_ALERT_ESCALATE, "test", NULL, &d, &err), 0);
    }
    static char got[8192], want[8192];
    struct {
        const char *who; /* "all" or "a": the analyst of every site or of camp-a */
        const char *query;
        int limit;
        const char *condition; /* the same selection in SQL */
    } cases[] = {
        {"all", "status=all", 37, "1"},
        {"all", "status=queue", 1000, "a.status IN ('open', 'escalated', 'pending_confirmation')"},
        {"all", "site=camp-a&grade=probable", 10,
         "a.status IN ('open', 'escalated', 'pending_confirmation') AND s.name = 'camp-a' AND "
         "a.grade = 'probable'"},
        {"all", "status=open,cleared&list=watchlist&grade=identifier_check", 13,
         "a.status IN ('open', 'cleared') AND a.grade = 'identifier_check'"},
        {"all", "status=all&site=camp-b&from=2000-01-01", 1, "s.name = 'camp-b'"},
        {"a", "status=all", 25, "s.name = 'camp-a'"},
        {"a", "status=escalated,cleared&grade=probable", 4,
         "s.name = 'camp-a' AND a.status IN ('escalated', 'cleared') AND a.grade = 'probable'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        page_through(&f, !strcmp(cases[i].who, "a") ? ana_a->token : ana->token, cases[i].query,
                     cases[i].limit, "0", got, sizeof(got));
        snprintf(want, sizeof(want), "%s", expected_ids(&f, cases[i].condition));
        TEST_CHECK(want[0] != '\0');
        if (strcmp(got, want))
            TEST__FAIL("case %zu (%s): got %.200s, want %.200s", i, cases[i].query, got, want);
    }
    /* The date range: the second run's alerts only, and none before the first. */
    char query[160], condition[160];
    snprintf(query, sizeof(query), "status=all&from=%s", second);
    snprintf(condition, sizeof(condition), "a.created_at >= '%s'", second);
    page_through(&f, ana->token, query, 50, "0", got, sizeof(got));
    snprintf(want, sizeof(want), "%s", expected_ids(&f, condition));
    TEST_STR_EQ(got, want);
    TEST_CHECK(strchr(got, ',') != NULL);
    snprintf(query, sizeof(query), "status=all&to=%s", second);
    page_through(&f, ana->token, query, 50, "0", got, sizeof(got));
    snprintf(condition, sizeof(condition), "a.created_at < '%s'", second);
    snprintf(want, sizeof(want), "%s", expected_ids(&f, condition));
    TEST_STR_EQ(got, want);
    TEST_CHECK(strchr(got, ',') != NULL);
    /* Statuses changed between pages: each alert is still seen once, as the cursor is an id. */
    page_through(&f, ana->token, "status=all", 100, "0", want, sizeof(want));
    json_t *json = NULL;
    TEST_INT_EQ(call(&f, "p", "GET", "/v1/alerts?purpose=p&status=all&limit=100", ana->token, false,
                     NULL, &json, NULL),
                200);
    const char *next = json_string_value(json_object_get(json, "next_cursor"));
    TEST_CHECK(next != NULL);
    char after[32];
    snprintf(after, sizeof(after), "%s", next ? next : "0");
    size_t used = 0;
    json_t *alerts = json_object_get(json, "alerts");
    for (size_t i = 0; i < json_array_size(alerts); i++)
        used += (size_t)snprintf(
            got + used, sizeof(got) - used, "%s%lld", used ? "," : "",
            (long long)json_integer_value(json_object_get(json_array_get(alerts, i), "id")));
    json_decref(json);
    tby_alert_decision d;
    TEST_INT_EQ(tby_store_alert_decide(f.store, 2, TBY_ALERT_ESCALATE, "test", NULL, &d, &err), 0);
    TEST_INT_EQ(tby_store_alert_decide(f.store, 250, TBY_ALERT_CLEAR, "test", "no", &d, &err), 0);
    static char rest[8192];
    page_through(&f, ana->token, "status=all", 100, after, rest, sizeof(rest));
    snprintf(got + used, sizeof(got) - used, ",%s", rest);
    TEST_STR_EQ(got, want);
    /* The statistics count in the database within the caller's sites. */
    TEST_INT_EQ(call(&f, "p", "GET", "/v1/stats", ana_a->token, false, NULL, &json, NULL), 200);
    TEST_INT_EQ(json_integer_value(json_object_get(json_object_get(json, "alerts"), "total")),
                store_test_sql_int(f.path, "SELECT count(*) FROM alerts a JOIN registry r ON "
                                           "r.record_id = a.record_id JOIN sites s ON s.id = "
                                           "r.site_id WHERE s.name = 'camp-a' AND a.status <> "
                                           "'superseded'"));
    TEST_INT_EQ(json_integer_value(json_object_get(
                    json_object_get(json_object_get(json, "alerts"), "by_status"), "cleared")),
                store_test_sql_int(f.path, "SELECT count(*) FROM alerts a JOIN registry r ON "
                                           "r.record_id = a.record_id JOIN sites s ON s.id = "
                                           "r.site_id WHERE s.name = 'camp-a' AND a.status = "
                                           "'cleared'"));
    TEST_CHECK(json_object_get(json_object_get(json_object_get(json, "alerts"), "by_site"),
                               "camp-b") == NULL);
    json_decref(json);
    fixture_close(&f);
}

TEST_LIST = {
    TEST(test_server_matrix__role_route_site),
    TEST(test_server_matrix__audit),
    TEST(test_server_matrix__stats_by_site),
    TEST(test_server_matrix__review),
    TEST(test_server_matrix__sessions),
    TEST(test_server_matrix__tokens),
    TEST(test_server_matrix__no_database),
    TEST(test_server_matrix__alert_pages),
    TEST_END,
};

TEST_MAIN()
