// SPDX-License-Identifier: Apache-2.0
// Users and tokens, for admins:
//
//   GET    /v1/users                      users with their roles and sites; paged by name
//   POST   /v1/users                      {"name", "roles": [{"role", "sites"?}], "password"?}
//                                         without a password: a one-time one, in the answer
//   POST   /v1/users/{name}/disable       their tokens and sessions stop working
//   POST   /v1/users/{name}/roles         {"role", "sites"?}: one more role
//   POST   /v1/users/{name}/password      {"password"?}: a new one-time password
//   GET    /v1/tokens?user=               tokens (never their text); paged by id
//   POST   /v1/tokens                     {"user", "role"?, "label"?, "expires_in_days"?}
//                                         the token is in the answer, and nowhere else
//   DELETE /v1/tokens/{id}                revoke
//
// The store writes each change to the audit log with the admin as its actor; the auth
// provider is told, so that cached credentials of this server are checked again at once.
// Passwords are hashed (argon2id, about 0.1 s) before the write lock is taken.
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/server_int.h"

#define GRANTS_MAX 64 /* grants one request may make */

static void changed(tby_server *server)
{
    if (server->auth.changed)
        server->auth.changed(server->auth.ctx);
}

/* ===== Users ===== */

typedef struct user_pager {
    json_t *items;
    const char *after; /* names after this one ("": from the first) */
    int64_t limit;
    bool has_more;
    bool is_oom;
} user_pager;

static int on_user(const tby_store_user_info *user, void *payload)
{
    user_pager *p = payload;
    if (p->after[0] && strcmp(user->name, p->after) <= 0)
        return 0;
    if ((int64_t)json_array_size(p->items) == p->limit) {
        p->has_more = true;
        return 1;
    }
    json_t *grants = json_array();
    for (size_t i = 0; grants && i < user->grant_count; i++)
        json_array_append_new(grants, json_pack("{s:s, s:s?}", "role", user->grants[i].role, "site",
                                                user->grants[i].site));
    json_t *item = json_pack("{s:s, s:s?, s:s, s:s?, s:b, s:b, s:o*}", "name", user->name,
                             "display_name", user->display_name, "created_at", user->created_at,
                             "disabled_at", user->disabled_at, "has_password", user->has_password,
                             "must_change_password", user->must_change_password, "grants", grants);
    if (!item || json_array_append_new(p->items, item)) {
        p->is_oom = true;
        return 1;
    }
    return 0;
}

void tby_server__api_users(tby_server *server, tby_server__request *request,
                           tby_server_response *out)
{
    int64_t limit = TBY_SERVER_PAGE_DEFAULT;
    char after[TBY_STORE_NAME_LEN];
    if (!tby_server__query_int(request, "limit", 1, TBY_SERVER_PAGE_MAX, &limit, out))
        return;
    if (tby_server__query(request, "cursor", after, sizeof(after)) < 0) {
        tby_server__error(out, 400, "invalid_value", "cursor", -1, "cursor is not one");
        return;
    }
    tby_store *store = tby_server__store(server, out);
    if (!store)
        return;
    user_pager pager = {json_array(), after, limit, false, false};
    tby_error err;
    tby_error_clear(&err);
    int rc = pager.items ? tby_store_user_foreach(store, NULL, on_user, &pager, &err) : TBY_ENOMEM;
    if (pager.is_oom)
        rc = tby__error(&err, TBY_ENOMEM, -1, "out of memory");
    if (rc && rc != 1) {
        json_decref(pager.items);
        tby_server__store_error(out, rc, &err);
        return;
    }
    size_t n = json_array_size(pager.items);
    const char *last =
        n ? json_string_value(json_object_get(json_array_get(pager.items, n - 1), "name")) : NULL;
    char next[TBY_STORE_NAME_LEN];
    snprintf(next, sizeof(next), "%s", last ? last : "");
    tby_server__json(out, 200,
                     json_pack("{s:o, s:s?}", "users", pager.items, "next_cursor",
                               pager.has_more ? next : NULL));
}

/* Reads {"role": R, "sites": [S...]} (no sites: every site) into grants; false with 400. */
static bool read_role(json_t *item, const char *prefix, tby_store_grant *grants, size_t *count,
                      tby_server_response *out)
{
    static const tby_server__field fields[] = {
        {"role", TBY_TYPE_STRING, true},
        {"sites", TBY_TYPE_ARRAY, false},
    };
    if (!json_is_object(item)) {
        tby_server__error(out, 400, "wrong_type", prefix, -1, "%s must be an object", prefix);
        return false;
    }
    char dotted[64];
    snprintf(dotted, sizeof(dotted), "%s%s", prefix, prefix[0] ? "." : "");
    if (!tby_server__check_fields(item, fields, 2, dotted, out))
        return false;
    const char *role = json_string_value(json_object_get(item, "role"));
    json_t *sites = json_object_get(item, "sites");
    size_t site_count = json_array_size(sites);
    if (!site_count) {
        if (*count == GRANTS_MAX)
            goto too_many;
        grants[(*count)++] = (tby_store_grant){role, NULL};
        return true;
    }
    for (size_t i = 0; i < site_count; i++) {
        json_t *site = json_array_get(sites, i);
        if (!json_is_string(site)) {
            char field[128];
            snprintf(field, sizeof(field), "%ssites[%zu]", dotted, i);
            tby_server__error(out, 400, "wrong_type", field, -1, "%s must be a string", field);
            return false;
        }
        if (*count == GRANTS_MAX)
            goto too_many;
        grants[(*count)++] = (tby_store_grant){role, json_string_value(site)};
    }
    return true;
too_many:
    tby_server__error(out, 400, "invalid_value", "roles", -1, "at most %d grants at once",
                      GRANTS_MAX);
    return false;
}

/* The password to set: the body's, or a new one-time one written into generated. */
static const char *password_or_generate(json_t *body,
                                        char generated[TBY_STORE_PASSWORD_GENERATED_LEN],
                                        bool *is_generated)
{
    const char *given = json_string_value(json_object_get(body, "password"));
    *is_generated = !given;
    if (given)
        return given;
    tby_store_password_generate(generated);
    return generated;
}

void tby_server__api_user_create(tby_server *server, tby_server__request *request,
                                 tby_server_response *out)
{
    static const tby_server__field fields[] = {
        {"name", TBY_TYPE_STRING, true},
        {"display_name", TBY_TYPE_STRING, false},
        {"roles", TBY_TYPE_ARRAY, true},
        {"password", TBY_TYPE_STRING, false},
    };
    json_t *body = request->json;
    if (!tby_server__check_fields(body, fields, sizeof(fields) / sizeof(fields[0]), "", out))
        return;
    json_t *roles = json_object_get(body, "roles");
    tby_store_grant grants[GRANTS_MAX];
    size_t count = 0;
    for (size_t i = 0; i < json_array_size(roles); i++) {
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "roles[%zu]", i);
        if (!read_role(json_array_get(roles, i), prefix, grants, &count, out))
            return;
    }
    char generated[TBY_STORE_PASSWORD_GENERATED_LEN], hash[TBY_STORE_PASSWORD_HASH_LEN];
    bool is_generated;
    const char *password = password_or_generate(body, generated, &is_generated);
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_store_password_hash(hash, password, &err);
    if (rc) {
        tby_server__store_error(out, rc, &err);
        return;
    }
    const char *name = json_string_value(json_object_get(body, "name"));
    tby_store_user_spec spec = {
        name,        json_string_value(json_object_get(body, "display_name")),
        grants,      count,
        NULL,        hash,
        is_generated};
    tby_store *store = tby_server__db_lock(server->opts.db);
    rc = tby_store_user_add(store, &spec, request->principal.user, NULL, &err);
    tby_server__db_unlock(server->opts.db);
    if (rc) {
        tby_server__store_error(out, rc, &err);
        return;
    }
    changed(server);
    tby_server__json(out, 201,
                     json_pack("{s:s, s:s?, s:b}", "name", name, "password",
                               is_generated ? generated : NULL, "must_change_password",
                               is_generated));
    out->is_no_store = true;
}

/* The user name in the path (segment 2 of /v1/users/{name}/...); false with 400. */
static bool path_user(tby_server__request *request, char name[TBY_STORE_NAME_LEN],
                      tby_server_response *out)
{
    if (tby_server__path_segment(request, 2, name, TBY_STORE_NAME_LEN))
        return true;
    tby_server__error(out, 400, "invalid_value", "name", -1,
                      "the user name in the path is not one");
    return false;
}

void tby_server__api_user_disable(tby_server *server, tby_server__request *request,
                                  tby_server_response *out)
{
    char name[TBY_STORE_NAME_LEN];
    if (!path_user(request, name, out))
        return;
    tby_error err;
    tby_error_clear(&err);
    tby_store *store = tby_server__db_lock(server->opts.db);
    int rc = tby_store_user_disable(store, name, request->principal.user, &err);
    tby_server__db_unlock(server->opts.db);
    if (rc) {
        tby_server__store_error(out, rc, &err);
        return;
    }
    changed(server);
    tby_server__json(out, 200, json_pack("{s:s, s:b}", "name", name, "disabled", 1));
}

void tby_server__api_user_grant(tby_server *server, tby_server__request *request,
                                tby_server_response *out)
{
    char name[TBY_STORE_NAME_LEN];
    tby_store_grant grants[GRANTS_MAX];
    size_t count = 0;
    if (!path_user(request, name, out) || !read_role(request->json, "", grants, &count, out))
        return;
    tby_error err;
    tby_error_clear(&err);
    /* All the grants land together, or none. */
    tby_store *store = tby_server__db_lock(server->opts.db);
    int rc = tby_store_begin(store, &err);
    for (size_t i = 0; !rc && i < count; i++)
        rc = tby_store_user_grant(store, name, &grants[i], request->principal.user, &err);
    if (!rc)
        rc = tby_store_commit(store, &err);
    else
        tby_store_rollback(store);
    tby_server__db_unlock(server->opts.db);
    if (rc) {
        tby_server__store_error(out, rc, &err);
        return;
    }
    changed(server);
    json_t *sites = json_array();
    for (size_t i = 0; sites && i < count && grants[i].site; i++)
        json_array_append_new(sites, json_string(grants[i].site));
    tby_server__json(
        out, 200,
        json_pack("{s:s, s:s, s:o*}", "name", name, "role", grants[0].role, "sites", sites));
}

void tby_server__api_user_password(tby_server *server, tby_server__request *request,
                                   tby_server_response *out)
{
    static const tby_server__field fields[] = {{"password", TBY_TYPE_STRING, false}};
    char name[TBY_STORE_NAME_LEN];
    if (!path_user(request, name, out) ||
        !tby_server__check_fields(request->json, fields, 1, "", out))
        return;
    char generated[TBY_STORE_PASSWORD_GENERATED_LEN], hash[TBY_STORE_PASSWORD_HASH_LEN];
    bool is_generated;
    const char *password = password_or_generate(request->json, generated, &is_generated);
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_store_password_hash(hash, password, &err);
    if (rc) {
        tby_server__store_error(out, rc, &err);
        return;
    }
    tby_store *store = tby_server__db_lock(server->opts.db);
    rc = tby_store_user_set_password(store, name, NULL, hash, true, request->principal.user, &err);
    tby_server__db_unlock(server->opts.db);
    if (rc) {
        tby_server__store_error(out, rc, &err);
        return;
    }
    changed(server);
    tby_server__json(out, 200,
                     json_pack("{s:s, s:s?, s:b}", "name", name, "password",
                               is_generated ? generated : NULL, "must_change_password", 1));
    out->is_no_store = true;
}

/* ===== Tokens ===== */

typedef struct token_pager {
    json_t *items;
    int64_t after;
    int64_t limit;
    bool has_more;
    bool is_oom;
} token_pager;

static int on_token(const tby_store_token_info *t, void *payload)
{
    token_pager *p = payload;
    if (t->id <= p->after)
        return 0;
    if ((int64_t)json_array_size(p->items) == p->limit) {
        p->has_more = true;
        return 1;
    }
    json_t *item =
        json_pack("{s:I, s:s, s:s, s:s?, s:s, s:s?, s:s?}", "id", (json_int_t)t->id, "user",
                  t->user, "role", t->role, "label", t->label, "created_at", t->created_at,
                  "expires_at", t->expires_at, "revoked_at", t->revoked_at);
    if (!item || json_array_append_new(p->items, item)) {
        p->is_oom = true;
        return 1;
    }
    return 0;
}

void tby_server__api_tokens(tby_server *server, tby_server__request *request,
                            tby_server_response *out)
{
    int64_t limit = TBY_SERVER_PAGE_DEFAULT, cursor = 0;
    char user[TBY_STORE_NAME_LEN];
    if (!tby_server__query_int(request, "limit", 1, TBY_SERVER_PAGE_MAX, &limit, out) ||
        !tby_server__query_int(request, "cursor", 0, INT64_MAX, &cursor, out))
        return;
    int has_user = tby_server__query(request, "user", user, sizeof(user));
    if (has_user < 0) {
        tby_server__error(out, 400, "invalid_value", "user", -1, "user is not a user name");
        return;
    }
    tby_store *store = tby_server__store(server, out);
    if (!store)
        return;
    token_pager pager = {json_array(), cursor, limit, false, false};
    tby_error err;
    tby_error_clear(&err);
    int rc = pager.items
                 ? tby_store_token_foreach(store, has_user ? user : NULL, on_token, &pager, &err)
                 : TBY_ENOMEM;
    if (pager.is_oom)
        rc = tby__error(&err, TBY_ENOMEM, -1, "out of memory");
    if (rc && rc != 1) {
        json_decref(pager.items);
        tby_server__store_error(out, rc, &err);
        return;
    }
    size_t n = json_array_size(pager.items);
    char next[32];
    snprintf(
        next, sizeof(next), "%lld",
        n ? (long long)json_integer_value(json_object_get(json_array_get(pager.items, n - 1), "id"))
          : 0LL);
    tby_server__json(out, 200,
                     json_pack("{s:o, s:s?}", "tokens", pager.items, "next_cursor",
                               pager.has_more ? next : NULL));
}

void tby_server__api_token_create(tby_server *server, tby_server__request *request,
                                  tby_server_response *out)
{
    static const tby_server__field fields[] = {
        {"user", TBY_TYPE_STRING, true},
        {"role", TBY_TYPE_STRING, false},
        {"label", TBY_TYPE_STRING, false},
        {"expires_in_days", TBY_TYPE_INTEGER, false},
    };
    json_t *body = request->json;
    if (!tby_server__check_fields(body, fields, sizeof(fields) / sizeof(fields[0]), "", out))
        return;
    json_t *days = json_object_get(body, "expires_in_days");
    json_int_t day_count = days ? json_integer_value(days) : 0;
    if (days && (day_count < 1 || day_count > 3660)) {
        tby_server__error(out, 400, "invalid_value", "expires_in_days", -1,
                          "expires_in_days must be 1..3660");
        return;
    }
    const char *user = json_string_value(json_object_get(body, "user"));
    const char *role = json_string_value(json_object_get(body, "role"));
    const char *label = json_string_value(json_object_get(body, "label"));
    char token[TBY_STORE_SECRET_LEN];
    int64_t id = 0;
    tby_error err;
    tby_error_clear(&err);
    tby_store *store = tby_server__db_lock(server->opts.db);
    int rc = tby_store_token_create(store, user, role, label, (int64_t)day_count * 86400,
                                    request->principal.user, token, &id, &err);
    tby_store_principal who;
    int verified = rc ? rc : tby_store_token_verify(store, token, strlen(token), &who, NULL);
    tby_server__db_unlock(server->opts.db);
    if (rc == TBY_ENOTFOUND)
        tby__error_field(&err, "user");
    if (rc) {
        tby_server__store_error(out, rc, &err);
        return;
    }
    tby_server__json(out, 201,
                     json_pack("{s:I, s:s, s:s, s:s, s:s?, s:o}", "id", (json_int_t)id, "token",
                               token, "user", user, "role", verified ? "" : who.role, "label",
                               label, "expires_in_days",
                               days ? json_integer(day_count) : json_null()));
    memset(token, 0, sizeof(token));
    out->is_no_store = true;
}

void tby_server__api_token_revoke(tby_server *server, tby_server__request *request,
                                  tby_server_response *out)
{
    char text[32];
    char *end = NULL;
    long long id =
        tby_server__path_segment(request, 2, text, sizeof(text)) ? strtoll(text, &end, 10) : 0;
    if (id < 1 || !end || *end) {
        tby_server__error(out, 400, "invalid_value", "id", -1,
                          "the token id in the path must be a number");
        return;
    }
    tby_error err;
    tby_error_clear(&err);
    tby_store *store = tby_server__db_lock(server->opts.db);
    int rc = tby_store_token_revoke(store, id, request->principal.user, &err);
    tby_server__db_unlock(server->opts.db);
    if (rc) {
        tby_server__store_error(out, rc, &err);
        return;
    }
    changed(server);
    tby_server__json(out, 200, json_pack("{s:I}", "revoked", (json_int_t)id));
}
