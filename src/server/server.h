/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP JSON server (`tabayyun serve`): what its users see. The CLI starts it, the tests
 * and the fuzz target drive it without sockets, and the store plugs its users, tokens,
 * sessions and audit log in through tby_server_auth.
 *
 *   tby_server_new()      options + a fitted screener + an auth provider -> a server
 *   tby_server_start()    binds and serves on libmicrohttpd's thread pool
 *   tby_server_handle()   one request in memory, exactly as the HTTP path runs it (tests, fuzz)
 *   tby_server_free()     stops and frees
 *
 * Not a public API (no tby_ header): the server is a shell over the library like the CLI, and
 * this interface will change as the store arrives.
 */
#ifndef TBY_SERVER_H
#define TBY_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tabayyun/tabayyun.h"
#include "tabayyun/tby_store_access.h"

/* ===== Roles and principals ===== */

/*
 * The roles of the server issue. Each route declares the set of roles that may call it as a
 * bit mask of these, so the role x route matrix is read from the route table.
 */
typedef enum tby_server_role {
    TBY_ROLE_NONE = 0,
    TBY_ROLE_REGISTRAR = 1u << 0,  /* submits records for their sites; sees only whether a
                                      record needs an identifier check, never list details */
    TBY_ROLE_ANALYST = 1u << 1,    /* reviews alerts, clears, escalates (own sites) */
    TBY_ROLE_SUPERVISOR = 1u << 2, /* confirms as second reviewer, manages clearances */
    TBY_ROLE_AUDITOR = 1u << 3,    /* reads the audit and statistics, no personal data */
    TBY_ROLE_ADMIN = 1u << 4       /* users, sites, lists */
} tby_server_role;

#define TBY_ROLE_ALL                                                                               \
    (TBY_ROLE_REGISTRAR | TBY_ROLE_ANALYST | TBY_ROLE_SUPERVISOR | TBY_ROLE_AUDITOR |              \
     TBY_ROLE_ADMIN)

/* Every role, in bit order, for loops over the role x route matrix. */
#define TBY_ROLE_COUNT 5

/* "registrar", "analyst" ...; "none" for TBY_ROLE_NONE or anything that is not one role. */
const char *tby_server_role_name(tby_server_role role);

/* The role called `name` (case-sensitive), or TBY_ROLE_NONE. */
tby_server_role tby_server_role_lookup(const char *name, size_t len);

#define TBY_SERVER_USER_LEN  64 /* bytes of a user name, NUL included */
#define TBY_SERVER_SITE_LEN  64 /* bytes of a site id, NUL included */
#define TBY_SERVER_MAX_SITES 16 /* sites one principal may be scoped to */

/*
 * Who is calling, as the auth provider established it. Plain value type with fixed-size
 * fields so that a provider fills it without allocating and the server keeps it on the stack.
 */
typedef struct tby_server_principal {
    char user[TBY_SERVER_USER_LEN]; /* user name, as the audit log records it */
    tby_server_role role;           /* exactly one role */
    bool all_sites;                 /* not scoped: every site (admins, auditors) */
    size_t site_count;              /* entries of sites in use, when !all_sites */
    char sites[TBY_SERVER_MAX_SITES][TBY_SERVER_SITE_LEN]; /* site ids the user works for */
    bool must_change_password; /* logged in with a one-time password: may only change it */
} tby_server_principal;

/* True when the principal may act for `site` (all_sites, or the site is in its list). A NULL
 * site (a request that names none) is allowed. */
bool tby_server_principal_has_site(const tby_server_principal *who, const char *site);

/* How the client presented itself. */
typedef enum tby_server_credential_kind {
    TBY_CREDENTIAL_BEARER = 1, /* Authorization: Bearer <token> (API clients) */
    TBY_CREDENTIAL_SESSION     /* Cookie: tby_session=<id> (the browser) */
} tby_server_credential_kind;

typedef struct tby_server_credential {
    tby_server_credential_kind kind;
    const char *value; /* the token or session id, not NUL-terminated; borrowed */
    size_t len;        /* bytes at value */
} tby_server_credential;

/* One access to personal data, for the audit log (who, what, when, the stated purpose). */
typedef struct tby_server_audit_event {
    const tby_server_principal *who; /* never NULL */
    const char *action;              /* the route's operation id, "screen" */
    const char *method;              /* "POST" */
    const char *path;                /* the request path as sent, "/v1/screen" */
    const char *subject;             /* what was accessed, e.g. the screened record's id;
                                        may be NULL when the request never got that far */
    const char *site;                /* the site the request was for, or NULL */
    const char *purpose;             /* the purpose the caller stated; never NULL */
    int64_t time_ms;                 /* when, milliseconds since the Unix epoch (UTC) */
    int status;                      /* the HTTP status about to be sent */
    const char *outcome;             /* short result, e.g. "2 alerts"; may be NULL */
} tby_server_audit_event;

/* A login (POST /v1/login), for tby_server_auth.login. Strings borrowed. */
typedef struct tby_server_login {
    const char *user;     /* the user name */
    const char *password; /* as typed */
    const char *role;     /* the role to act in; NULL: the user's only role */
    const char *client;   /* the client's address, for rate limiting */
} tby_server_login;

#define TBY_SERVER_SESSION_LEN 64 /* bytes of a session id, NUL included */

/* What a login gives. */
typedef struct tby_server_login_result {
    tby_server_principal principal;       /* who logged in, in which role */
    char session[TBY_SERVER_SESSION_LEN]; /* the new session id, for the cookie */
    int64_t expires_at_ms;                /* when the session ends */
    unsigned retry_after;                 /* refused by the rate limit: seconds to wait */
} tby_server_login_result;

/*
 * The authentication, authorisation and audit provider. The server calls it from its worker
 * threads concurrently: every callback must be thread-safe. Each returns 0 or a negative
 * tby_error_code; anything but the documented codes is answered with 500.
 *
 * The development provider below (tby_server_auth_dev) implements it from a tokens file or
 * one --dev-token. The store-backed provider replaces it: tokens and session ids looked up by
 * their hash, argon2id passwords, users' roles and sites, and audit events appended to the
 * store's hash-chained log.
 */
typedef struct tby_server_auth {
    /*
     * Maps a credential to a principal. 0 with *out filled; TBY_ENOTFOUND when the credential
     * is unknown, expired or revoked (the client gets 401 and no detail).
     */
    int (*authenticate)(void *ctx, const tby_server_credential *credential,
                        tby_server_principal *out, tby_error *err);
    /*
     * Called after the route's role check passed (the route table decides role x route):
     * may the principal act for `site` on this operation? `site` is NULL when the request
     * names none. *allowed_out false gives 403. NULL callback: tby_server_principal_has_site.
     */
    int (*authorize)(void *ctx, const tby_server_principal *who, const char *operation,
                     const char *site, bool *allowed_out, tby_error *err);
    /*
     * Records one access to personal data before its response is sent. A failure replaces
     * the response by 503 and no personal data leaves the server.
     */
    int (*audit)(void *ctx, const tby_server_audit_event *event, tby_error *err);
    /*
     * Optional: records `count` accesses in one transaction (group commit), rcs[i] the result
     * of events[i] (0: recorded). With it, the HTTP server answers each of them only once the
     * transaction holding its entry has committed, and its worker threads screen on
     * meanwhile instead of waiting for the write; without it, `audit` is called per request.
     * A failure of one entry must not lose the others (err: the first failure's message).
     */
    void (*audit_batch)(void *ctx, const tby_server_audit_event *events, size_t count, int *rcs,
                        tby_error *err);
    /* Frees ctx when the server is freed; may be NULL. */
    void (*free)(void *ctx);
    void *ctx;
    /*
     * Optional (NULL: the routes answer 501). Logs a user in and starts a session: 0 with
     * *out filled; TBY_ENOTFOUND for a wrong user or password (401, no detail);
     * TBY_ETOOLARGE with out->retry_after when too many logins failed (429); TBY_EINVALID for
     * a role the user does not hold (400, err names the field).
     */
    int (*login)(void *ctx, const tby_server_login *login, tby_server_login_result *out,
                 tby_error *err);
    /* Ends the session a credential is (nothing for a bearer token). */
    int (*logout)(void *ctx, const tby_server_principal *who,
                  const tby_server_credential *credential, tby_error *err);
    /* Changes the caller's own password after checking the current one (TBY_ENOTFOUND: wrong;
       TBY_EINVALID: a new one that is not acceptable). */
    int (*change_password)(void *ctx, const tby_server_principal *who, const char *current,
                           const char *new_password, tby_error *err);
    /* Users or credentials were changed through the server: forget what is cached. */
    void (*changed)(void *ctx);
} tby_server_auth;

/*
 * The development provider: principals from `tokens_path` (may be NULL) plus, when
 * `dev_token` is not NULL, one admin "dev" for every site. Tokens file lines:
 *
 *   # token                           user    role       sites
 *   3f9c0e1b7a0d4e55a2b1c6d8e9f01234  amina   registrar  camp-khazir,camp-hasansham
 *   9a8b7c6d5e4f30211a2b3c4d5e6f7089  omar    admin      *
 *
 * separated by blanks; tokens are at least 16 bytes. Audit events are appended as JSON
 * Lines to `audit_path` (NULL: not kept, only counted). Nothing is hashed or rate limited:
 * development only. Returns 0, TBY_EINVALID (a bad line: err names line and field),
 * TBY_ENOTFOUND/TBY_EIO (files), TBY_ENOMEM.
 */
int tby_server_auth_dev(tby_server_auth *out, const char *tokens_path, const char *dev_token,
                        const char *audit_path, tby_error *err);

/* ===== The store ===== */

/*
 * The server's database: a connection per thread that uses it (opened on first use), and a
 * write lock that serialises the process's write transactions. Opening checks (and migrates)
 * the database. Free it after the server and the auth provider that use it.
 * Returns 0, TBY_ENOTFOUND (no file and !create), TBY_EINVALID (not a tabayyun database),
 * TBY_EIO, TBY_ENOMEM.
 */
typedef struct tby_server_db tby_server_db;

int tby_server_db_open(tby_server_db **out, const char *path, bool create, tby_error *err);
void tby_server_db_free(tby_server_db *db);
const char *tby_server_db_path(const tby_server_db *db);

typedef struct tby_server_auth_store_options {
    unsigned session_seconds; /* a browser session's life; 0: 8 hours */
    unsigned cache_seconds;   /* how long a verified credential is trusted before the store
                                 is asked again (changes made through this server apply at
                                 once, others within this time); 0: 10 */
    unsigned login_failures;  /* failed logins allowed per user and per client address ... */
    unsigned login_window;    /* ... within this many seconds, then 429; 0: 5 and 900 */
} tby_server_auth_store_options;

/*
 * The store-backed provider: bearer tokens and session cookies looked up by their hash in the
 * store (users, roles and sites from its grants), every access to personal data appended to
 * the store's hash-chained audit log, logins checked with argon2id and rate limited in memory
 * (per user and per client address; the counts are lost on restart). `db` is borrowed.
 */
int tby_server_auth_store(tby_server_auth *out, tby_server_db *db,
                          const tby_server_auth_store_options *opts, tby_error *err);

/* ===== The server ===== */

#define TBY_SERVER_MAX_BODY_BYTES (1024u * 1024u) /* default request body cap: 413 beyond */
#define TBY_SERVER_MAX_JSON_DEPTH 32              /* default nesting cap of a JSON body */

typedef struct tby_server_options {
    const char *bind;         /* address to listen on; NULL: "127.0.0.1" */
    unsigned port;            /* 0: an ephemeral port (see tby_server_port) */
    unsigned threads;         /* worker threads; 0: online CPUs */
    size_t max_body_bytes;    /* 0: TBY_SERVER_MAX_BODY_BYTES */
    unsigned max_json_depth;  /* 0: TBY_SERVER_MAX_JSON_DEPTH */
    unsigned timeout_seconds; /* a request must arrive whole within this, and an idle
                                 connection is closed after it; 0: 10 */
    unsigned max_connections; /* open connections at once; 0: 1024 */
    double threshold;         /* lowest alert score a request may ask for, and the
                                 default; 0: TBY_SCREEN_DEFAULT_THRESHOLD */
    size_t list_entries;      /* for /v1/health and /metrics */
    const char *list_name;    /* for /v1/health: the list file; may be NULL */
    tby_server_db *db;        /* the store (borrowed; NULL: the routes that need it answer
                                 501), for records, lists, the audit, statistics, users */
    size_t max_upload_bytes;  /* body cap of a list import; 0: 64 MiB */
    const char *tls_cert;     /* PEM certificate and key files: serve HTTPS (the session */
    const char *tls_key;      /* cookie is then Secure); NULL: plain HTTP */
    bool screen_runs;         /* with db: after an import through the API, a screening run of
                                 the list (or, for registry records, of every list) on a
                                 thread of its own, in delta from a resident monitor
                                 (screen_runs.c) */
} tby_server_options;

typedef struct tby_server tby_server;

/*
 * Makes a server over a fitted screener (borrowed: it must outlive the server) and an auth
 * provider (owned from here on: its free callback runs in tby_server_free, also on error).
 * Returns 0, TBY_EINVALID (options), TBY_ENOMEM.
 */
int tby_server_new(tby_server **out, const tby_server_options *opts, const tby_screener *screener,
                   const tby_server_auth *auth, tby_error *err);

/*
 * Loads the latest version of every list in the store into one set (each entry's id becomes
 * "LIST:ID"), and fits a screener on it. *set_out and *screener_out are the caller's.
 * Returns 0, TBY_EEMPTY (no list, or no usable entry), TBY_EIO, TBY_ENOMEM.
 */
int tby_server_load_lists(tby_server_db *db, tby_record_set **set_out, tby_screener **screener_out,
                          tby_error *err);

/*
 * Screens from now on against `screener` over `set` (both owned by the server from here on,
 * also on error), named `name` in /v1/health. Requests already screening finish with the list
 * they started with. Thread-safe. 0 or TBY_ENOMEM.
 */
int tby_server_replace_list(tby_server *server, tby_record_set *set, tby_screener *screener,
                            const char *name, tby_error *err);

/* Binds and starts serving in the background. 0, TBY_EINVALID (bad address), TBY_EIO. */
int tby_server_start(tby_server *server, tby_error *err);

/* The port the server listens on (the ephemeral one when options.port was 0); 0 if not
 * started. */
unsigned tby_server_port(const tby_server *server);

/* Stops accepting, finishes the requests in flight, joins the threads. Safe to call twice. */
void tby_server_stop(tby_server *server);

/* Stops if needed and frees; NULL is allowed. */
void tby_server_free(tby_server *server);

/* ===== One request in memory ===== */

typedef struct tby_server_header {
    const char *name; /* case-insensitive */
    const char *value;
} tby_server_header;

typedef struct tby_server_response {
    int status;               /* HTTP status */
    char *body;               /* NUL-terminated; free with tby_server_response_dispose */
    size_t body_len;          /* bytes at body */
    bool is_static_body;      /* body points to static memory (not freed) */
    const char *content_type; /* static */
    char allow[32];           /* 405: the Allow header's value, else "" */
    bool is_auth_challenge;   /* 401: send WWW-Authenticate */
    bool is_no_store;         /* personal data: Cache-Control: no-store */
    bool is_close;            /* close the connection after this response */
    char set_cookie[224];     /* a Set-Cookie header's value, else "" */
    unsigned retry_after;     /* 429: the Retry-After header's seconds, else 0 */
} tby_server_response;

/*
 * Runs one request through routing, authentication, authorisation, body validation, the
 * handler, the audit and the metrics, exactly as the HTTP path does, and fills *out. `path`
 * may carry a query string. Thread-safe. Always fills *out (500 when out of memory).
 */
void tby_server_handle(tby_server *server, const char *method, const char *path,
                       const tby_server_header *headers, size_t header_count, const char *body,
                       size_t body_len, tby_server_response *out);

void tby_server_response_dispose(tby_server_response *response);

#endif
