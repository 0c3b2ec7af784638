// SPDX-License-Identifier: Apache-2.0
// Fuzz target for the server's JSON request handling: the input is the body of
// POST /v1/screen, run through tby_server_handle (content checks, depth cap, JSON parse,
// field validation, the record reader, screening against a small list, the response), once
// as an admin and once as a registrar scoped to one site. The same bytes then go, on a
// server over a store (a database in a temporary directory, real users and tokens), to
// POST /v1/records as a registrar of one site (site checks, the registry, the audit in the
// same transaction) and as an admin, to POST /v1/alerts/1/decisions and
// /v1/clearances/1/revoke as a supervisor, and to POST /v1/login. Besides "no crash, no leak, no
// undefined behaviour" it checks the error contract: the status is one the route documents,
// every body is a JSON object, an error has a string code and message and a field that is a
// string or null, a registrar's answer never carries alerts, and every body is byte for byte
// what jansson writes for it (the screening answer is written directly, json_write.c).
//
// Named <target>_fuzzer.c like every target here (fuzz/CMakeLists.txt finds them by that
// suffix), so the replay binary is fuzz_replay_server_request.
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server.h"
#include "tabayyun/tby_store_access.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_list[] =
    "id,name,aliases,weak_aliases,mother,birth_date,sex,birth_place,nationality,documents\n"
    "L1,Omar Khalil Ibrahim AL-OBEIDI,Umar Khalil al-Ubaydi,Abu Hafs,Saadiya,1979,m,Hawija,IQ,\n"
    "L2,ياسين طه محمود,Yasin Taha Mahmoud,أبو بكر,,1982,m,الموصل,IQ,passport:A1234567\n"
    "L3,Ahmed Jassim Mohamed,,,Sabah,1989-04-19,m,Tikrit,IQ,national_id:19890419\n"
    "L4,Fatima Noor Aldeen Zuhayr,,,Wafa,~1990,f,Raqqa,SY,\n";

static void fuzz_fail(const char *what, const char *body)
{
    fprintf(stderr, "server_request_fuzzer: invariant broken: %s\nresponse: %s\n", what,
            body ? body : "(none)");
    abort();
}

static int fuzz_authenticate(void *ctx, const tby_server_credential *credential,
                             tby_server_principal *out, tby_error *err)
{
    (void)ctx;
    (void)err;
    memset(out, 0, sizeof(*out));
    if (credential->len == 5 && memcmp(credential->value, "admin", 5) == 0) {
        out->role = TBY_ROLE_ADMIN;
        out->all_sites = true;
    } else if (credential->len == 9 && memcmp(credential->value, "registrar", 9) == 0) {
        out->role = TBY_ROLE_REGISTRAR;
        out->site_count = 1;
        snprintf(out->sites[0], sizeof(out->sites[0]), "camp-a");
    } else {
        return TBY_ENOTFOUND;
    }
    snprintf(out->user, sizeof(out->user), "fuzz");
    return 0;
}

static int fuzz_audit(void *ctx, const tby_server_audit_event *event, tby_error *err)
{
    (void)ctx;
    (void)err;
    /* The audit gets UTF-8 it can write as JSON. */
    json_t *line = json_pack("{s:s?, s:s, s:s?}", "subject", event->subject, "purpose",
                             event->purpose, "site", event->site);
    if (!line)
        fuzz_fail("audit event is not UTF-8", event->subject);
    json_decref(line);
    return 0;
}

static tby_server *fuzz_server(void)
{
    static tby_server *server;
    static tby_record_set *list;
    static tby_screener *screener;
    if (server)
        return server;
    tby_error err;
    tby_reader_options ro = TBY_READER_OPTIONS_INIT;
    tby_server_auth auth = {.authenticate = fuzz_authenticate, .audit = fuzz_audit};
    tby_server_options opts = {0};
    opts.max_body_bytes = 64 * 1024; /* small caps so fuzzed inputs reach the limits */
    opts.max_json_depth = 8;
    if (tby_record_set_load_buffer(&list, fuzz_list, sizeof(fuzz_list) - 1, &ro, &err) ||
        tby_screener_new(&screener, list, &err) || tby_screener_fit(screener, NULL, &err) ||
        tby_server_new(&server, &opts, screener, &auth, &err))
        fuzz_fail(err.message, NULL);
    return server;
}

/* A server over a store in a temporary directory, with an admin and a registrar of camp-a. */
static char fuzz_dir[256];
static char fuzz_admin[TBY_STORE_SECRET_LEN], fuzz_registrar[TBY_STORE_SECRET_LEN];
static char fuzz_supervisor[TBY_STORE_SECRET_LEN];

static void fuzz_cleanup(void)
{
    char command[300];
    snprintf(command, sizeof(command), "rm -rf '%s'", fuzz_dir);
    if (fuzz_dir[0] && system(command) != 0)
        fprintf(stderr, "could not remove %s\n", fuzz_dir);
}

static tby_server *fuzz_store_server(void)
{
    static tby_server *server;
    static tby_server_db *db;
    if (server)
        return server;
    const char *tmp = getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/tby_fuzz_XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(fuzz_dir))
        fuzz_fail("mkdtemp", NULL);
    atexit(fuzz_cleanup);
    char path[300];
    snprintf(path, sizeof(path), "%s/fuzz.db", fuzz_dir);
    tby_error err;
    tby_store *store = NULL;
    tby_store_options opts = TBY_STORE_OPTIONS_INIT;
    opts.flags = TBY_STORE_CREATE;
    const tby_store_grant admin = {"admin", NULL}, registrar = {"registrar", "camp-a"};
    tby_store_user_spec admin_spec = {"admin", NULL, &admin, 1, NULL, NULL, false};
    tby_store_user_spec registrar_spec = {"amina", NULL, &registrar, 1, NULL, NULL, false};
    const tby_store_grant supervisor = {"supervisor", "camp-a"};
    tby_store_user_spec supervisor_spec = {"sami", NULL, &supervisor, 1, NULL, NULL, false};
    if (tby_store_open(&store, path, &opts, &err) ||
        tby_store_user_add(store, &admin_spec, "fuzz", NULL, &err) ||
        tby_store_user_add(store, &registrar_spec, "fuzz", NULL, &err) ||
        tby_store_user_add(store, &supervisor_spec, "fuzz", NULL, &err) ||
        tby_store_token_create(store, "sami", NULL, NULL, 0, "fuzz", fuzz_supervisor, NULL, &err) ||
        tby_store_token_create(store, "admin", NULL, NULL, 0, "fuzz", fuzz_admin, NULL, &err) ||
        tby_store_token_create(store, "amina", NULL, NULL, 0, "fuzz", fuzz_registrar, NULL, &err))
        fuzz_fail(err.message, NULL);
    tby_store_close(store);
    tby_server_auth auth;
    tby_server_options server_opts = {0};
    server_opts.max_body_bytes = 64 * 1024;
    server_opts.max_json_depth = 8;
    if (tby_server_db_open(&db, path, false, &err) || tby_server_auth_store(&auth, db, NULL, &err))
        fuzz_fail(err.message, NULL);
    server_opts.db = db;
    if (tby_server_new(&server, &server_opts, NULL, &auth, &err))
        fuzz_fail(err.message, NULL);
    return server;
}

static void fuzz_check_status(const tby_server_response *response, const int *expected,
                              size_t count)
{
    bool known = false;
    for (size_t i = 0; i < count; i++)
        known |= response->status == expected[i];
    if (!known)
        fuzz_fail("unexpected status", response->body);
}

static void fuzz_check(const tby_server_response *response, bool is_registrar)
{
    static const int expected[] = {200, 400, 403, 413, 422};
    fuzz_check_status(response, expected, sizeof(expected) / sizeof(expected[0]));
    json_error_t error;
    json_t *json = json_loadb(response->body, response->body_len, 0, &error);
    if (!json_is_object(json))
        fuzz_fail("body is not a JSON object", response->body);
    /* The screening answer is written without jansson (src/server/json_write.c) but must be
       the bytes jansson writes: parsed and dumped again, every body comes out unchanged. */
    char *again = json_dumps(json, JSON_COMPACT);
    if (!again || strlen(again) != response->body_len ||
        memcmp(again, response->body, response->body_len) != 0)
        fuzz_fail("body is not what jansson writes for it", response->body);
    free(again); /* jansson's, from json_dumps */
    if (response->status == 200 && json_object_get(json, "import")) {
        if (!json_is_integer(json_object_get(json, "records")))
            fuzz_fail("records answer without a count", response->body);
    } else if (response->status == 200) {
        if (!json_is_string(json_object_get(json, "record_id")) ||
            !json_is_string(json_object_get(json, "outcome")))
            fuzz_fail("200 without record_id and outcome", response->body);
        if (is_registrar && json_object_get(json, "alerts"))
            fuzz_fail("a registrar was shown alerts", response->body);
        json_t *alerts = json_object_get(json, "alerts");
        size_t i;
        json_t *alert;
        json_array_foreach(alerts, i, alert)
        {
            double score = json_real_value(json_object_get(alert, "score"));
            if (!(score >= 0.0 && score <= 1.0))
                fuzz_fail("score outside [0, 1]", response->body);
        }
    } else {
        json_t *e = json_object_get(json, "error");
        json_t *field = json_object_get(e, "field");
        if (!json_is_string(json_object_get(e, "code")) ||
            !json_is_string(json_object_get(e, "message")) ||
            !(json_is_string(field) || json_is_null(field)))
            fuzz_fail("error body does not follow the contract", response->body);
    }
    json_decref(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tby_server *server = fuzz_server();
    static const char *const roles[] = {"admin", "registrar"};
    for (size_t r = 0; r < 2; r++) {
        char authorization[32];
        snprintf(authorization, sizeof(authorization), "Bearer %s", roles[r]);
        tby_server_header headers[] = {{"Authorization", authorization},
                                       {"Content-Type", "application/json"}};
        tby_server_response response;
        tby_server_handle(server, "POST", "/v1/screen", headers, 2, (const char *)data, size,
                          &response);
        fuzz_check(&response, r == 1);
        tby_server_response_dispose(&response);
    }

    /* On the store: records as a registrar of camp-a and as an admin, then a login. */
    tby_server *store_server = fuzz_store_server();
    static const int records_expected[] = {200, 400, 403, 413};
    const char *const tokens[] = {fuzz_registrar, fuzz_admin};
    for (size_t r = 0; r < 2; r++) {
        char authorization[96];
        snprintf(authorization, sizeof(authorization), "Bearer %s", tokens[r]);
        tby_server_header headers[] = {{"Authorization", authorization},
                                       {"Content-Type", "application/json"}};
        tby_server_response response;
        tby_server_handle(store_server, "POST", "/v1/records", headers, 2, (const char *)data, size,
                          &response);
        fuzz_check_status(&response, records_expected,
                          sizeof(records_expected) / sizeof(records_expected[0]));
        fuzz_check(&response, r == 0);
        tby_server_response_dispose(&response);
    }
    /* The review routes' bodies as a supervisor of camp-a: a decision and a revocation
     * (the database holds no alert or clearance, so a body that passes the checks is 404). */
    static const int review_expected[] = {400, 404, 413};
    static const char *const review_paths[] = {"/v1/alerts/1/decisions", "/v1/clearances/1/revoke"};
    for (size_t p = 0; p < 2; p++) {
        char authorization[96];
        snprintf(authorization, sizeof(authorization), "Bearer %s", fuzz_supervisor);
        tby_server_header headers[] = {{"Authorization", authorization},
                                       {"Content-Type", "application/json"}};
        tby_server_response response;
        tby_server_handle(store_server, "POST", review_paths[p], headers, 2, (const char *)data,
                          size, &response);
        fuzz_check_status(&response, review_expected,
                          sizeof(review_expected) / sizeof(review_expected[0]));
        json_t *json = json_loadb(response.body, response.body_len, 0, NULL);
        json_t *e = json_object_get(json, "error"), *field = json_object_get(e, "field");
        if (!json_is_string(json_object_get(e, "code")) ||
            !(json_is_string(field) || !field || json_is_null(field)))
            fuzz_fail("a review error without a code", response.body);
        json_decref(json);
        tby_server_response_dispose(&response);
    }
    /* Logins fail (no user has a password); after five the rate limit answers 429 without
     * the slow password check, which keeps the fuzzer fast. */
    static const int login_expected[] = {400, 401, 413, 429};
    tby_server_header json_type[] = {{"Content-Type", "application/json"}};
    tby_server_response response;
    tby_server_handle(store_server, "POST", "/v1/login", json_type, 1, (const char *)data, size,
                      &response);
    fuzz_check_status(&response, login_expected,
                      sizeof(login_expected) / sizeof(login_expected[0]));
    tby_server_response_dispose(&response);
    return 0;
}
