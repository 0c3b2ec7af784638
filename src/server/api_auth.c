// SPDX-License-Identifier: Apache-2.0
// Sessions for the browser: POST /v1/login (a user name and password -> a session cookie),
// POST /v1/logout, and POST /v1/password (change one's own password, the only thing a
// session opened with a one-time password may do). The checks themselves are the auth
// provider's (tby_server_auth.login ...); this file turns them into HTTP.
//
// The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's page sends
// it, which with the JSON content type of every state-changing route keeps cross-site
// requests out), Path=/, and Secure when the server speaks TLS.
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "server/server_int.h"

static const char no_login[] = "logins need the store: start the server with --db FILE";

/* Writes the Set-Cookie value: the session for max_age seconds, or (id NULL) its removal. */
static void session_cookie(const tby_server *server, tby_server_response *out, const char *id,
                           int64_t max_age)
{
    snprintf(out->set_cookie, sizeof(out->set_cookie),
             "tby_session=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s", id ? id : "",
             (long long)(id ? max_age : 0), server->tls_cert_pem ? "; Secure" : "");
}

static json_t *principal_json(const tby_server_principal *who)
{
    json_t *o = json_pack("{s:s, s:s, s:b, s:b}", "user", who->user, "role",
                          tby_server_role_name(who->role), "all_sites", who->all_sites,
                          "must_change_password", who->must_change_password);
    json_t *sites = json_array();
    for (size_t i = 0; sites && !who->all_sites && i < who->site_count; i++)
        json_array_append_new(sites, json_string(who->sites[i]));
    if (!o || !sites || json_object_set_new(o, "sites", sites)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

void tby_server__api_login(tby_server *server, tby_server__request *request,
                           tby_server_response *out)
{
    static const tby_server__field fields[] = {
        {"user", TBY_TYPE_STRING, true},
        {"password", TBY_TYPE_STRING, true},
        {"role", TBY_TYPE_STRING, false},
    };
    if (!tby_server__check_fields(request->json, fields, sizeof(fields) / sizeof(fields[0]), "",
                                  out))
        return;
    if (!server->auth.login) {
        tby_server__error(out, 501, "no_database", NULL, -1, "%s", no_login);
        return;
    }
    tby_server_login login = {
        json_string_value(json_object_get(request->json, "user")),
        json_string_value(json_object_get(request->json, "password")),
        json_string_value(json_object_get(request->json, "role")),
        request->client,
    };
    tby_server_login_result result;
    tby_error err;
    tby_error_clear(&err);
    int rc = server->auth.login(server->auth.ctx, &login, &result, &err);
    if (rc == TBY_ENOTFOUND) {
        tby_server__error(out, 401, "unauthorized", NULL, -1, "unknown user or wrong password");
        out->is_auth_challenge = true;
    } else if (rc == TBY_ETOOLARGE && result.retry_after) {
        tby_server__error(out, 429, "too_many_requests", NULL, -1, "%s", err.message);
        out->retry_after = result.retry_after;
    } else if (rc == TBY_EINVALID) {
        tby_server__error(out, 400, "invalid_value", err.field[0] ? err.field : "role", -1, "%s",
                          err.message);
    } else if (rc) {
        tby_server__store_error(out, rc, &err);
    } else {
        json_t *body = principal_json(&result.principal);
        if (body) {
            int64_t now_ms = (int64_t)time(NULL) * 1000;
            json_object_set_new(body, "expires_in_seconds",
                                json_integer((result.expires_at_ms - now_ms) / 1000));
        }
        tby_server__json(out, 200, body);
        session_cookie(server, out, result.session,
                       (result.expires_at_ms - (int64_t)time(NULL) * 1000) / 1000);
        out->is_no_store = true;
    }
    memset(result.session, 0, sizeof(result.session));
}

void tby_server__api_logout(tby_server *server, tby_server__request *request,
                            tby_server_response *out)
{
    bool is_session = request->credential_kind == TBY_CREDENTIAL_SESSION && request->session[0];
    if (is_session && server->auth.logout) {
        tby_server_credential credential = {TBY_CREDENTIAL_SESSION, request->session,
                                            strlen(request->session)};
        tby_error err;
        tby_error_clear(&err);
        int rc = server->auth.logout(server->auth.ctx, &request->principal, &credential, &err);
        if (rc && rc != TBY_ENOTFOUND) {
            tby_server__store_error(out, rc, &err);
            return;
        }
    }
    tby_server__json(out, 200, json_pack("{s:b}", "logged_out", is_session));
    session_cookie(server, out, NULL, 0);
}

void tby_server__api_password(tby_server *server, tby_server__request *request,
                              tby_server_response *out)
{
    static const tby_server__field fields[] = {
        {"password", TBY_TYPE_STRING, true},
        {"new_password", TBY_TYPE_STRING, true},
    };
    if (!tby_server__check_fields(request->json, fields, sizeof(fields) / sizeof(fields[0]), "",
                                  out))
        return;
    if (!server->auth.change_password) {
        tby_server__error(out, 501, "no_database", NULL, -1, "%s", no_login);
        return;
    }
    tby_error err;
    tby_error_clear(&err);
    int rc = server->auth.change_password(
        server->auth.ctx, &request->principal,
        json_string_value(json_object_get(request->json, "password")),
        json_string_value(json_object_get(request->json, "new_password")), &err);
    if (rc == TBY_ENOTFOUND)
        tby_server__error(out, 400, "invalid_value", "password", -1, "%s", err.message);
    else if (rc == TBY_ETOOLARGE)
        tby_server__error(out, 429, "too_many_requests", NULL, -1, "%s", err.message);
    else if (rc == TBY_EINVALID)
        tby_server__error(out, 400, "invalid_value", err.field[0] ? err.field : "new_password", -1,
                          "%s", err.message);
    else if (rc)
        tby_server__store_error(out, rc, &err);
    else
        tby_server__json(out, 200,
                         json_pack("{s:s, s:b}", "user", request->principal.user, "changed", 1));
}
