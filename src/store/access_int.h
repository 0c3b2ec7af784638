/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interface of the store's people-and-access part (access.c over the backend's
 * sqlite_access.c): users, role grants, API tokens, browser sessions, and the registry facts
 * the server decides access with. Kept apart from tby_store__backend so that the access
 * tables can grow without touching the import and list operations; a second backend
 * implements both tables of operations.
 */
#ifndef TBY_STORE_ACCESS_INT_H
#define TBY_STORE_ACCESS_INT_H

#include "store/store_int.h"
#include "tabayyun/tby_store_access.h"

struct sqlite3;

/* The SQLite handle of a connection of the SQLite backend (sqlite.c). */
struct sqlite3 *tby_store__sqlite_handle(tby_store__conn *conn);

/* A user as stored. Strings borrowed for the duration of a callback; NULL when not set. */
typedef struct tby_store__user_row {
    int64_t id;
    const char *name;
    const char *display_name;
    const char *password_hash; /* crypto_pwhash_str output */
    const char *created_at;
    const char *disabled_at;
    bool must_change_password;
} tby_store__user_row;

/* A user and one of their grants (role NULL: the user has none). */
typedef int (*tby_store__user_cb)(const tby_store__user_row *user, const char *role,
                                  const char *site, void *payload);

/* The two kinds of credential, kept in two tables of the same shape. */
typedef enum tby_store__credential_kind {
    TBY_STORE__TOKEN = 1, /* api_tokens */
    TBY_STORE__SESSION    /* sessions */
} tby_store__credential_kind;

/* A token or session as stored. Strings borrowed for the duration of a callback. */
typedef struct tby_store__credential_row {
    int64_t id;
    int64_t user_id;
    const char *user;       /* the user's name */
    const char *role;       /* the role it acts in */
    const char *label;      /* tokens: what it is for; NULL when none */
    const char *created_at; /* UTC ISO 8601, like every time below */
    const char *expires_at; /* NULL: never */
    const char *revoked_at; /* NULL: not revoked */
} tby_store__credential_row;

typedef int (*tby_store__credential_cb)(const tby_store__credential_row *row, void *payload);

typedef int (*tby_store__site_count_cb)(const char *site, int64_t records, void *payload);

/*
 * The operations. Return 0 or a negative code with err filled; writes run inside a write
 * transaction, reads inside one of either kind, as in tby_store__backend.
 */
typedef struct tby_store__access_backend {
    /* TBY_EEXISTS when the name is taken. */
    int (*user_insert)(tby_store__conn *conn, const tby_store__user_row *user, int64_t *id_out,
                       tby_error *err);
    /* Calls cb once with the user; TBY_ENOTFOUND when there is none of that name. */
    int (*user_find)(tby_store__conn *conn, const char *name,
                     int (*cb)(const tby_store__user_row *user, void *payload), void *payload,
                     tby_error *err);
    int (*user_set_password)(tby_store__conn *conn, int64_t user_id, const char *password_hash,
                             bool must_change, tby_error *err);
    /* Sets disabled_at and revokes every token and session of the user. */
    int (*user_disable)(tby_store__conn *conn, int64_t user_id, const char *at, tby_error *err);
    /* Every user (or the one named) with each grant, by user name, role and site. */
    int (*users_scan)(tby_store__conn *conn, const char *name, tby_store__user_cb cb, void *payload,
                      tby_error *err);
    /* Grants a role at a site (NULL: every site), creating the site when new; TBY_EEXISTS
       when the user has that grant already. */
    int (*grant_insert)(tby_store__conn *conn, int64_t user_id, const char *role, const char *site,
                        const char *at, const char *by, tby_error *err);
    /* The sites of a user's grants of a role (cb's site NULL: every site), by site name. */
    int (*grants_scan)(tby_store__conn *conn, int64_t user_id, const char *role,
                       int (*cb)(const char *site, void *payload), void *payload, tby_error *err);
    int (*credential_insert)(tby_store__conn *conn, tby_store__credential_kind kind,
                             const tby_store__credential_row *row, const uint8_t *hash,
                             int64_t *id_out, tby_error *err);
    /* Calls cb with the credential whose hash this is; TBY_ENOTFOUND when there is none. */
    int (*credential_find)(tby_store__conn *conn, tby_store__credential_kind kind,
                           const uint8_t *hash, tby_store__credential_cb cb, void *payload,
                           tby_error *err);
    /* Revokes one that is not revoked yet; TBY_ENOTFOUND when there is no such one. */
    int (*credential_revoke)(tby_store__conn *conn, tby_store__credential_kind kind, int64_t id,
                             const char *at, tby_error *err);
    /* Tokens of a user (NULL: of everyone), by id. */
    int (*tokens_scan)(tby_store__conn *conn, const char *user, tby_store__credential_cb cb,
                       void *payload, tby_error *err);
    /* The site of a stored registry record: *found false when the id is not stored, site
       "" when it has none. */
    int (*registry_site)(tby_store__conn *conn, const char *record_id, bool *found, char *site,
                         size_t site_size, tby_error *err);
    /* Registry records by site (site NULL: records without one), by site name. */
    int (*registry_counts)(tby_store__conn *conn, tby_store__site_count_cb cb, void *payload,
                           tby_error *err);
    /* Deletes the sessions that expired or were revoked at or before `at`. */
    int (*sessions_purge)(tby_store__conn *conn, const char *at, size_t *count_out, tby_error *err);
} tby_store__access_backend;

extern const tby_store__access_backend tby_store__sqlite_access;

#endif
