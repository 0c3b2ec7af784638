// SPDX-License-Identifier: Apache-2.0
// A request's way through the server, independent of sockets (server_int.h has the phases).
// The HTTP glue in http.c and tby_server_handle both call these, so the unit tests and the
// fuzz target exercise the same code the network does.
//
// Order matters for what a client can learn and what it can cost us: the route, the
// credential and the role are checked on the headers, before a byte of body is read, so an
// unauthenticated client cannot make the server buffer a megabyte, and only then is the
// body parsed and validated.
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <jansson.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "server/server_int.h"

int64_t tby_server__now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void tby_server__request_init(tby_server__request *request)
{
    memset(request, 0, sizeof(*request));
    request->start_ns = tby_server__now_ns();
}

void tby_server__request_dispose(tby_server__request *request)
{
    tby__buf_dispose(&request->body);
    json_decref(request->json);
    request->json = NULL;
    tby_server_response_dispose(&request->early);
}

/* ===== Credentials ===== */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The session id in a Cookie header ("a=1; tby_session=XYZ; b=2"), or false. */
static bool cookie_session(const char *cookies, tby_server_credential *out)
{
    static const char name[] = "tby_session=";
    const char *p = cookies;
    while (*p) {
        while (*p == ';' || is_blank(*p))
            p++;
        const char *end = strchr(p, ';');
        if (!end)
            end = p + strlen(p);
        if ((size_t)(end - p) > sizeof(name) - 1 && memcmp(p, name, sizeof(name) - 1) == 0) {
            out->kind = TBY_CREDENTIAL_SESSION;
            out->value = p + sizeof(name) - 1;
            out->len = (size_t)(end - out->value);
            while (out->len && is_blank(out->value[out->len - 1]))
                out->len--;
            return out->len > 0;
        }
        p = end;
    }
    return false;
}

/*
 * Authenticates the request. Returns true with request->principal filled, or false with the
 * 401 (or 500) in request->early.
 */
static bool authenticate(tby_server *server, tby_server__request *request,
                         tby_server__header_fn header, void *header_ctx)
{
    tby_server_response *out = &request->early;
    tby_server_credential credential = {0};
    const char *authorization = header(header_ctx, "Authorization");
    const char *cookies = header(header_ctx, "Cookie");
    bool has_credential = false;
    if (authorization) {
        const char *p = authorization;
        while (is_blank(*p))
            p++;
        if (strncasecmp(p, "Bearer", 6) != 0 || !is_blank(p[6])) {
            tby_server__error(out, 401, "unauthorized", NULL, -1,
                              "the Authorization header must be \"Bearer <token>\"");
            out->is_auth_challenge = true;
            return false;
        }
        p += 6;
        while (is_blank(*p))
            p++;
        size_t len = strlen(p);
        while (len && is_blank(p[len - 1]))
            len--;
        credential = (tby_server_credential){TBY_CREDENTIAL_BEARER, p, len};
        has_credential = len > 0;
    } else if (cookies) {
        has_credential = cookie_session(cookies, &credential);
    }
    if (!has_credential) {
        tby_server__error(out, 401, "unauthorized", NULL, -1,
                          "this route needs a credential: Authorization: Bearer <token>, or a "
                          "session cookie");
        out->is_auth_challenge = true;
        return false;
    }
    tby_error err;
    tby_error_clear(&err);
    int rc = server->auth.authenticate ? server->auth.authenticate(server->auth.ctx, &credential,
                                                                   &request->principal, &err)
                                       : TBY_ENOTFOUND;
    if (rc == TBY_ENOTFOUND) {
        tby_server__error(out, 401, "unauthorized", NULL, -1,
                          "the credential is not valid (unknown, expired or revoked)");
        out->is_auth_challenge = true;
        return false;
    }
    if (rc) {
        tby_server__error(out, 500, "internal", NULL, -1, "authentication failed: %s",
                          err.message[0] ? err.message : tby_strerror(rc));
        return false;
    }
    request->principal.user[TBY_SERVER_USER_LEN - 1] = '\0';
    request->is_authenticated = true;
    request->credential_kind = credential.kind;
    if (credential.kind == TBY_CREDENTIAL_SESSION && credential.len < sizeof(request->session)) {
        memcpy(request->session, credential.value, credential.len);
        request->session[credential.len] = '\0';
    }
    return true;
}

/* True when the Content-Type is application/json (any parameters, any case). */
static bool is_json_type(const char *type)
{
    static const char json[] = "application/json";
    if (!type)
        return false;
    while (is_blank(*type))
        type++;
    if (strncasecmp(type, json, sizeof(json) - 1) != 0)
        return false;
    type += sizeof(json) - 1;
    while (is_blank(*type))
        type++;
    return *type == '\0' || *type == ';';
}

/* ===== Phases ===== */

bool tby_server__begin(tby_server *server, tby_server__request *request, const char *method,
                       const char *url, tby_server__header_fn header, void *header_ctx,
                       int64_t content_length)
{
    tby_server_response *out = &request->early;
    request->method = method;
    request->path = url;
    const char *query = strchr(url, '?');
    request->path_len = query ? (size_t)(query - url) : strlen(url);
    tby__buf_init(&request->body, server->opts.max_body_bytes);
    if (!request->client[0])
        snprintf(request->client, sizeof(request->client), "unknown");

    char allow[sizeof(out->allow)];
    int rc = tby_server__route_find(method, url, request->path_len, &request->route, allow,
                                    sizeof(allow));
    if (rc == 404) {
        tby_server__error(out, 404, "not_found", NULL, -1, "no route %.*s (see /openapi.json)",
                          (int)(request->path_len > 200 ? 200 : request->path_len), url);
        return request->is_responded = true;
    }
    if (rc == 405) {
        tby_server__error(
            out, 405, "method_not_allowed", NULL, -1, "%.*s does not allow %.16s (allowed: %s)",
            (int)(request->path_len > 200 ? 200 : request->path_len), url, method, allow);
        memcpy(out->allow, allow, sizeof(allow)); /* after the error, which resets *out */
        return request->is_responded = true;
    }
    const tby_server__route *route = request->route;
    size_t body_cap = (route->flags & TBY_ROUTE_UPLOAD) ? server->opts.max_upload_bytes
                                                        : server->opts.max_body_bytes;
    tby__buf_init(&request->body, body_cap);
    if (!(route->flags & TBY_ROUTE_PUBLIC)) {
        if (!authenticate(server, request, header, header_ctx)) {
            atomic_fetch_add_explicit(&server->metrics.auth_rejected, 1, memory_order_relaxed);
            return request->is_responded = true;
        }
        if (!(route->roles & (unsigned)request->principal.role)) {
            tby_server__error(out, 403, "forbidden", NULL, -1, "the %s role may not call %s %s",
                              tby_server_role_name(request->principal.role), route->method,
                              route->pattern);
            return request->is_responded = true;
        }
        /* A one-time password opens a session that may only change it (or end). */
        if (request->principal.must_change_password && route->handler != tby_server__api_password &&
            route->handler != tby_server__api_logout) {
            tby_server__error(out, 403, "password_change_required", NULL, -1,
                              "user %s logged in with a one-time password: change it first "
                              "(POST /v1/password)",
                              request->principal.user);
            return request->is_responded = true;
        }
    }
    if ((route->flags & TBY_ROUTE_STORE) && !server->opts.db) {
        tby_server__error(out, 501, "no_database", NULL, -1,
                          "%s %s needs the store: start the server with --db FILE", route->method,
                          route->pattern);
        return request->is_responded = true;
    }
    if (route->flags & TBY_ROUTE_JSON_BODY) {
        if (!is_json_type(header(header_ctx, "Content-Type"))) {
            tby_server__error(out, 415, "unsupported_media_type", NULL, -1,
                              "%s %s takes a JSON body: send Content-Type: application/json",
                              route->method, route->pattern);
            out->is_close = true;
            return request->is_responded = true;
        }
        if (content_length > (int64_t)body_cap) {
            tby_server__error(out, 413, "body_too_large", NULL, -1,
                              "the body is %lld bytes; at most %zu are accepted",
                              (long long)content_length, body_cap);
            out->is_close = true;
            return request->is_responded = true;
        }
    }
    return false;
}

bool tby_server__body_append(tby_server *server, tby_server__request *request, const char *data,
                             size_t len)
{
    if (request->is_responded)
        return true;
    tby_server_response *out = &request->early;
    int64_t elapsed = tby_server__now_ns() - request->start_ns;
    if (elapsed > (int64_t)server->opts.timeout_seconds * 1000000000) {
        tby_server__error(out, 408, "timeout", NULL, -1, "the request did not arrive within %u s",
                          server->opts.timeout_seconds);
        out->is_close = true;
        return request->is_responded = true;
    }
    /* Routes without a body ignore one, but do not buffer it. */
    if (!(request->route->flags & TBY_ROUTE_JSON_BODY))
        return false;
    int rc = tby__buf_put(&request->body, data, len);
    if (rc == TBY_ETOOLARGE) {
        tby_server__error(out, 413, "body_too_large", NULL, -1,
                          "the body is longer than the %zu bytes accepted", request->body.cap);
        out->is_close = true;
        return request->is_responded = true;
    }
    if (rc) {
        tby_server__error(out, 500, "internal", NULL, -1, "out of memory");
        out->is_close = true;
        return request->is_responded = true;
    }
    return false;
}

void tby_server__audit_event(const tby_server__request *request, int status,
                             tby_server_audit_event *event, char path[256])
{
    snprintf(path, 256, "%.*s", (int)request->path_len, request->path);
    *event = (tby_server_audit_event){
        .who = &request->principal,
        .action = request->route->operation,
        .method = request->method,
        .path = path,
        .subject = request->audit_subject[0] ? request->audit_subject : NULL,
        .site = request->audit_site,
        .purpose = request->purpose[0]      ? request->purpose
                   : request->audit_purpose ? request->audit_purpose
                                            : request->route->operation,
        .time_ms = wall_ms(),
        .status = status,
        .outcome = request->audit_outcome[0] ? request->audit_outcome : NULL,
    };
}

void tby_server__audit_failed(tby_server *server, tby_server_response *out, int rc,
                              const tby_error *err)
{
    atomic_fetch_add_explicit(&server->metrics.audit_failed, 1, memory_order_relaxed);
    tby_server__error(out, 503, "audit_unavailable", NULL, -1,
                      "the access could not be recorded in the audit log, so nothing is "
                      "returned: %s",
                      err->message[0] ? err->message : tby_strerror(rc));
}

/* Records the access in the audit log; false (with 503 in *out) when that failed. */
static bool audit(tby_server *server, tby_server__request *request, tby_server_response *out)
{
    if (!server->auth.audit)
        return true;
    char path[256];
    tby_server_audit_event event;
    tby_server__audit_event(request, out->status, &event, path);
    tby_error err;
    tby_error_clear(&err);
    int rc = server->auth.audit(server->auth.ctx, &event, &err);
    if (rc) {
        tby_server__audit_failed(server, out, rc, &err);
        return false;
    }
    atomic_fetch_add_explicit(&server->metrics.audit_events, 1, memory_order_relaxed);
    return true;
}

void tby_server__audit_pending_now(tby_server *server, tby_server__request *request,
                                   tby_server_response *out)
{
    request->is_audit_pending = false;
    audit(server, request, out);
}

bool tby_server__audit_now(tby_server *server, tby_server__request *request, int status,
                           tby_server_response *out)
{
    tby_server_response pending;
    memset(&pending, 0, sizeof(pending));
    pending.status = status;
    /* Recorded, or tried: either way the request is not audited a second time. */
    request->is_audited = true;
    if (!audit(server, request, &pending)) {
        tby_server_response_dispose(out);
        *out = pending;
        return false;
    }
    return true;
}

/*
 * The purpose the caller states for reading personal data: "purpose" in a JSON body, else
 * ?purpose= in the query. False with 400 in *out when it is missing, empty or too long.
 */
static bool read_purpose(tby_server__request *request, tby_server_response *out)
{
    json_t *value = request->json ? json_object_get(request->json, "purpose") : NULL;
    int found;
    if (request->json) {
        if (value && !json_is_string(value)) {
            tby_server__error(out, 400, "wrong_type", "purpose", -1, "purpose must be a string");
            return false;
        }
        found = value != NULL;
        size_t len = value ? json_string_length(value) : 0;
        if (found && (len == 0 || len > TBY_SERVER_PURPOSE_MAX))
            found = -1;
        else if (found)
            memcpy(request->purpose, json_string_value(value), len + 1);
    } else {
        found = tby_server__query(request, "purpose", request->purpose, sizeof(request->purpose));
        if (found == 1 && !request->purpose[0])
            found = -1;
    }
    if (found == 0) {
        tby_server__error(out, 400, "missing_field", "purpose", -1,
                          "%s %s reads personal data: state why in \"purpose\"%s",
                          request->route->method, request->route->pattern,
                          request->json ? "" : " (?purpose=...)");
        return false;
    }
    if (found < 0) {
        tby_server__error(out, 400, "invalid_value", "purpose", -1,
                          "purpose must be 1..%d bytes of UTF-8", TBY_SERVER_PURPOSE_MAX);
        return false;
    }
    return true;
}

void tby_server__finish(tby_server *server, tby_server__request *request, tby_server_response *out)
{
    memset(out, 0, sizeof(*out));
    if (request->is_responded) {
        *out = request->early;
        memset(&request->early, 0, sizeof(request->early));
        return;
    }
    const tby_server__route *route = request->route;
    if (route->flags & TBY_ROUTE_JSON_BODY) {
        request->json = tby_server__parse_body(request->body.ptr ? request->body.ptr : "",
                                               request->body.len, server->opts.max_json_depth, out);
        if (!request->json)
            return;
    }
    if ((route->flags & TBY_ROUTE_PURPOSE) && !read_purpose(request, out))
        return;
    route->handler(server, request, out);
    /* A handler names its subject once it has touched personal data; a request turned
     * away before that (bad fields, another site) read nothing and is only counted. */
    if ((route->flags & TBY_ROUTE_PERSONAL_DATA) && request->is_authenticated &&
        request->audit_subject[0] && !request->is_audited) {
        /* Deferred: the HTTP glue hands the entry to the audit batcher and holds the answer
           until the transaction with it commits (group commit). */
        if (request->is_audit_deferred && server->auth.audit)
            request->is_audit_pending = true;
        else
            audit(server, request, out);
    }
    if (route->flags & TBY_ROUTE_PERSONAL_DATA)
        out->is_no_store = true;
}

bool tby_server__authorize_site(tby_server *server, tby_server__request *request, const char *site,
                                const char *field, tby_server_response *out)
{
    bool allowed = false;
    int rc = 0;
    tby_error err;
    tby_error_clear(&err);
    if (server->auth.authorize)
        rc = server->auth.authorize(server->auth.ctx, &request->principal,
                                    request->route->operation, site, &allowed, &err);
    else
        allowed = tby_server_principal_has_site(&request->principal, site);
    if (rc) {
        tby_server__error(out, 500, "internal", NULL, -1, "authorisation failed: %s",
                          err.message[0] ? err.message : tby_strerror(rc));
        return false;
    }
    if (!allowed) {
        tby_server__error(out, 403, "forbidden", field, -1,
                          "user %s may not act for site \"%.64s\"", request->principal.user,
                          site ? site : "");
        return false;
    }
    return true;
}

/* ===== In memory ===== */

typedef struct header_list {
    const tby_server_header *headers;
    size_t count;
} header_list;

static const char *header_list_get(void *ctx, const char *name)
{
    const header_list *list = ctx;
    for (size_t i = 0; i < list->count; i++) {
        if (strcasecmp(list->headers[i].name, name) == 0)
            return list->headers[i].value;
    }
    return NULL;
}

void tby_server_handle(tby_server *server, const char *method, const char *path,
                       const tby_server_header *headers, size_t header_count, const char *body,
                       size_t body_len, tby_server_response *out)
{
    tby_server__handle(server, "memory", method, path, headers, header_count, body, body_len, out);
}

void tby_server__handle(tby_server *server, const char *client, const char *method,
                        const char *path, const tby_server_header *headers, size_t header_count,
                        const char *body, size_t body_len, tby_server_response *out)
{
    tby_server__request request;
    tby_server__request_init(&request);
    snprintf(request.client, sizeof(request.client), "%s", client ? client : "memory");
    header_list list = {headers, header_count};
    int64_t declared = (int64_t)body_len;
    const char *length = header_list_get(&list, "Content-Length");
    if (length)
        declared = strtoll(length, NULL, 10);
    if (!tby_server__begin(server, &request, method, path, header_list_get, &list, declared))
        tby_server__body_append(server, &request, body ? body : "", body_len);
    tby_server__finish(server, &request, out);
    tby_server__record(server, request.route, out->status, tby_server__now_ns() - request.start_ns);
    tby_server__request_dispose(&request);
}
