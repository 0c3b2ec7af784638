// SPDX-License-Identifier: Apache-2.0
// The SQLite statements of the store's people-and-access part (access_int.h): users, grants,
// tokens, sessions, and two registry queries the server decides access with. A second file
// of the SQLite backend, beside sqlite.c, on the same connection.
//
// These statements run far less often than an import's (a cache in the server answers most
// credential checks), so they are prepared for each call rather than kept.
#include <sqlite3.h>
#include <string.h>

#include "store/access_int.h"

/* ===== Helpers ===== */

static int db_fail(sqlite3 *db, int sqlite_rc, const char *what, tby_error *err)
{
    int code = TBY_EIO;
    if ((sqlite_rc & 0xFF) == SQLITE_NOMEM)
        code = TBY_ENOMEM;
    else if (sqlite_rc == SQLITE_CONSTRAINT_UNIQUE || sqlite_rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        code = TBY_EEXISTS;
    if ((sqlite_rc & 0xFF) == SQLITE_BUSY || (sqlite_rc & 0xFF) == SQLITE_LOCKED)
        return tby__error(err, code, -1, "%s: the database is busy (another process is writing)",
                          what);
    return tby__error(err, code, -1, "%s: %s", what, sqlite3_errmsg(db));
}

/* Prepares `sql` on the connection; *db_out receives the handle. */
static int prepare(tby_store__conn *conn, const char *sql, sqlite3 **db_out, sqlite3_stmt **out,
                   tby_error *err)
{
    sqlite3 *db = tby_store__sqlite_handle(conn);
    *db_out = db;
    int rc = sqlite3_prepare_v2(db, sql, -1, out, NULL);
    return rc == SQLITE_OK ? TBY_OK : db_fail(db, rc, "prepare", err);
}

static void bind_text(sqlite3_stmt *stmt, int index, const char *s)
{
    if (s)
        sqlite3_bind_text(stmt, index, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, index);
}

/* A text column, NULL when the value is NULL. */
static const char *column_text_or_null(sqlite3_stmt *stmt, int column)
{
    return (const char *)sqlite3_column_text(stmt, column);
}

/* Runs a statement that returns no rows, finalizes it; *changes_out (optional) receives the
   rows it changed. */
static int run(sqlite3 *db, sqlite3_stmt *stmt, const char *what, int *changes_out, tby_error *err)
{
    int rc = sqlite3_step(stmt);
    int result = rc == SQLITE_DONE ? TBY_OK : db_fail(db, rc, what, err);
    if (changes_out)
        *changes_out = sqlite3_changes(db);
    sqlite3_finalize(stmt);
    return result;
}

static const char *table_of(tby_store__credential_kind kind)
{
    return kind == TBY_STORE__TOKEN ? "api_tokens" : "sessions";
}

/* ===== Users ===== */

static int access_user_insert(tby_store__conn *conn, const tby_store__user_row *user,
                              int64_t *id_out, tby_error *err)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int rc = prepare(conn,
                     "INSERT INTO users (name, display_name, password_hash, created_at, "
                     "must_change_password) VALUES (?1, ?2, ?3, ?4, ?5)",
                     &db, &stmt, err);
    if (rc)
        return rc;
    bind_text(stmt, 1, user->name);
    bind_text(stmt, 2, user->display_name);
    bind_text(stmt, 3, user->password_hash);
    bind_text(stmt, 4, user->created_at);
    sqlite3_bind_int(stmt, 5, user->must_change_password);
    if ((rc = run(db, stmt, "users", NULL, err)))
        return rc;
    *id_out = sqlite3_last_insert_rowid(db);
    return TBY_OK;
}

static void read_user(sqlite3_stmt *stmt, int first, tby_store__user_row *out)
{
    out->id = sqlite3_column_int64(stmt, first);
    out->name = column_text_or_null(stmt, first + 1);
    out->display_name = column_text_or_null(stmt, first + 2);
    out->password_hash = column_text_or_null(stmt, first + 3);
    out->created_at = column_text_or_null(stmt, first + 4);
    out->disabled_at = column_text_or_null(stmt, first + 5);
    out->must_change_password = sqlite3_column_int(stmt, first + 6) != 0;
}

#define USER_COLUMNS                                                                               \
    "u.id, u.name, u.display_name, u.password_hash, u.created_at, u.disabled_at, "                 \
    "u.must_change_password"

static int access_user_find(tby_store__conn *conn, const char *name,
                            int (*cb)(const tby_store__user_row *user, void *payload),
                            void *payload, tby_error *err)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int rc =
        prepare(conn, "SELECT " USER_COLUMNS " FROM users u WHERE u.name = ?1", &db, &stmt, err);
    if (rc)
        return rc;
    bind_text(stmt, 1, name);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        tby_store__user_row user;
        read_user(stmt, 0, &user);
        rc = cb(&user, payload);
    } else if (step == SQLITE_DONE) {
        rc = tby__error(err, TBY_ENOTFOUND, -1, "no user named \"%.63s\"", name);
    } else {
        rc = db_fail(db, step, "users", err);
    }
    sqlite3_finalize(stmt);
    return rc;
}

static int access_user_set_password(tby_store__conn *conn, int64_t user_id,
                                    const char *password_hash, bool must_change, tby_error *err)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int rc = prepare(conn,
                     "UPDATE users SET password_hash = ?2, must_change_password = ?3 WHERE id = ?1",
                     &db, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, user_id);
    bind_text(stmt, 2, password_hash);
    sqlite3_bind_int(stmt, 3, must_change);
    return run(db, stmt, "users", NULL, err);
}

static int access_user_disable(tby_store__conn *conn, int64_t user_id, const char *at,
                               tby_error *err)
{
    static const char *const sql[] = {
        "UPDATE users SET disabled_at = ?2 WHERE id = ?1",
        "UPDATE api_tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
        "UPDATE sessions SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
    };
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
        sqlite3 *db;
        sqlite3_stmt *stmt;
        int rc = prepare(conn, sql[i], &db, &stmt, err);
        if (rc)
            return rc;
        sqlite3_bind_int64(stmt, 1, user_id);
        bind_text(stmt, 2, at);
        if ((rc = run(db, stmt, "users", NULL, err)))
            return rc;
    }
    return TBY_OK;
}

static int access_users_scan(tby_store__conn *conn, const char *name, tby_store__user_cb cb,
                             void *payload, tby_error *err)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int rc = prepare(conn,
                     "SELECT " USER_COLUMNS ", r.role, s.name FROM users u "
                     "LEFT JOIN user_roles r ON r.user_id = u.id "
                     "LEFT JOIN sites s ON s.id = r.site_id "
                     "WHERE ?1 IS NULL OR u.name = ?1 "
                     "ORDER BY u.name, r.role, s.name IS NOT NULL, s.name",
                     &db, &stmt, err);
    if (rc)
        return rc;
    bind_text(stmt, 1, name);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        tby_store__user_row user;
        read_user(stmt, 0, &user);
        if ((rc = cb(&user, column_text_or_null(stmt, 7), column_text_or_null(stmt, 8), payload)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_fail(db, step, "users", err);
    sqlite3_finalize(stmt);
    return rc;
}

/* The id of a site that exists. */
static int site_id(tby_store__conn *conn, const char *site, int64_t *out, tby_error *err)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int rc = prepare(conn, "SELECT id FROM sites WHERE name = ?1", &db, &stmt, err);
    if (rc)
        return rc;
    bind_text(stmt, 1, site);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    else
        rc = db_fail(db, step, "sites", err);
    sqlite3_finalize(stmt);
    return rc;
}

static int access_grant_insert(tby_store__conn *conn, int64_t user_id, const char *role,
                               const char *site, const char *at, const char *by, tby_error *err)
{
    int64_t site_row = 0;
    int rc = TBY_OK;
    if (site) {
        /* A site is made on its first grant, as on its first registry record. */
        sqlite3 *db;
        sqlite3_stmt *stmt;
        if ((rc = prepare(conn,
                          "INSERT INTO sites (name, created_at) VALUES (?1, ?2) "
                          "ON CONFLICT (name) DO NOTHING",
                          &db, &stmt, err)))
            return rc;
        bind_text(stmt, 1, site);
        bind_text(stmt, 2, at);
        if ((rc = run(db, stmt, "sites", NULL, err)) || (rc = site_id(conn, site, &site_row, err)))
            return rc;
    }
    sqlite3 *db;
    sqlite3_stmt *stmt;
    if ((rc = prepare(conn,
                      "INSERT INTO user_roles (user_id, role, site_id, granted_at, granted_by) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
                      &db, &stmt, err)))
        return rc;
    sqlite3_bind_int64(stmt, 1, user_id);
    bind_text(stmt, 2, role);
    if (site)
        sqlite3_bind_int64(stmt, 3, site_row);
    else
        sqlite3_bind_null(stmt, 3);
    bind_text(stmt, 4, at);
    bind_text(stmt, 5, by);
    rc = run(db, stmt, "user roles", NULL, err);
    if (rc == TBY_EEXISTS)
        return tby__error(err, rc, -1, "the user holds role %s at %s%.63s already", role,
                          site ? "site " : "every site", site ? site : "");
    return rc;
}

static int access_grants_scan(tby_store__conn *conn, int64_t user_id, const char *role,
                              int (*cb)(const char *site, void *payload), void *payload,
                              tby_error *err)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int rc = prepare(conn,
                     "SELECT s.name FROM user_roles r LEFT JOIN sites s ON s.id = r.site_id "
                     "WHERE r.user_id = ?1 AND r.role = ?2 ORDER BY s.name IS NOT NULL, s.name",
                     &db, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, user_id);
    bind_text(stmt, 2, role);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if ((rc = cb(column_text_or_null(stmt, 0), payload)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_fail(db, step, "user roles", err);
    sqlite3_finalize(stmt);
    return rc;
}

/* ===== Credentials ===== */

static int access_credential_insert(tby_store__conn *conn, tby_store__credential_kind kind,
                                    const tby_store__credential_row *row, const uint8_t *hash,
                                    int64_t *id_out, tby_error *err)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int rc = prepare(conn,
                     kind == TBY_STORE__TOKEN
                         ? "INSERT INTO api_tokens (user_id, token_hash, role, label, created_at, "
                           "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                         : "INSERT INTO sessions (user_id, session_hash, role, created_at, "
                           "expires_at) VALUES (?1, ?2, ?3, ?5, ?6)",
                     &db, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, row->user_id);
    sqlite3_bind_blob(stmt, 2, hash, TBY_STORE_HASH_LEN, SQLITE_STATIC);
    bind_text(stmt, 3, row->role);
    if (kind == TBY_STORE__TOKEN)
        bind_text(stmt, 4, row->label);
    bind_text(stmt, 5, row->created_at);
    bind_text(stmt, 6, row->expires_at);
    if ((rc = run(db, stmt, table_of(kind), NULL, err)))
        return rc;
    *id_out = sqlite3_last_insert_rowid(db);
    return TBY_OK;
}

static void read_credential(sqlite3_stmt *stmt, tby_store__credential_row *out)
{
    out->id = sqlite3_column_int64(stmt, 0);
    out->user_id = sqlite3_column_int64(stmt, 1);
    out->user = column_text_or_null(stmt, 2);
    out->role = column_text_or_null(stmt, 3);
    out->label = column_text_or_null(stmt, 4);
    out->created_at = column_text_or_null(stmt, 5);
    out->expires_at = column_text_or_null(stmt, 6);
    out->revoked_at = column_text_or_null(stmt, 7);
}

static int access_credential_find(tby_store__conn *conn, tby_store__credential_kind kind,
                                  const uint8_t *hash, tby_store__credential_cb cb, void *payload,
                                  tby_error *err)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int rc = prepare(conn,
                     kind == TBY_STORE__TOKEN
                         ? "SELECT t.id, t.user_id, u.name, t.role, t.label, t.created_at, "
                           "t.expires_at, t.revoked_at FROM api_tokens t "
                           "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1"
                         : "SELECT t.id, t.user_id, u.name, t.role, NULL, t.created_at, "
                           "t.expires_at, t.revoked_at FROM sessions t "
                           "JOIN users u ON u.id = t.user_id WHERE t.session_hash = ?1",
                     &db, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_blob(stmt, 1, hash, TBY_STORE_HASH_LEN, SQLITE_STATIC);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        tby_store__credential_row row;
        read_credential(stmt, &row);
        rc = cb(&row, payload);
    } else if (step == SQLITE_DONE) {
        rc = tby__error(err, TBY_ENOTFOUND, -1, "no such %s",
                        kind == TBY_STORE__TOKEN ? "token" : "session");
    } else {
        rc = db_fail(db, step, table_of(kind), err);
    }
    sqlite3_finalize(stmt);
    return rc;
}

static int access_credential_revoke(tby_store__conn *conn, tby_store__credential_kind kind,
                                    int64_t id, const char *at, tby_error *err)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int rc = prepare(conn,
                     kind == TBY_STORE__TOKEN
                         ? "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at "
                           "IS NULL"
                         : "UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS "
                           "NULL",
                     &db, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    bind_text(stmt, 2, at);
    int changes = 0;
    if ((rc = run(db, stmt, table_of(kind), &changes, err)))
        return rc;
    if (!changes)
        return tby__error(err, TBY_ENOTFOUND, -1, "no %s %lld that is not revoked",
                          kind == TBY_STORE__TOKEN ? "token" : "session", (long long)id);
    return TBY_OK;
}

static int access_sessions_purge(tby_store__conn *conn, const char *at, size_t *count_out,
                                 tby_error *err)
{
    *count_out = 0;
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int rc = prepare(conn,
                     "DELETE FROM sessions WHERE expires_at <= ?1 "
                     "OR (revoked_at IS NOT NULL AND revoked_at <= ?1)",
                     &db, &stmt, err);
    if (rc)
        return rc;
    bind_text(stmt, 1, at);
    int changes = 0;
    if ((rc = run(db, stmt, "sessions", &changes, err)))
        return rc;
    *count_out = (size_t)changes;
    return TBY_OK;
}

static int access_tokens_scan(tby_store__conn *conn, const char *user, tby_store__credential_cb cb,
                              void *payload, tby_error *err)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int rc = prepare(conn,
                     "SELECT t.id, t.user_id, u.name, t.role, t.label, t.created_at, "
                     "t.expires_at, t.revoked_at FROM api_tokens t "
                     "JOIN users u ON u.id = t.user_id WHERE ?1 IS NULL OR u.name = ?1 "
                     "ORDER BY t.id",
                     &db, &stmt, err);
    if (rc)
        return rc;
    bind_text(stmt, 1, user);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        tby_store__credential_row row;
        read_credential(stmt, &row);
        if ((rc = cb(&row, payload)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_fail(db, step, "api tokens", err);
    sqlite3_finalize(stmt);
    return rc;
}

/* ===== Registry ===== */

static int access_registry_site(tby_store__conn *conn, const char *record_id, bool *found,
                                char *site, size_t site_size, tby_error *err)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int rc = prepare(conn,
                     "SELECT s.name FROM registry r LEFT JOIN sites s ON s.id = r.site_id "
                     "WHERE r.record_id = ?1",
                     &db, &stmt, err);
    if (rc)
        return rc;
    bind_text(stmt, 1, record_id);
    int step = sqlite3_step(stmt);
    *found = step == SQLITE_ROW;
    site[0] = '\0';
    if (step == SQLITE_ROW) {
        const char *name = column_text_or_null(stmt, 0);
        size_t len = name ? strlen(name) : 0;
        if (len >= site_size)
            rc = tby__error(err, TBY_ETOOLARGE, -1,
                            "record %.63s: its site is longer than %zu "
                            "bytes",
                            record_id, site_size - 1);
        else if (name)
            memcpy(site, name, len + 1);
    } else if (step != SQLITE_DONE) {
        rc = db_fail(db, step, "registry", err);
    }
    sqlite3_finalize(stmt);
    return rc;
}

static int access_registry_counts(tby_store__conn *conn, tby_store__site_count_cb cb, void *payload,
                                  tby_error *err)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int rc = prepare(conn,
                     "SELECT s.name, count(*) FROM registry r "
                     "LEFT JOIN sites s ON s.id = r.site_id "
                     "GROUP BY r.site_id ORDER BY s.name IS NOT NULL, s.name",
                     &db, &stmt, err);
    if (rc)
        return rc;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if ((rc = cb(column_text_or_null(stmt, 0), sqlite3_column_int64(stmt, 1), payload)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_fail(db, step, "registry", err);
    sqlite3_finalize(stmt);
    return rc;
}

const tby_store__access_backend tby_store__sqlite_access = {
    access_user_insert,       access_user_find,         access_user_set_password,
    access_user_disable,      access_users_scan,        access_grant_insert,
    access_grants_scan,       access_credential_insert, access_credential_find,
    access_credential_revoke, access_tokens_scan,       access_registry_site,
    access_registry_counts,   access_sessions_purge,
};
