// SPDX-License-Identifier: Apache-2.0
// The store-backed auth provider (server.h, tby_server_auth_store): who a bearer token or a
// session cookie belongs to, from the store's users, grants, tokens and sessions; every access
// to personal data appended to the store's hash-chained audit log; logins checked with
// argon2id and rate limited.
//
//   credential -> BLAKE2b-256 -> this thread's cache (hit: done)
//              -> miss: tby_store_token_verify / tby_store_session_verify -> cache it
//
// The cache keeps a verified credential for cache_seconds (never past its expiry), so that a
// screening request costs a hash and a compare rather than a database read. Changes made
// through this server (a logout, a revoked token, a disabled user) empty every thread's cache
// at once through a generation counter; changes made by another process (the command line)
// apply within cache_seconds. Only hashes are cached, never a credential's text.
//
// Login rate limits are kept in memory, per user name and per client address: after
// login_failures failures within login_window seconds, further attempts are refused with 429
// and Retry-After until the oldest failure leaves the window, without checking the password.
// A restart forgets them; several servers on one database count separately.
#define _POSIX_C_SOURCE 200809L
#include <sodium.h>
#include <string.h>

#include "server/server_int.h"

#define CACHE_SLOTS        32   /* per thread, direct-mapped by the credential's hash */
#define LIMIT_SLOTS        1024 /* keys (users, addresses) the rate limiter follows */
#define LIMIT_MAX_FAILURES 16   /* most failures a key may be allowed */

typedef struct cache_entry {
    uint8_t hash[32]; /* BLAKE2b-256 of the credential */
    tby_server_credential_kind kind;
    uint64_t generation;            /* the provider's generation when cached */
    int64_t valid_until_ns;         /* CLOCK_MONOTONIC */
    tby_server_principal principal; /* who it is */
} cache_entry;

typedef struct thread_cache {
    cache_entry entries[CACHE_SLOTS];
    struct thread_cache *next; /* every thread's, for freeing */
} thread_cache;

typedef struct limit_entry {
    char key[96];                         /* "user:NAME" or "addr:ADDRESS"; "" when free */
    int64_t failures[LIMIT_MAX_FAILURES]; /* ms since the epoch, oldest first */
    unsigned count;                       /* failures kept */
    int64_t last_ms;                      /* last use, for eviction */
} limit_entry;

typedef struct store_auth {
    tby_server_db *db;                  /* borrowed */
    tby_server_auth_store_options opts; /* resolved */
    atomic_uint_fast64_t generation;    /* bumped when credentials change */
    pthread_key_t cache_key;            /* this thread's thread_cache */
    pthread_mutex_t caches_lock;        /* guards caches */
    thread_cache *caches;               /* every thread's */
    pthread_mutex_t limit_lock;         /* guards limits */
    limit_entry limits[LIMIT_SLOTS];    /* the rate limiter */
} store_auth;

static int64_t wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ===== Principals ===== */

static void principal_from_store(tby_server_principal *out, const tby_store_principal *in)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->user, sizeof(out->user), "%s", in->user);
    out->role = tby_server_role_lookup(in->role, strlen(in->role));
    out->all_sites = in->all_sites;
    out->site_count = in->site_count < TBY_SERVER_MAX_SITES ? in->site_count : TBY_SERVER_MAX_SITES;
    for (size_t i = 0; i < out->site_count; i++)
        snprintf(out->sites[i], sizeof(out->sites[i]), "%s", in->sites[i]);
    out->must_change_password = in->must_change_password;
}

/* ===== The cache ===== */

static thread_cache *cache_get(store_auth *auth)
{
    thread_cache *cache = pthread_getspecific(auth->cache_key);
    if (cache)
        return cache;
    cache = tby__calloc(1, sizeof(*cache));
    if (!cache)
        return NULL;
    pthread_mutex_lock(&auth->caches_lock);
    cache->next = auth->caches;
    auth->caches = cache;
    pthread_mutex_unlock(&auth->caches_lock);
    pthread_setspecific(auth->cache_key, cache);
    return cache;
}

static int store_authenticate(void *ctx, const tby_server_credential *credential,
                              tby_server_principal *out, tby_error *err)
{
    store_auth *auth = ctx;
    if (credential->len == 0 || credential->len >= TBY_STORE_SECRET_LEN)
        return TBY_ENOTFOUND;
    uint8_t hash[32];
    crypto_generichash(hash, sizeof(hash), (const unsigned char *)credential->value,
                       credential->len, NULL, 0);
    uint64_t generation = atomic_load_explicit(&auth->generation, memory_order_acquire);
    int64_t now = tby_server__now_ns();
    thread_cache *cache = cache_get(auth);
    cache_entry *slot = cache ? &cache->entries[hash[0] % CACHE_SLOTS] : NULL;
    if (slot && slot->kind == credential->kind && slot->generation == generation &&
        now < slot->valid_until_ns && sodium_memcmp(slot->hash, hash, sizeof(hash)) == 0) {
        *out = slot->principal;
        return TBY_OK;
    }
    tby_store *store = tby_server__db_store(auth->db, err);
    if (!store)
        return err && err->code ? err->code : TBY_EIO;
    tby_store_principal principal;
    int rc =
        credential->kind == TBY_CREDENTIAL_BEARER
            ? tby_store_token_verify(store, credential->value, credential->len, &principal, err)
            : tby_store_session_verify(store, credential->value, credential->len, &principal, err);
    if (rc)
        return rc;
    principal_from_store(out, &principal);
    if (out->role == TBY_ROLE_NONE)
        return TBY_ENOTFOUND;
    if (slot) {
        int64_t valid_ns = (int64_t)auth->opts.cache_seconds * 1000000000;
        if (principal.expires_at_ms) {
            int64_t left_ns = (principal.expires_at_ms - wall_ms()) * 1000000;
            if (left_ns < valid_ns)
                valid_ns = left_ns;
        }
        memcpy(slot->hash, hash, sizeof(hash));
        slot->kind = credential->kind;
        slot->generation = generation;
        slot->valid_until_ns = now + valid_ns;
        slot->principal = *out;
    }
    return TBY_OK;
}

static void store_changed(void *ctx)
{
    store_auth *auth = ctx;
    atomic_fetch_add_explicit(&auth->generation, 1, memory_order_acq_rel);
}

/* ===== The audit ===== */

/* Appends the entry of one event through `store` (in its transaction when one is open). */
static int audit_write(tby_store *store, const tby_server_audit_event *event, tby_error *err)
{
    /* {"role", "method", "path", "site", "purpose", "status", "outcome"}, site and outcome
       null when absent: the bytes json_pack and json_dump wrote before, written directly
       (json_write.c), as is every screening's. */
    tby_buf buf = TBY_BUF_INIT(0);
    tby_server__jw w;
    tby_server__jw_init(&w, &buf);
    tby_server__jw_object(&w);
    tby_server__jw_key(&w, "role");
    tby_server__jw_string(&w, tby_server_role_name(event->who->role));
    tby_server__jw_key(&w, "method");
    tby_server__jw_string(&w, event->method);
    tby_server__jw_key(&w, "path");
    tby_server__jw_string(&w, event->path);
    tby_server__jw_key(&w, "site");
    tby_server__jw_string_or_null(&w, event->site);
    tby_server__jw_key(&w, "purpose");
    tby_server__jw_string(&w, event->purpose);
    tby_server__jw_key(&w, "status");
    tby_server__jw_integer(&w, event->status);
    tby_server__jw_key(&w, "outcome");
    tby_server__jw_string_or_null(&w, event->outcome);
    tby_server__jw_object_end(&w);
    const char *text = !tby_server__jw_finish(&w) ? buf.ptr : NULL; /* NUL-terminated */
    if (!text) {
        tby__buf_dispose(&buf);
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    }
    char action[96];
    snprintf(action, sizeof(action), "api.%s", event->action);
    int rc = tby_store_audit_append(store, event->who->user, action,
                                    event->subject ? event->subject : event->path, text, NULL, err);
    tby__buf_dispose(&buf);
    return rc;
}

static int store_audit(void *ctx, const tby_server_audit_event *event, tby_error *err)
{
    store_auth *auth = ctx;
    tby_store *store = tby_server__db_lock(auth->db);
    int rc = audit_write(store, event, err);
    tby_server__db_unlock(auth->db);
    return rc;
}

/*
 * Group commit: every event's entry in one write transaction, so that the requests share its
 * BEGIN, the chain head's read and the COMMIT. If the transaction fails as a whole, each
 * entry is tried again in a transaction of its own, so that an entry that cannot be written
 * costs only its own request its answer.
 */
static void store_audit_batch(void *ctx, const tby_server_audit_event *events, size_t count,
                              int *rcs, tby_error *err)
{
    store_auth *auth = ctx;
    tby_store *store = tby_server__db_lock(auth->db);
    tby_error batch_err;
    tby_error_clear(&batch_err);
    int rc = tby_store_begin(store, &batch_err);
    for (size_t i = 0; !rc && i < count; i++)
        rc = audit_write(store, &events[i], &batch_err);
    if (!rc)
        rc = tby_store_commit(store, &batch_err);
    if (!rc) {
        for (size_t i = 0; i < count; i++)
            rcs[i] = TBY_OK;
    } else {
        tby_store_rollback(store);
        for (size_t i = 0; i < count; i++) {
            tby_error one_err;
            tby_error_clear(&one_err);
            rcs[i] = audit_write(store, &events[i], &one_err);
            if (rcs[i] && err && !err->code)
                *err = one_err;
        }
    }
    tby_server__db_unlock(auth->db);
}

/* ===== Login rate limits ===== */

/* The entry for key, made when new (evicting the one used longest ago); under limit_lock. */
static limit_entry *limit_find(store_auth *auth, const char *key, bool create)
{
    limit_entry *free_slot = NULL, *oldest = &auth->limits[0];
    for (size_t i = 0; i < LIMIT_SLOTS; i++) {
        limit_entry *e = &auth->limits[i];
        if (e->key[0] && !strcmp(e->key, key))
            return e;
        if (!e->key[0] && !free_slot)
            free_slot = e;
        if (e->last_ms < oldest->last_ms)
            oldest = e;
    }
    if (!create)
        return NULL;
    limit_entry *e = free_slot ? free_slot : oldest;
    memset(e, 0, sizeof(*e));
    snprintf(e->key, sizeof(e->key), "%s", key);
    return e;
}

/* Drops the failures that left the window. */
static void limit_expire(const store_auth *auth, limit_entry *e, int64_t now)
{
    int64_t start = now - (int64_t)auth->opts.login_window * 1000;
    unsigned keep = 0;
    for (unsigned i = 0; i < e->count; i++) {
        if (e->failures[i] > start)
            e->failures[keep++] = e->failures[i];
    }
    e->count = keep;
}

/* Seconds until key may try again; 0 when it may now. Under limit_lock. */
static unsigned limit_wait(store_auth *auth, const char *key, int64_t now)
{
    limit_entry *e = limit_find(auth, key, false);
    if (!e)
        return 0;
    limit_expire(auth, e, now);
    if (e->count < auth->opts.login_failures)
        return 0;
    int64_t until =
        e->failures[e->count - auth->opts.login_failures] + (int64_t)auth->opts.login_window * 1000;
    return (unsigned)((until - now + 999) / 1000);
}

static void limit_fail(store_auth *auth, const char *key, int64_t now)
{
    limit_entry *e = limit_find(auth, key, true);
    limit_expire(auth, e, now);
    if (e->count == LIMIT_MAX_FAILURES) {
        memmove(e->failures, e->failures + 1, (LIMIT_MAX_FAILURES - 1) * sizeof(e->failures[0]));
        e->count--;
    }
    e->failures[e->count++] = now;
    e->last_ms = now;
}

static void limit_clear(store_auth *auth, const char *key)
{
    limit_entry *e = limit_find(auth, key, false);
    if (e)
        memset(e, 0, sizeof(*e));
}

/* The rate-limit keys of a login: its user and its client address. */
static void limit_keys(const tby_server_login *login, char user_key[96], char addr_key[96])
{
    snprintf(user_key, 96, "user:%.80s", login->user);
    snprintf(addr_key, 96, "addr:%.80s", login->client ? login->client : "unknown");
}

/* ===== Login, logout, passwords ===== */

static int store_login(void *ctx, const tby_server_login *login, tby_server_login_result *out,
                       tby_error *err)
{
    store_auth *auth = ctx;
    memset(out, 0, sizeof(*out));
    char user_key[96], addr_key[96];
    limit_keys(login, user_key, addr_key);
    int64_t now = wall_ms();
    pthread_mutex_lock(&auth->limit_lock);
    unsigned wait_user = limit_wait(auth, user_key, now);
    unsigned wait_addr = limit_wait(auth, addr_key, now);
    pthread_mutex_unlock(&auth->limit_lock);
    if (wait_user || wait_addr) {
        out->retry_after = wait_user > wait_addr ? wait_user : wait_addr;
        return tby__error(err, TBY_ETOOLARGE, -1,
                          "too many failed logins for this user or from this address: try again "
                          "in %u s",
                          out->retry_after);
    }
    tby_store *store = tby_server__db_store(auth->db, err);
    if (!store)
        return err && err->code ? err->code : TBY_EIO;
    /* The slow check (argon2id) runs without the write lock. */
    int rc = tby_store_password_check(store, login->user, login->password, NULL, NULL, err);
    if (rc == TBY_ENOTFOUND) {
        pthread_mutex_lock(&auth->limit_lock);
        limit_fail(auth, user_key, now);
        limit_fail(auth, addr_key, now);
        pthread_mutex_unlock(&auth->limit_lock);
        return rc;
    }
    if (rc)
        return rc;
    pthread_mutex_lock(&auth->limit_lock);
    limit_clear(auth, user_key);
    pthread_mutex_unlock(&auth->limit_lock);
    tby_store_principal principal;
    char session[TBY_STORE_SECRET_LEN];
    tby_store *writer = tby_server__db_lock(auth->db);
    rc = tby_store_session_create(writer, login->user, login->role, auth->opts.session_seconds,
                                  login->user, session, &principal, err);
    tby_server__db_unlock(auth->db);
    if (rc)
        return rc;
    _Static_assert(TBY_SERVER_SESSION_LEN >= TBY_STORE_SECRET_LEN, "session id size");
    memcpy(out->session, session, sizeof(session));
    sodium_memzero(session, sizeof(session));
    principal_from_store(&out->principal, &principal);
    out->expires_at_ms = principal.expires_at_ms;
    return TBY_OK;
}

static int store_logout(void *ctx, const tby_server_principal *who,
                        const tby_server_credential *credential, tby_error *err)
{
    store_auth *auth = ctx;
    if (credential->kind != TBY_CREDENTIAL_SESSION)
        return TBY_OK;
    tby_store *store = tby_server__db_lock(auth->db);
    int rc = tby_store_session_revoke(store, credential->value, credential->len, who->user, err);
    tby_server__db_unlock(auth->db);
    store_changed(auth);
    return rc;
}

static int store_change_password(void *ctx, const tby_server_principal *who, const char *current,
                                 const char *new_password, tby_error *err)
{
    store_auth *auth = ctx;
    tby_store *store = tby_server__db_store(auth->db, err);
    if (!store)
        return err && err->code ? err->code : TBY_EIO;
    char user_key[96];
    snprintf(user_key, sizeof(user_key), "user:%.80s", who->user);
    int64_t now = wall_ms();
    pthread_mutex_lock(&auth->limit_lock);
    unsigned wait = limit_wait(auth, user_key, now);
    pthread_mutex_unlock(&auth->limit_lock);
    if (wait)
        return tby__error(err, TBY_ETOOLARGE, -1,
                          "too many wrong passwords for this user: try again in %u s", wait);
    int rc = tby_store_password_check(store, who->user, current, NULL, NULL, err);
    if (rc == TBY_ENOTFOUND) {
        pthread_mutex_lock(&auth->limit_lock);
        limit_fail(auth, user_key, now);
        pthread_mutex_unlock(&auth->limit_lock);
        return tby__error(err, rc, -1, "the current password is wrong");
    }
    if (rc)
        return rc;
    if (!strcmp(current, new_password)) {
        tby__error(err, TBY_EINVALID, -1, "the new password must differ from the current one");
        tby__error_field(err, "new_password");
        return TBY_EINVALID;
    }
    char hash[TBY_STORE_PASSWORD_HASH_LEN];
    if ((rc = tby_store_password_hash(hash, new_password, err))) {
        tby__error_field(err, "new_password");
        return rc;
    }
    tby_store *writer = tby_server__db_lock(auth->db);
    rc = tby_store_user_set_password(writer, who->user, NULL, hash, false, who->user, err);
    tby_server__db_unlock(auth->db);
    sodium_memzero(hash, sizeof(hash));
    store_changed(auth);
    return rc;
}

/* ===== Life ===== */

static void store_free(void *ctx)
{
    store_auth *auth = ctx;
    if (!auth)
        return;
    for (thread_cache *c = auth->caches, *next; c; c = next) {
        next = c->next;
        sodium_memzero(c, sizeof(*c));
        tby__free(c);
    }
    pthread_key_delete(auth->cache_key);
    pthread_mutex_destroy(&auth->caches_lock);
    pthread_mutex_destroy(&auth->limit_lock);
    tby__free(auth);
}

int tby_server_auth_store(tby_server_auth *out, tby_server_db *db,
                          const tby_server_auth_store_options *opts, tby_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!db)
        return tby__error(err, TBY_EINVALID, -1, "the store-backed auth needs a database");
    if (sodium_init() < 0)
        return tby__error(err, TBY_ERROR, -1, "libsodium failed to initialise");
    store_auth *auth = tby__calloc(1, sizeof(*auth));
    if (!auth)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    if (pthread_key_create(&auth->cache_key, NULL)) {
        tby__free(auth);
        return tby__error(err, TBY_ENOMEM, -1, "out of thread keys");
    }
    pthread_mutex_init(&auth->caches_lock, NULL);
    pthread_mutex_init(&auth->limit_lock, NULL);
    atomic_init(&auth->generation, 1);
    auth->db = db;
    if (opts)
        auth->opts = *opts;
    if (!auth->opts.session_seconds)
        auth->opts.session_seconds = 8 * 3600;
    if (!auth->opts.cache_seconds)
        auth->opts.cache_seconds = 10;
    if (!auth->opts.login_failures)
        auth->opts.login_failures = 5;
    if (auth->opts.login_failures > LIMIT_MAX_FAILURES)
        auth->opts.login_failures = LIMIT_MAX_FAILURES;
    if (!auth->opts.login_window)
        auth->opts.login_window = 900;
    out->authenticate = store_authenticate;
    out->audit = store_audit;
    out->audit_batch = store_audit_batch;
    out->login = store_login;
    out->logout = store_logout;
    out->change_password = store_change_password;
    out->changed = store_changed;
    out->free = store_free;
    out->ctx = auth;
    return TBY_OK;
}
