// SPDX-License-Identifier: Apache-2.0
// The server without sockets: routing, the JSON error contract, body validation, credentials,
// roles (a matrix read from the route table), site scoping, the audit, the metrics, and
// screening through tby_server_handle, which runs the same phases as the HTTP path.
#define _POSIX_C_SOURCE 200809L /* getpid */
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "harness/test.h"
#include "server/server_int.h"

/* ===== Fixture: a server over examples/watchlist.csv with a test auth provider ===== */

/* Tokens are "tok-<role>" (all sites) and "tok-registrar-camp-a" (site camp-a only). */
typedef struct test_auth {
    int audit_count;
    bool is_audit_failing;
    tby_server_audit_event last; /* strings copied below */
    char last_subject[160], last_purpose[300], last_site[64], last_user[64];
} test_auth;

static int test_authenticate(void *ctx, const tby_server_credential *credential,
                             tby_server_principal *out, tby_error *err)
{
    (void)ctx;
    (void)err;
    char token[64];
    if (credential->kind != TBY_CREDENTIAL_BEARER || credential->len >= sizeof(token) ||
        credential->len < 4)
        return TBY_ENOTFOUND;
    memcpy(token, credential->value, credential->len);
    token[credential->len] = '\0';
    if (strncmp(token, "tok-", 4) != 0)
        return TBY_ENOTFOUND;
    memset(out, 0, sizeof(*out));
    const char *role = token + 4;
    if (strcmp(role, "registrar-camp-a") == 0) {
        out->role = TBY_ROLE_REGISTRAR;
        out->site_count = 1;
        snprintf(out->sites[0], sizeof(out->sites[0]), "camp-a");
    } else {
        out->role = tby_server_role_lookup(role, strlen(role));
        out->all_sites = true;
    }
    if (out->role == TBY_ROLE_NONE)
        return TBY_ENOTFOUND;
    snprintf(out->user, sizeof(out->user), "user-%s", role);
    return 0;
}

static int test_audit(void *ctx, const tby_server_audit_event *event, tby_error *err)
{
    test_auth *auth = ctx;
    if (auth->is_audit_failing)
        return tby__error(err, TBY_EIO, -1, "disk full");
    auth->audit_count++;
    auth->last = *event;
    snprintf(auth->last_subject, sizeof(auth->last_subject), "%s",
             event->subject ? event->subject : "");
    snprintf(auth->last_purpose, sizeof(auth->last_purpose), "%s", event->purpose);
    snprintf(auth->last_site, sizeof(auth->last_site), "%s", event->site ? event->site : "");
    snprintf(auth->last_user, sizeof(auth->last_user), "%s", event->who->user);
    return 0;
}

typedef struct fixture {
    tby_record_set *list;
    tby_screener *screener;
    tby_server *server;
    test_auth auth;
} fixture;

static bool fixture_open(fixture *f, size_t max_body)
{
    memset(f, 0, sizeof(*f));
    tby_error err;
    tby_reader_options ro = TBY_READER_OPTIONS_INIT;
    if (tby_record_set_load_file(&f->list, "examples/watchlist.csv", &ro, &err) ||
        tby_screener_new(&f->screener, f->list, &err) ||
        tby_screener_fit(f->screener, NULL, &err)) {
        fprintf(stderr, "fixture: %s\n", err.message);
        return false;
    }
    tby_server_auth auth = {
        .authenticate = test_authenticate, .audit = test_audit, .ctx = &f->auth};
    tby_server_options opts = {0};
    opts.max_body_bytes = max_body;
    opts.list_entries = tby_record_set_count(f->list);
    if (tby_server_new(&f->server, &opts, f->screener, &auth, &err)) {
        fprintf(stderr, "fixture: %s\n", err.message);
        return false;
    }
    return true;
}

static void fixture_close(fixture *f)
{
    tby_server_free(f->server);
    tby_screener_free(f->screener);
    tby_record_set_free(f->list);
}

/* One request; returns the status, with the parsed JSON body in *json_out (or NULL). */
static int request(fixture *f, const char *method, const char *path, const char *token,
                   const char *body, json_t **json_out, tby_server_response *response_out)
{
    char authorization[128];
    tby_server_header headers[3];
    size_t count = 0;
    if (token) {
        snprintf(authorization, sizeof(authorization), "Bearer %s", token);
        headers[count++] = (tby_server_header){"Authorization", authorization};
    }
    if (body)
        headers[count++] = (tby_server_header){"Content-Type", "application/json"};
    tby_server_response response;
    tby_server_handle(f->server, method, path, headers, count, body, body ? strlen(body) : 0,
                      &response);
    int status = response.status;
    if (json_out) {
        json_error_t error;
        *json_out = json_loadb(response.body, response.body_len, 0, &error);
    }
    if (response_out)
        *response_out = response;
    else
        tby_server_response_dispose(&response);
    return status;
}

static const char *error_code(json_t *json)
{
    return json_string_value(json_object_get(json_object_get(json, "error"), "code"));
}

static const char *error_field(json_t *json)
{
    return json_string_value(json_object_get(json_object_get(json, "error"), "field"));
}

/* ===== Routing ===== */

static void test_server_routes__match_and_allow(void)
{
    const tby_server__route *route;
    char allow[32];
    TEST_INT_EQ(tby_server__route_find("POST", "/v1/screen", 10, &route, allow, sizeof(allow)), 0);
    TEST_STR_EQ(route->operation, "screen");
    TEST_INT_EQ(tby_server__route_find("GET", "/v1/screen", 10, &route, allow, sizeof(allow)), 405);
    TEST_STR_EQ(allow, "POST");
    TEST_INT_EQ(tby_server__route_find("GET", "/v1/screens", 11, &route, allow, sizeof(allow)),
                404);
    TEST_INT_EQ(tby_server__route_find("GET", "/v1/health/", 11, &route, allow, sizeof(allow)),
                404);
    TEST_INT_EQ(tby_server__route_find("HEAD", "/v1/health", 10, &route, allow, sizeof(allow)), 0);
    TEST_CHECK(tby_server__path_matches("/v1/alerts/{id}", "/v1/alerts/42", 13));
    TEST_CHECK(
        tby_server__path_matches("/v1/alerts/{id}/decisions", "/v1/alerts/a-1/decisions", 24));
    TEST_CHECK(!tby_server__path_matches("/v1/alerts/{id}", "/v1/alerts/", 11));
    TEST_CHECK(!tby_server__path_matches("/v1/alerts/{id}", "/v1/alerts/4/2", 14));
}

/* Every route is well formed: public routes declare no roles, the others at least one. */
static void test_server_routes__table_consistent(void)
{
    for (size_t i = 0; i < tby_server__route_count; i++) {
        const tby_server__route *r = &tby_server__routes[i];
        TEST_CHECK(r->handler != NULL);
        TEST_CHECK(r->pattern[0] == '/');
        if (r->flags & TBY_ROUTE_PUBLIC)
            TEST_INT_EQ(r->roles, 0);
        else
            TEST_CHECK((r->roles & TBY_ROLE_ALL) != 0 && (r->roles & ~(unsigned)TBY_ROLE_ALL) == 0);
        for (size_t j = 0; j < i; j++)
            TEST_CHECK(strcmp(r->operation, tby_server__routes[j].operation) != 0);
    }
}

/* ===== Bodies ===== */

static void test_server_body__depth(void)
{
    TEST_INT_EQ(tby_server__json_depth_exceeded("{\"a\":[[1]]}", 11, 3), -1);
    TEST_INT_EQ(tby_server__json_depth_exceeded("{\"a\":[[1]]}", 11, 2), 6);
    /* Brackets inside strings, and escaped quotes, do not count. */
    TEST_INT_EQ(tby_server__json_depth_exceeded("{\"[[[\\\"[[\":1}", 13, 1), -1);
    char deep[200];
    memset(deep, '[', sizeof(deep));
    TEST_INT_EQ(tby_server__json_depth_exceeded(deep, sizeof(deep), 32), 32);
}

static void test_server_body__parse_errors(void)
{
    tby_server_response out;
    memset(&out, 0, sizeof(out));
    TEST_CHECK(!tby_server__parse_body("  ", 2, 32, &out));
    TEST_INT_EQ(out.status, 400);
    TEST_CHECK(strstr(out.body, "\"bad_json\"") != NULL);
    tby_server_response_dispose(&out);

    TEST_CHECK(!tby_server__parse_body("{\"a\": tru}", 10, 32, &out));
    TEST_CHECK(strstr(out.body, "\"position\":") != NULL);
    json_t *json = json_loadb(out.body, out.body_len, 0, NULL);
    json_t *position = json_object_get(json_object_get(json, "error"), "position");
    TEST_CHECK(json_is_integer(position));
    TEST_CHECK(json_integer_value(position) >= 6 && json_integer_value(position) <= 9);
    json_decref(json);
    tby_server_response_dispose(&out);

    TEST_CHECK(!tby_server__parse_body("[1]", 3, 32, &out));
    TEST_CHECK(strstr(out.body, "must be a JSON object") != NULL);
    tby_server_response_dispose(&out);

    TEST_CHECK(!tby_server__parse_body("{\"a\":1,\"a\":2}", 13, 32, &out));
    TEST_CHECK(strstr(out.body, "\"bad_json\"") != NULL);
    tby_server_response_dispose(&out);

    TEST_CHECK(!tby_server__parse_body("{\"a\":[[[[1]]]]}", 15, 3, &out));
    TEST_CHECK(strstr(out.body, "\"too_deep\"") != NULL);
    TEST_CHECK(strstr(out.body, "\"position\":7") != NULL);
    tby_server_response_dispose(&out);
}

static void test_server_body__fields(void)
{
    static const tby_server__field fields[] = {
        {"name", TBY_TYPE_STRING, true},
        {"count", TBY_TYPE_INTEGER, false},
    };
    tby_server_response out;
    memset(&out, 0, sizeof(out));
    json_t *ok = json_loads("{\"name\":\"x\",\"count\":2}", 0, NULL);
    TEST_CHECK(tby_server__check_fields(ok, fields, 2, "p.", &out));
    json_decref(ok);

    struct {
        const char *body, *code, *field;
    } cases[] = {
        {"{\"name\":\"x\",\"cuont\":2}", "unknown_field", "p.cuont"},
        {"{\"name\":\"x\",\"count\":2.5}", "wrong_type", "p.count"},
        {"{\"name\":7}", "wrong_type", "p.name"},
        {"{\"count\":1}", "missing_field", "p.name"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *object = json_loads(cases[i].body, 0, NULL);
        TEST_CHECK(!tby_server__check_fields(object, fields, 2, "p.", &out));
        json_t *body = json_loadb(out.body, out.body_len, 0, NULL);
        TEST_INT_EQ(out.status, 400);
        TEST_STR_EQ(error_code(body), cases[i].code);
        TEST_STR_EQ(error_field(body), cases[i].field);
        json_decref(body);
        json_decref(object);
        tby_server_response_dispose(&out);
    }
}

/* ===== Requests ===== */

static void test_server_handle__public_and_errors(void)
{
    fixture f;
    if (!fixture_open(&f, 0)) {
        TEST_CHECK(!"fixture");
        return;
    }
    json_t *json;
    tby_server_response response;
    TEST_INT_EQ(request(&f, "GET", "/v1/health", NULL, NULL, &json, NULL), 200);
    TEST_STR_EQ(json_string_value(json_object_get(json, "status")), "ok");
    TEST_INT_EQ(json_integer_value(json_object_get(json_object_get(json, "list"), "entries")),
                tby_record_set_count(f.list));
    json_decref(json);

    TEST_INT_EQ(request(&f, "GET", "/openapi.json", NULL, NULL, NULL, &response), 200);
    TEST_INT_EQ(response.body_len, tby_server__openapi_json_len);
    tby_server_response_dispose(&response);

    TEST_INT_EQ(request(&f, "GET", "/nope?x=1", NULL, NULL, &json, NULL), 404);
    TEST_STR_EQ(error_code(json), "not_found");
    TEST_CHECK(json_is_null(json_object_get(json_object_get(json, "error"), "field")));
    json_decref(json);

    TEST_INT_EQ(request(&f, "PUT", "/v1/screen", "tok-admin", NULL, &json, &response), 405);
    TEST_STR_EQ(error_code(json), "method_not_allowed");
    TEST_STR_EQ(response.allow, "POST");
    json_decref(json);
    tby_server_response_dispose(&response);

    /* No credential, an unknown one, another scheme: 401 with a challenge. */
    TEST_INT_EQ(request(&f, "POST", "/v1/screen", NULL, "{}", &json, &response), 401);
    TEST_STR_EQ(error_code(json), "unauthorized");
    TEST_CHECK(response.is_auth_challenge);
    json_decref(json);
    tby_server_response_dispose(&response);
    TEST_INT_EQ(request(&f, "POST", "/v1/screen", "tok-nobody", "{}", NULL, NULL), 401);
    tby_server_header basic[] = {{"Authorization", "Basic dXNlcjpwYXNz"}};
    tby_server_handle(f.server, "POST", "/v1/screen", basic, 1, "{}", 2, &response);
    TEST_INT_EQ(response.status, 401);
    tby_server_response_dispose(&response);

    /* A JSON route refuses other media types (a CSRF guard for cookie sessions). */
    tby_server_header form[] = {{"Authorization", "Bearer tok-admin"},
                                {"Content-Type", "application/x-www-form-urlencoded"}};
    tby_server_handle(f.server, "POST", "/v1/screen", form, 2, "a=1", 3, &response);
    TEST_INT_EQ(response.status, 415);
    tby_server_response_dispose(&response);
    fixture_close(&f);
}

static void test_server_handle__validation(void)
{
    fixture f;
    if (!fixture_open(&f, 512)) {
        TEST_CHECK(!"fixture");
        return;
    }
    struct {
        const char *body;
        int status;
        const char *code, *field;
    } cases[] = {
        {"{\"record\": {\"name\": \"Ali\"", 400, "bad_json", NULL},
        {"{\"record\": {\"name\": \"Ali\"}, \"purpose\": \"x\", \"limit\": 3}", 400,
         "unknown_field", "limit"},
        {"{\"record\": {\"name\": \"Ali\"}}", 400, "missing_field", "purpose"},
        {"{\"record\": {\"name\": \"Ali\"}, \"purpose\": 7}", 400, "wrong_type", "purpose"},
        {"{\"purpose\": \"x\"}", 400, "missing_field", "record"},
        {"{\"purpose\": \"t\", \"record\": {\"birth_date\": \"1980\"}}", 400, "missing_field",
         "record.name"},
        {"{\"purpose\": \"t\", \"record\": {\"name\": \"Ali\", \"birthdate\": \"1980\"}}", 400,
         "unknown_field", "record.birthdate"},
        {"{\"purpose\": \"t\", \"record\": {\"name\": [\"Ali\"]}}", 400, "wrong_type",
         "record.name"},
        {"{\"purpose\": \"t\", \"record\": {\"name\": \"Ali Hasan\", \"birth_date\": "
         "\"1990-02-30\"}}",
         400, "invalid_value", "record.birth_date"},
        {"{\"purpose\": \"t\", \"record\": {\"name\": \"Ali Hasan\", \"sex\": \"x\"}}", 400,
         "invalid_value", "record.sex"},
        {"{\"purpose\": \"t\", \"record\": {\"name\": \"Ali Hasan\"}, \"threshold\": 0.00001}", 400,
         "invalid_value", "threshold"},
        {"{\"purpose\": \"t\", \"record\": {\"name\": \"Ali Hasan\"}, \"max_alerts\": 0}", 400,
         "invalid_value", "max_alerts"},
        {"{\"record\": {\"name\": \"Ali Hasan\"}, \"purpose\": \"\"}", 400, "invalid_value",
         "purpose"},
        {"{\"record\": \"Ali\", \"purpose\": \"x\"}", 400, "wrong_type", "record"},
        {"{\"purpose\": \"t\", \"record\": {\"name\": \"...\"}}", 422, "no_usable_name",
         "record.name"},
        {"{\"record\": {\"name\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
         "]]]]]]}}",
         400, "too_deep", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *json;
        int status = request(&f, "POST", "/v1/screen", "tok-admin", cases[i].body, &json, NULL);
        if (status != cases[i].status)
            fprintf(stderr, "  case %zu: %s\n", i, cases[i].body);
        TEST_INT_EQ(status, cases[i].status);
        TEST_STR_EQ(error_code(json), cases[i].code);
        if (cases[i].field)
            TEST_STR_EQ(error_field(json), cases[i].field);
        json_decref(json);
    }
    /* Over the cap (512 bytes here): 413 before any parsing. */
    char big[1024];
    memset(big, ' ', sizeof(big) - 1);
    big[0] = '{';
    big[sizeof(big) - 2] = '}';
    big[sizeof(big) - 1] = '\0';
    json_t *json;
    TEST_INT_EQ(request(&f, "POST", "/v1/screen", "tok-admin", big, &json, NULL), 413);
    TEST_STR_EQ(error_code(json), "body_too_large");
    json_decref(json);
    /* Nothing above reached the data, so nothing was audited. */
    TEST_INT_EQ(f.auth.audit_count, 1); /* the 422: the record was read and screened */
    fixture_close(&f);
}

static void test_server_handle__screen(void)
{
    fixture f;
    if (!fixture_open(&f, 0)) {
        TEST_CHECK(!"fixture");
        return;
    }
    const char *body = "{\"record\": {\"id\": \"R-7\", \"name\": \"Ahmed Jassim Mohamed\", "
                       "\"birth_date\": \"1989-04-19\", \"site\": \"camp-a\"}, "
                       "\"purpose\": \"registration\"}";
    json_t *json;
    tby_server_response response;
    TEST_INT_EQ(request(&f, "POST", "/v1/screen", "tok-analyst", body, &json, &response), 200);
    TEST_CHECK(response.is_no_store);
    tby_server_response_dispose(&response);
    TEST_STR_EQ(json_string_value(json_object_get(json, "record_id")), "R-7");
    json_t *alerts = json_object_get(json, "alerts");
    TEST_CHECK(json_array_size(alerts) >= 1);
    json_t *first = json_array_get(alerts, 0);
    TEST_STR_EQ(json_string_value(json_object_get(first, "list_id")), "WL-004");
    TEST_CHECK(json_is_real(json_object_get(first, "score")));
    TEST_CHECK(json_is_object(json_object_get(first, "fields")));
    TEST_STR_EQ(json_string_value(json_object_get(json, "outcome")),
                json_string_value(json_object_get(first, "grade")));
    size_t alert_count = json_array_size(alerts);
    json_decref(json);

    /* The audit saw who, what, where and why. */
    TEST_INT_EQ(f.auth.audit_count, 1);
    TEST_STR_EQ(f.auth.last_user, "user-analyst");
    TEST_STR_EQ(f.auth.last_subject, "record R-7");
    TEST_STR_EQ(f.auth.last_purpose, "registration");
    TEST_STR_EQ(f.auth.last_site, "camp-a");
    TEST_STR_EQ(f.auth.last.action, "screen");
    TEST_INT_EQ(f.auth.last.status, 200);
    TEST_CHECK(f.auth.last.time_ms > 0);

    /* max_alerts cuts the list and says so. */
    if (alert_count > 1) {
        char limited[512];
        snprintf(limited, sizeof(limited),
                 "{\"record\": {\"name\": \"Ahmed Jassim Mohamed\"}, \"max_alerts\": 1, "
                 "\"purpose\": \"t\"}");
        TEST_INT_EQ(request(&f, "POST", "/v1/screen", "tok-admin", limited, &json, NULL), 200);
        TEST_INT_EQ(json_array_size(json_object_get(json, "alerts")), 1);
        TEST_CHECK(json_is_true(json_object_get(json, "truncated")));
        json_decref(json);
    }

    /* A registrar learns only whether a check is needed. */
    TEST_INT_EQ(request(&f, "POST", "/v1/screen", "tok-registrar-camp-a", body, &json, NULL), 200);
    TEST_STR_EQ(json_string_value(json_object_get(json, "outcome")), "identifier_check");
    TEST_CHECK(json_object_get(json, "alerts") == NULL);
    TEST_INT_EQ(json_object_size(json), 2);
    json_decref(json);

    /* A registrar of camp-a: another site is 403, no site is 400. */
    const char *other = "{\"record\": {\"name\": \"Ahmed Jassim Mohamed\", \"site\": \"camp-b\"}, "
                        "\"purpose\": \"t\"}";
    TEST_INT_EQ(request(&f, "POST", "/v1/screen", "tok-registrar-camp-a", other, &json, NULL), 403);
    TEST_STR_EQ(error_field(json), "record.site");
    json_decref(json);
    const char *none = "{\"record\": {\"name\": \"Ahmed Jassim Mohamed\"}, \"purpose\": \"t\"}";
    TEST_INT_EQ(request(&f, "POST", "/v1/screen", "tok-registrar-camp-a", none, &json, NULL), 400);
    TEST_STR_EQ(error_code(json), "missing_field");
    json_decref(json);

    /* No alert: clear. */
    const char *nobody = "{\"record\": {\"name\": \"Zzyzx Qwerty\"}, \"purpose\": \"t\"}";
    TEST_INT_EQ(request(&f, "POST", "/v1/screen", "tok-admin", nobody, &json, NULL), 200);
    TEST_STR_EQ(json_string_value(json_object_get(json, "outcome")), "clear");
    TEST_INT_EQ(json_array_size(json_object_get(json, "alerts")), 0);
    json_decref(json);

    /* When the audit cannot be written, no personal data leaves: 503 without alerts. */
    f.auth.is_audit_failing = true;
    TEST_INT_EQ(request(&f, "POST", "/v1/screen", "tok-admin", body, &json, &response), 503);
    TEST_STR_EQ(error_code(json), "audit_unavailable");
    TEST_CHECK(strstr(response.body, "WL-004") == NULL);
    json_decref(json);
    tby_server_response_dispose(&response);
    fixture_close(&f);
}

/*
 * The role check of the route table with the development provider: every role on every route
 * is either let through (not 401 or 403) or refused with 403, as the table says. Routes that
 * need the store answer 501 here; tests/server/test_matrix.c runs the full role x route x
 * site matrix against the store-backed provider with the answer of every cell.
 */
static void test_server_handle__role_matrix(void)
{
    fixture f;
    if (!fixture_open(&f, 0)) {
        TEST_CHECK(!"fixture");
        return;
    }
    for (size_t i = 0; i < tby_server__route_count; i++) {
        const tby_server__route *route = &tby_server__routes[i];
        for (int bit = 0; bit < TBY_ROLE_COUNT; bit++) {
            tby_server_role role = (tby_server_role)(1u << bit);
            char token[32];
            snprintf(token, sizeof(token), "tok-%s", tby_server_role_name(role));
            const char *body =
                (route->flags & TBY_ROUTE_JSON_BODY)
                    ? "{\"record\": {\"name\": \"Ahmed Jassim Mohamed\"}, \"purpose\": \"t\"}"
                    : NULL;
            int status = request(&f, route->method, route->pattern, token, body, NULL, NULL);
            bool allowed = (route->flags & TBY_ROUTE_PUBLIC) || (route->roles & (unsigned)role);
            if (allowed != (status != 403 && status != 401))
                fprintf(stderr, "  %s %s as %s: %d\n", route->method, route->pattern,
                        tby_server_role_name(role), status);
            TEST_CHECK(allowed == (status != 403 && status != 401));
            if (allowed && (route->flags & TBY_ROUTE_STORE))
                TEST_INT_EQ(status, 501);
            else if (allowed && route->handler == tby_server__api_screen)
                TEST_INT_EQ(status, 200);
        }
    }
    fixture_close(&f);
}

static void test_server_handle__metrics(void)
{
    fixture f;
    if (!fixture_open(&f, 0)) {
        TEST_CHECK(!"fixture");
        return;
    }
    request(&f, "POST", "/v1/screen", "tok-admin",
            "{\"record\": {\"name\": \"Ahmed Jassim\"}, \"purpose\": \"t\"}", NULL, NULL);
    request(&f, "POST", "/v1/screen", NULL, "{}", NULL, NULL);
    request(&f, "GET", "/missing", NULL, NULL, NULL, NULL);
    tby_server_response response;
    TEST_INT_EQ(request(&f, "GET", "/metrics", NULL, NULL, NULL, &response), 200);
    const char *text = response.body;
    TEST_CHECK(strstr(text, "tabayyun_http_requests_total{route=\"/v1/screen\",method=\"POST\","
                            "status=\"200\"} 1\n") != NULL);
    TEST_CHECK(strstr(text, "tabayyun_http_requests_total{route=\"/v1/screen\",method=\"POST\","
                            "status=\"401\"} 1\n") != NULL);
    TEST_CHECK(strstr(text, "tabayyun_http_requests_total{route=\"unmatched\",method=\"\","
                            "status=\"404\"} 1\n") != NULL);
    TEST_CHECK(strstr(text, "tabayyun_http_request_duration_seconds_count{route=\"/v1/screen\","
                            "method=\"POST\"} 2\n") != NULL);
    TEST_CHECK(strstr(text, "tabayyun_screenings_total 1\n") != NULL);
    TEST_CHECK(strstr(text, "tabayyun_auth_rejected_total 1\n") != NULL);
    TEST_CHECK(strstr(text, "tabayyun_audit_events_total{result=\"recorded\"} 1\n") != NULL);
    tby_server_response_dispose(&response);
    fixture_close(&f);
}

/* ===== The development provider ===== */

static void test_server_auth_dev__tokens_file(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/tby_test_tokens_%ld.txt", (long)getpid());
    FILE *file = fopen(path, "w");
    TEST_CHECK(file != NULL);
    if (!file)
        return;
    fputs("# token user role sites\n"
          "aaaaaaaaaaaaaaaa-registrar  amina  registrar  camp-a,camp-b\n"
          "\n"
          "bbbbbbbbbbbbbbbb-auditor    sami   auditor    *\n",
          file);
    fclose(file);
    tby_server_auth auth;
    tby_error err;
    TEST_INT_EQ(tby_server_auth_dev(&auth, path, "cccccccccccccccc-admin", NULL, &err), 0);
    tby_server_principal who;
    tby_server_credential credential = {TBY_CREDENTIAL_BEARER, "aaaaaaaaaaaaaaaa-registrar", 26};
    TEST_INT_EQ(auth.authenticate(auth.ctx, &credential, &who, &err), 0);
    TEST_STR_EQ(who.user, "amina");
    TEST_INT_EQ(who.role, TBY_ROLE_REGISTRAR);
    TEST_INT_EQ(who.site_count, 2);
    TEST_CHECK(tby_server_principal_has_site(&who, "camp-b"));
    TEST_CHECK(!tby_server_principal_has_site(&who, "camp-c"));
    credential.value = "cccccccccccccccc-admin";
    credential.len = 22;
    TEST_INT_EQ(auth.authenticate(auth.ctx, &credential, &who, &err), 0);
    TEST_INT_EQ(who.role, TBY_ROLE_ADMIN);
    TEST_CHECK(who.all_sites);
    credential.len = 21; /* a prefix of a token is not the token */
    TEST_INT_EQ(auth.authenticate(auth.ctx, &credential, &who, &err), TBY_ENOTFOUND);
    credential.kind = TBY_CREDENTIAL_SESSION;
    credential.len = 22;
    TEST_INT_EQ(auth.authenticate(auth.ctx, &credential, &who, &err), TBY_ENOTFOUND);
    auth.free(auth.ctx);

    /* Bad lines are named with their line and field. */
    file = fopen(path, "w");
    fputs("aaaaaaaaaaaaaaaa-registrar  amina  registar  camp-a\n", file);
    fclose(file);
    TEST_INT_EQ(tby_server_auth_dev(&auth, path, NULL, NULL, &err), TBY_EINVALID);
    TEST_STR_EQ(err.field, "role");
    TEST_CHECK(strstr(err.message, ":1:") != NULL);
    file = fopen(path, "w");
    fputs("short amina admin *\n", file);
    fclose(file);
    TEST_INT_EQ(tby_server_auth_dev(&auth, path, NULL, NULL, &err), TBY_EINVALID);
    TEST_STR_EQ(err.field, "token");
    TEST_INT_EQ(tby_server_auth_dev(&auth, NULL, "too-short", NULL, &err), TBY_EINVALID);
    remove(path);
}

TEST_LIST = {
    TEST(test_server_routes__match_and_allow),
    TEST(test_server_routes__table_consistent),
    TEST(test_server_body__depth),
    TEST(test_server_body__parse_errors),
    TEST(test_server_body__fields),
    TEST(test_server_handle__public_and_errors),
    TEST(test_server_handle__validation),
    TEST(test_server_handle__screen),
    TEST(test_server_handle__role_matrix),
    TEST(test_server_handle__metrics),
    TEST(test_server_auth_dev__tokens_file),
    TEST_END,
};

TEST_MAIN()
