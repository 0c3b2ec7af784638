/* SPDX-License-Identifier: Apache-2.0 */
/*
 * People and access, kept in the store: users, the roles each holds at some sites or at all,
 * API tokens and browser sessions. The server (`tabayyun serve --db`) authenticates with them
 * and the command line (`tabayyun user`, `tabayyun token`) manages them.
 *
 *   tby_store_user_add()        a user with roles, and a password (argon2id) or none
 *   tby_store_token_create()    a random token, shown once; only its BLAKE2b hash is kept
 *   tby_store_token_verify()    token -> who, in which role, for which sites
 *   tby_store_password_check()  a login; then tby_store_session_create() for the browser
 *
 * A token or a session acts in one role of its user, with the sites of that role's grants.
 * Every change (a user added, disabled, granted a role, a password set, a token made or
 * revoked, a login, a logout) is written to the audit log in the transaction that makes it,
 * like the other changes of the store: inside a transaction of tby_store_begin it joins it,
 * otherwise it is a transaction of its own.
 *
 * Secrets: tokens and session ids are 32 random bytes (libsodium's randombytes_buf) written
 * in base64url; the store keeps BLAKE2b-256 of the text and never the text. Passwords are
 * hashed with crypto_pwhash_str (argon2id, libsodium's interactive limits: about 0.1 s and
 * 64 MiB each), which is why hashing and checking are separate calls that need no
 * transaction: a server hashes outside its write lock.
 *
 * Thread-safety: as the store, one tby_store per thread; the password functions that take no
 * store are thread-safe.
 */
#ifndef TBY_STORE_ACCESS_H
#define TBY_STORE_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tby_common.h"
#include "tby_store.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of a user, role or site name, NUL included (names are 1..63 bytes of UTF-8). */
#define TBY_STORE_NAME_LEN 64
/** Sites one user's grants of one role may name (beyond: grant the role at every site). */
#define TBY_STORE_MAX_SITES 16
/** Bytes of a token or a session id as text, NUL included. */
#define TBY_STORE_SECRET_LEN 64
/** Bytes a password hash takes (libsodium's crypto_pwhash_STRBYTES), NUL included. */
#define TBY_STORE_PASSWORD_HASH_LEN 128
/** Bytes of a generated password, NUL included. */
#define TBY_STORE_PASSWORD_GENERATED_LEN 32
/** Shortest and longest password accepted, in bytes. */
#define TBY_STORE_PASSWORD_MIN 10
#define TBY_STORE_PASSWORD_MAX 1024

/** The roles, as the store names them (the roles table of the schema). */
#define TBY_STORE_ROLE_NAMES "registrar, analyst, supervisor, auditor, admin"

/** True when `role` is one of TBY_STORE_ROLE_NAMES. */
TBY_API bool tby_store_role_valid(const char *role);

/** One role of a user at one site, or at every site when `site` is NULL. */
typedef struct tby_store_grant {
    const char *role; /* one of TBY_STORE_ROLE_NAMES */
    const char *site; /* a site name; NULL: every site */
} tby_store_grant;

/* ===== Users ===== */

/** A user to add. */
typedef struct tby_store_user_spec {
    const char *name;              /* 1..63 bytes: letters, digits, ".", "_", "-", "@" */
    const char *display_name;      /* NULL: none */
    const tby_store_grant *grants; /* at least one */
    size_t grant_count;
    const char *password;      /* hashed here (slow); NULL: see password_hash */
    const char *password_hash; /* from tby_store_password_hash; both NULL: the user has no
                                  password and works with tokens only */
    bool must_change_password; /* a one-time password: the first login may only change it */
} tby_store_user_spec;

/**
 * Adds a user with their grants.
 * @param actor who adds (written in the audit entry "user.add").
 * @param id_out optional; the user's id.
 * @return 0; TBY_EEXISTS (the name is taken); TBY_EINVALID (a bad name, role, site or
 *         password, no grant, a role granted at more than TBY_STORE_MAX_SITES sites; err
 *         names the field); TBY_EIO.
 */
TBY_API int tby_store_user_add(tby_store *store, const tby_store_user_spec *spec, const char *actor,
                               int64_t *id_out, tby_error *err);

/**
 * Grants a user one more role at a site (NULL: every site). Audit entry "user.grant".
 * @return 0, TBY_ENOTFOUND (no such user), TBY_EEXISTS (granted already), TBY_EINVALID, TBY_EIO.
 */
TBY_API int tby_store_user_grant(tby_store *store, const char *user, const tby_store_grant *grant,
                                 const char *actor, tby_error *err);

/**
 * Disables a user: their tokens and sessions are revoked and no credential of theirs works
 * any more. Audit entry "user.disable". 0, TBY_ENOTFOUND, TBY_EINVALID (disabled already),
 * TBY_EIO.
 */
TBY_API int tby_store_user_disable(tby_store *store, const char *user, const char *actor,
                                   tby_error *err);

/**
 * Sets a user's password, from the text (hashed here) or a hash of tby_store_password_hash
 * (exactly one of the two). `must_change` makes it a one-time password. Audit entry
 * "user.password". 0, TBY_ENOTFOUND, TBY_EINVALID, TBY_EIO.
 */
TBY_API int tby_store_user_set_password(tby_store *store, const char *user, const char *password,
                                        const char *password_hash, bool must_change,
                                        const char *actor, tby_error *err);

/** A user as tby_store_user_foreach gives them; borrowed for the duration of the callback. */
typedef struct tby_store_user_info {
    int64_t id;
    const char *name;
    const char *display_name; /* NULL: none */
    const char *created_at;   /* UTC ISO 8601 */
    const char *disabled_at;  /* NULL: active */
    bool has_password;
    bool must_change_password;
    const tby_store_grant *grants; /* by role, then site (NULL, every site, first) */
    size_t grant_count;
} tby_store_user_info;

typedef int (*tby_store_user_cb)(const tby_store_user_info *user, void *payload);

/**
 * Calls `cb` with each user (or only `name`) in order of name.
 * @return 0, TBY_ENOTFOUND (a named user that does not exist), TBY_ENOMEM, TBY_EIO, or cb's
 *         value.
 */
TBY_API int tby_store_user_foreach(tby_store *store, const char *name, tby_store_user_cb cb,
                                   void *payload, tby_error *err);

/* ===== Passwords ===== */

/**
 * Hashes a password with argon2id (crypto_pwhash_str). Needs no store; about 0.1 s.
 * @return 0, TBY_EINVALID (shorter than TBY_STORE_PASSWORD_MIN or longer than
 *         TBY_STORE_PASSWORD_MAX bytes, or not UTF-8), TBY_ENOMEM.
 */
TBY_API int tby_store_password_hash(char out[TBY_STORE_PASSWORD_HASH_LEN], const char *password,
                                    tby_error *err);

/** Writes a new random password (24 characters of base64url) into out. */
TBY_API void tby_store_password_generate(char out[TBY_STORE_PASSWORD_GENERATED_LEN]);

/**
 * Checks a user's password. Reads the store in a short read transaction and checks outside
 * it (about 0.1 s). An unknown user costs the same time as a wrong password.
 * @param user_id_out, must_change_out optional.
 * @return 0 when the password is right; TBY_ENOTFOUND when the user does not exist, is
 *         disabled, has no password or the password is wrong (one answer for all, so that a
 *         caller learns nothing about which); TBY_EIO.
 */
TBY_API int tby_store_password_check(tby_store *store, const char *user, const char *password,
                                     int64_t *user_id_out, bool *must_change_out, tby_error *err);

/* ===== Tokens and sessions ===== */

/** Who a credential belongs to, and what it may do. A plain value. */
typedef struct tby_store_principal {
    int64_t user_id;
    char user[TBY_STORE_NAME_LEN];                       /* the user's name */
    char role[TBY_STORE_NAME_LEN];                       /* the role the credential acts in */
    bool all_sites;                                      /* the role is granted at every site */
    size_t site_count;                                   /* else: the sites it is granted at ... */
    char sites[TBY_STORE_MAX_SITES][TBY_STORE_NAME_LEN]; /* ... by name */
    bool must_change_password; /* sessions: the user logged in with a one-time password */
    int64_t credential_id;     /* the token's or session's id */
    int64_t expires_at_ms;     /* when the credential expires (ms since the epoch); 0: never */
} tby_store_principal;

/**
 * Makes an API token for a user, acting in `role` (NULL: the user's only role; a user with
 * several must say which). The token is written to token_out and shown nowhere else: only its
 * hash is stored. Audit entry "token.create".
 * @param label what it is for, may be NULL. @param lifetime_seconds 0: it never expires.
 * @param id_out optional; the token's id (for listing and revoking).
 * @return 0, TBY_ENOTFOUND (no such user, or disabled), TBY_EINVALID (a role the user does not
 *         hold, or several roles and none named), TBY_EIO.
 */
TBY_API int tby_store_token_create(tby_store *store, const char *user, const char *role,
                                   const char *label, int64_t lifetime_seconds, const char *actor,
                                   char token_out[TBY_STORE_SECRET_LEN], int64_t *id_out,
                                   tby_error *err);

/** Revokes a token. Audit entry "token.revoke". 0, TBY_ENOTFOUND (none, or revoked), TBY_EIO. */
TBY_API int tby_store_token_revoke(tby_store *store, int64_t token_id, const char *actor,
                                   tby_error *err);

/** A token as listed; never its text. Borrowed for the duration of the callback. */
typedef struct tby_store_token_info {
    int64_t id;
    const char *user;
    const char *role;
    const char *label;      /* NULL: none */
    const char *created_at; /* UTC ISO 8601 */
    const char *expires_at; /* NULL: never */
    const char *revoked_at; /* NULL: not revoked */
} tby_store_token_info;

typedef int (*tby_store_token_cb)(const tby_store_token_info *token, void *payload);

/** Calls `cb` with the tokens of `user` (NULL: everyone's) by id. 0, TBY_EIO or cb's value. */
TBY_API int tby_store_token_foreach(tby_store *store, const char *user, tby_store_token_cb cb,
                                    void *payload, tby_error *err);

/**
 * Finds who a token belongs to. Read only.
 * @return 0 with *out filled; TBY_ENOTFOUND when the token is unknown, revoked or expired,
 *         its user is disabled or no longer holds its role; TBY_EIO.
 */
TBY_API int tby_store_token_verify(tby_store *store, const char *token, size_t len,
                                   tby_store_principal *out, tby_error *err);

/**
 * Starts a browser session for a user (after tby_store_password_check), acting in `role`
 * (NULL as in tby_store_token_create), for `lifetime_seconds` (> 0). Audit entry
 * "user.login" with the actor. The session id goes to id_out and *principal_out (optional).
 * @return as tby_store_token_create.
 */
TBY_API int tby_store_session_create(tby_store *store, const char *user, const char *role,
                                     int64_t lifetime_seconds, const char *actor,
                                     char id_out[TBY_STORE_SECRET_LEN],
                                     tby_store_principal *principal_out, tby_error *err);

/** As tby_store_token_verify, for a session id. */
TBY_API int tby_store_session_verify(tby_store *store, const char *id, size_t len,
                                     tby_store_principal *out, tby_error *err);

/** Ends a session. Audit entry "user.logout". 0, TBY_ENOTFOUND (unknown or ended), TBY_EIO. */
TBY_API int tby_store_session_revoke(tby_store *store, const char *id, size_t len,
                                     const char *actor, tby_error *err);

/**
 * Deletes the sessions that have expired or were ended (a logout, a disabled user): they can
 * never be used again, and the audit keeps their logins and logouts. One transaction, with an
 * audit entry "session.purge" (the count) when there were any.
 * @param count_out receives how many were deleted (may be NULL).
 * @return 0, TBY_EINVALID (no actor), TBY_EIO.
 */
TBY_API int tby_store_sessions_purge(tby_store *store, const char *actor, size_t *count_out,
                                     tby_error *err);

/* ===== Registry facts for access decisions ===== */

/**
 * The site of a stored registry record, so that a server can refuse to let a user of one site
 * replace a record of another.
 * @param site_out receives the site ("" when the record has none).
 * @param found_out false when no record has this id.
 * @return 0, TBY_EIO.
 */
TBY_API int tby_store_registry_site(tby_store *store, const char *record_id,
                                    char site_out[TBY_STORE_NAME_LEN], bool *found_out,
                                    tby_error *err);

/** Receives one site's record count; site is NULL for records without a site. */
typedef int (*tby_store_site_count_cb)(const char *site, int64_t records, void *payload);

/** Counts the registry's records by site, in order of site name. 0, TBY_EIO or cb's value. */
TBY_API int tby_store_registry_count_by_site(tby_store *store, tby_store_site_count_cb cb,
                                             void *payload, tby_error *err);

#ifdef __cplusplus
}
#endif
#endif
