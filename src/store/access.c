// SPDX-License-Identifier: Apache-2.0
// People and access (tby_store_access.h): users and their role grants, passwords (argon2id),
// API tokens and browser sessions (random, stored as BLAKE2b hashes), and who a credential
// belongs to. The SQL is in sqlite_access.c; this file holds the rules:
//
//   credential text -> BLAKE2b-256 -> stored row -> not revoked, not expired
//                   -> its user, not disabled -> the grants of its role -> principal
//
// Every change appends its audit entry in the transaction that makes it. Password hashing and
// checking never run inside a transaction: at about 0.1 s each they would hold the write lock.
#define _POSIX_C_SOURCE 200809L /* gmtime_r, clock_gettime */
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "store/access_int.h"

/* The access operations of the store's backend. */
static const tby_store__access_backend *ops(const tby_store *store)
{
    (void)store; /* one backend today; a second one picks its table here */
    return &tby_store__sqlite_access;
}

/* ===== Checks ===== */

static const char *const role_names[] = {"registrar", "analyst", "supervisor", "auditor", "admin"};

bool tby_store_role_valid(const char *role)
{
    for (size_t i = 0; role && i < sizeof(role_names) / sizeof(role_names[0]); i++) {
        if (!strcmp(role, role_names[i]))
            return true;
    }
    return false;
}

/* TBY_EINVALID with a message and the field it is about. */
static int bad(tby_error *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(tby_error *err, const char *field, const char *fmt, ...)
{
    char message[TBY_ERROR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    tby__error(err, TBY_EINVALID, -1, "%s", message);
    tby__error_field(err, field);
    return TBY_EINVALID;
}

/* A user name: 1..63 bytes of ASCII letters, digits, ".", "_", "-", "@", or any non-ASCII
   UTF-8 (names in Arabic script). No blanks, so that a name is one word everywhere. */
static int check_user_name(const char *name, tby_error *err)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len >= TBY_STORE_NAME_LEN || tby__utf8_validate(name, len) != len)
        return bad(err, "name", "a user name must be 1..63 bytes of UTF-8, not \"%.80s\"",
                   name ? name : "");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        bool ok = c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '@';
        if (!ok)
            return bad(err, "name",
                       "a user name may hold letters, digits, '.', '_', '-' and '@' only, not "
                       "\"%.63s\"",
                       name);
    }
    return TBY_OK;
}

/* A site name: 1..63 bytes of UTF-8 without control characters or commas (the command line
   separates sites with commas). */
static int check_site(const char *site, tby_error *err)
{
    size_t len = strlen(site);
    if (len == 0 || len >= TBY_STORE_NAME_LEN || tby__utf8_validate(site, len) != len)
        return bad(err, "site", "a site must be 1..63 bytes of UTF-8, not \"%.80s\"", site);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)site[i];
        if (c < 0x20 || c == 0x7F || c == ',')
            return bad(err, "site", "a site may not hold commas or control characters: \"%.63s\"",
                       site);
    }
    return TBY_OK;
}

static int check_grant(const tby_store_grant *grant, tby_error *err)
{
    if (!tby_store_role_valid(grant->role))
        return bad(err, "role", "role must be one of " TBY_STORE_ROLE_NAMES ", not \"%.63s\"",
                   grant->role ? grant->role : "");
    return grant->site ? check_site(grant->site, err) : TBY_OK;
}

static int check_actor(const char *actor, tby_error *err)
{
    if (!actor || !actor[0])
        return tby__error(err, TBY_EINVALID, -1, "a change needs an actor (who makes it)");
    return TBY_OK;
}

/* ===== Time ===== */

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Writes ms since the epoch as the store writes times ("2025-01-31T12:00:00.123Z"). */
static void time_text(char out[TBY_STORE__TIME_LEN], int64_t ms)
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm utc;
    gmtime_r(&seconds, &utc);
    size_t len = strftime(out, TBY_STORE__TIME_LEN, "%Y-%m-%dT%H:%M:%S", &utc);
    snprintf(out + len, TBY_STORE__TIME_LEN - len, ".%03dZ", (int)(ms % 1000));
}

/* Days from 1970-01-01 to a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Reads a time the store wrote back into ms since the epoch; 0 when it does not read. */
static int64_t time_ms(const char *text)
{
    int y, mo, d, h, mi, s, ms = 0;
    if (!text || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &y, &mo, &d, &h, &mi, &s, &ms) < 6)
        return 0;
    return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000 + ms;
}

/* ===== Transactions ===== */

/* Joins the open write transaction, or opens one (*is_mine). */
static int write_begin(tby_store *store, bool *is_mine, tby_error *err)
{
    *is_mine = !store->is_in_write;
    return *is_mine ? tby_store__begin_write(store, err) : TBY_OK;
}

/* Commits a transaction of our own when rc is 0, else rolls it back; returns the result. */
static int write_end(tby_store *store, bool is_mine, int rc, tby_error *err)
{
    if (!is_mine)
        return rc;
    if (rc) {
        tby_store__rollback(store);
        return rc;
    }
    return tby_store__commit(store, err);
}

/* Appends an audit entry whose detail is `detail` (consumed). */
static int audit(tby_store *store, const char *actor, const char *action, const char *object,
                 json_t *detail, tby_error *err)
{
    char *text = detail ? tby_store__json_text(detail) : NULL;
    json_decref(detail);
    if (!text)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    int rc = tby_store__audit_append(store, actor, action, object, text, NULL, err);
    tby__free(text);
    return rc;
}

/* ===== Users ===== */

static int on_grant_site(const char *site, void *payload);

typedef struct found_user {
    int64_t id;
    bool is_disabled;
    bool must_change;
    char password_hash[TBY_STORE_PASSWORD_HASH_LEN]; /* "" when none */
} found_user;

static int on_found_user(const tby_store__user_row *user, void *payload)
{
    found_user *out = payload;
    out->id = user->id;
    out->is_disabled = user->disabled_at != NULL;
    out->must_change = user->must_change_password;
    snprintf(out->password_hash, sizeof(out->password_hash), "%s",
             user->password_hash ? user->password_hash : "");
    return 0;
}

static int user_find(tby_store *store, const char *name, found_user *out, tby_error *err)
{
    memset(out, 0, sizeof(*out));
    return ops(store)->user_find(store->conn, name, on_found_user, out, err);
}

int tby_store_password_hash(char out[TBY_STORE_PASSWORD_HASH_LEN], const char *password,
                            tby_error *err)
{
    TBY_ASSERT_ARG(out != NULL);
    size_t len = password ? strlen(password) : 0;
    if (len < TBY_STORE_PASSWORD_MIN || len > TBY_STORE_PASSWORD_MAX ||
        tby__utf8_validate(password, len) != len) {
        tby__error(err, TBY_EINVALID, -1, "a password must be %d..%d bytes of UTF-8",
                   TBY_STORE_PASSWORD_MIN, TBY_STORE_PASSWORD_MAX);
        tby__error_field(err, "password");
        return TBY_EINVALID;
    }
    if (sodium_init() < 0)
        return tby__error(err, TBY_ERROR, -1, "libsodium failed to initialise");
    _Static_assert(TBY_STORE_PASSWORD_HASH_LEN == crypto_pwhash_STRBYTES, "password hash size");
    if (crypto_pwhash_str_alg(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13))
        return tby__error(err, TBY_ENOMEM, -1, "out of memory hashing a password");
    return TBY_OK;
}

void tby_store_password_generate(char out[TBY_STORE_PASSWORD_GENERATED_LEN])
{
    unsigned char bytes[18];
    if (sodium_init() < 0)
        TBY_ASSERT(!"libsodium failed to initialise");
    randombytes_buf(bytes, sizeof(bytes));
    sodium_bin2base64(out, TBY_STORE_PASSWORD_GENERATED_LEN, bytes, sizeof(bytes),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(bytes, sizeof(bytes));
}

/* The password hash for a user: from the text, the given hash, or none. */
static int resolve_password(char out[TBY_STORE_PASSWORD_HASH_LEN], const char *password,
                            const char *password_hash, tby_error *err)
{
    out[0] = '\0';
    if (password && password_hash)
        return tby__error(err, TBY_EINVALID, -1, "give a password or its hash, not both");
    if (password)
        return tby_store_password_hash(out, password, err);
    if (password_hash) {
        if (strncmp(password_hash, crypto_pwhash_argon2id_STRPREFIX,
                    strlen(crypto_pwhash_argon2id_STRPREFIX)) ||
            strlen(password_hash) >= TBY_STORE_PASSWORD_HASH_LEN) {
            tby__error(err, TBY_EINVALID, -1, "the password hash is not an argon2id hash");
            tby__error_field(err, "password_hash");
            return TBY_EINVALID;
        }
        snprintf(out, TBY_STORE_PASSWORD_HASH_LEN, "%s", password_hash);
    }
    return TBY_OK;
}

/* The detail of a grant in the audit log. */
static json_t *grant_json(const tby_store_grant *grant)
{
    return json_pack("{s:s, s:s?}", "role", grant->role, "site", grant->site);
}

int tby_store_user_add(tby_store *store, const tby_store_user_spec *spec, const char *actor,
                       int64_t *id_out, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && spec != NULL);
    int rc;
    if ((rc = check_actor(actor, err)) || (rc = check_user_name(spec->name, err)))
        return rc;
    if (spec->display_name && (strlen(spec->display_name) > 200 ||
                               tby__utf8_validate(spec->display_name, strlen(spec->display_name)) !=
                                   strlen(spec->display_name)))
        return bad(err, "display_name", "a display name must be at most 200 bytes of UTF-8");
    if (!spec->grant_count || !spec->grants)
        return bad(err, "role", "a user needs at least one role (" TBY_STORE_ROLE_NAMES ")");
    for (size_t i = 0; i < spec->grant_count; i++) {
        if ((rc = check_grant(&spec->grants[i], err)))
            return rc;
        size_t sites = 0;
        for (size_t j = 0; j < spec->grant_count; j++)
            sites += spec->grants[j].site && !strcmp(spec->grants[j].role, spec->grants[i].role);
        if (sites > TBY_STORE_MAX_SITES)
            return bad(err, "site",
                       "role %s is granted at more than 16 sites: grant it at every site instead",
                       spec->grants[i].role);
    }
    char hash[TBY_STORE_PASSWORD_HASH_LEN];
    if ((rc = resolve_password(hash, spec->password, spec->password_hash, err)))
        return rc;

    char at[TBY_STORE__TIME_LEN];
    tby_store__now(at);
    bool is_mine;
    if ((rc = write_begin(store, &is_mine, err)))
        return rc;
    tby_store__user_row row = {0,  spec->name, spec->display_name,        hash[0] ? hash : NULL,
                               at, NULL,       spec->must_change_password};
    int64_t id = 0;
    rc = ops(store)->user_insert(store->conn, &row, &id, err);
    if (rc == TBY_EEXISTS) {
        tby__error(err, rc, -1, "there is a user named \"%s\" already", spec->name);
        tby__error_field(err, "name");
    }
    json_t *grants = json_array();
    for (size_t i = 0; !rc && i < spec->grant_count; i++) {
        rc = ops(store)->grant_insert(store->conn, id, spec->grants[i].role, spec->grants[i].site,
                                      at, actor, err);
        if (!rc && (!grants || json_array_append_new(grants, grant_json(&spec->grants[i]))))
            rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
    }
    if (!rc) {
        char object[96];
        snprintf(object, sizeof(object), "user:%s", spec->name);
        rc = audit(store, actor, "user.add", object,
                   json_pack("{s:I, s:O, s:b, s:b}", "id", (json_int_t)id, "grants", grants,
                             "password", hash[0] != '\0', "must_change_password",
                             spec->must_change_password),
                   err);
    }
    json_decref(grants);
    sodium_memzero(hash, sizeof(hash));
    rc = write_end(store, is_mine, rc, err);
    if (!rc && id_out)
        *id_out = id;
    return rc;
}

int tby_store_user_grant(tby_store *store, const char *user, const tby_store_grant *grant,
                         const char *actor, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && user != NULL && grant != NULL);
    int rc;
    if ((rc = check_actor(actor, err)) || (rc = check_grant(grant, err)))
        return rc;
    bool is_mine;
    if ((rc = write_begin(store, &is_mine, err)))
        return rc;
    found_user found;
    char at[TBY_STORE__TIME_LEN];
    tby_store__now(at);
    rc = user_find(store, user, &found, err);
    tby_store_principal held;
    memset(&held, 0, sizeof(held));
    held.user_id = found.id;
    snprintf(held.role, sizeof(held.role), "%s", grant->role);
    if (!rc && grant->site)
        rc = ops(store)->grants_scan(store->conn, found.id, grant->role, on_grant_site, &held, err);
    if (!rc && grant->site && held.site_count >= TBY_STORE_MAX_SITES)
        rc = bad(err, "site",
                 "role %s is granted at 16 sites already: grant it at every site instead",
                 grant->role);
    if (!rc)
        rc = ops(store)->grant_insert(store->conn, found.id, grant->role, grant->site, at, actor,
                                      err);
    if (!rc) {
        char object[96];
        snprintf(object, sizeof(object), "user:%s", user);
        rc = audit(store, actor, "user.grant", object, grant_json(grant), err);
    }
    return write_end(store, is_mine, rc, err);
}

int tby_store_user_disable(tby_store *store, const char *user, const char *actor, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && user != NULL);
    int rc = check_actor(actor, err);
    if (rc)
        return rc;
    bool is_mine;
    if ((rc = write_begin(store, &is_mine, err)))
        return rc;
    found_user found;
    char at[TBY_STORE__TIME_LEN];
    tby_store__now(at);
    rc = user_find(store, user, &found, err);
    if (!rc && found.is_disabled)
        rc = tby__error(err, TBY_EINVALID, -1, "user %s is disabled already", user);
    if (!rc)
        rc = ops(store)->user_disable(store->conn, found.id, at, err);
    if (!rc) {
        char object[96];
        snprintf(object, sizeof(object), "user:%s", user);
        rc = audit(store, actor, "user.disable", object, json_object(), err);
    }
    return write_end(store, is_mine, rc, err);
}

int tby_store_user_set_password(tby_store *store, const char *user, const char *password,
                                const char *password_hash, bool must_change, const char *actor,
                                tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && user != NULL);
    int rc = check_actor(actor, err);
    if (rc)
        return rc;
    if (!password && !password_hash)
        return bad(err, "password", "a new password is needed");
    char hash[TBY_STORE_PASSWORD_HASH_LEN];
    if ((rc = resolve_password(hash, password, password_hash, err)))
        return rc;
    bool is_mine;
    if ((rc = write_begin(store, &is_mine, err)))
        return rc;
    found_user found;
    rc = user_find(store, user, &found, err);
    if (!rc)
        rc = ops(store)->user_set_password(store->conn, found.id, hash, must_change, err);
    if (!rc) {
        char object[96];
        snprintf(object, sizeof(object), "user:%s", user);
        rc = audit(store, actor, "user.password", object,
                   json_pack("{s:b}", "must_change_password", must_change), err);
    }
    sodium_memzero(hash, sizeof(hash));
    return write_end(store, is_mine, rc, err);
}

/* Collects one user's rows of users_scan and hands each user on whole. Strings are copied
   into buffers (they may move as they grow, so only offsets are kept until the hand-over). */
typedef struct user_lister {
    tby_store_user_cb cb;
    void *payload;
    bool has_user;                 /* a user is being collected */
    int64_t user_id;               /* ... its id */
    bool has_password;             /* ... */
    bool must_change;              /* ... */
    size_t user_offsets[4];        /* name, display name, created, disabled in text */
    tby_buf text;                  /* the current user's strings */
    tby_store_grant *grants;       /* the current user's grants, filled at hand-over */
    size_t grant_count, grant_cap; /* ... */
    size_t *grant_offsets;         /* role and site of each grant in grant_text */
    tby_buf grant_text;            /* ... */
    size_t count;                  /* users handed over */
} user_lister;

/* Copies s (NUL included) into buf; SIZE_MAX for NULL. */
static int lister_put(tby_buf *buf, const char *s, size_t *offset_out)
{
    if (!s) {
        *offset_out = SIZE_MAX;
        return TBY_OK;
    }
    *offset_out = buf->len;
    return tby__buf_put(buf, s, strlen(s) + 1) ? TBY_ENOMEM : TBY_OK;
}

static const char *lister_text(const tby_buf *buf, size_t offset)
{
    return offset == SIZE_MAX ? NULL : buf->ptr + offset;
}

static int lister_flush(user_lister *l)
{
    if (!l->has_user)
        return 0;
    l->has_user = false;
    for (size_t i = 0; i < l->grant_count; i++) {
        l->grants[i].role = lister_text(&l->grant_text, l->grant_offsets[2 * i]);
        l->grants[i].site = lister_text(&l->grant_text, l->grant_offsets[2 * i + 1]);
    }
    tby_store_user_info info;
    memset(&info, 0, sizeof(info));
    info.id = l->user_id;
    info.name = lister_text(&l->text, l->user_offsets[0]);
    info.display_name = lister_text(&l->text, l->user_offsets[1]);
    info.created_at = lister_text(&l->text, l->user_offsets[2]);
    info.disabled_at = lister_text(&l->text, l->user_offsets[3]);
    info.has_password = l->has_password;
    info.must_change_password = l->must_change;
    info.grants = l->grants;
    info.grant_count = l->grant_count;
    l->count++;
    return l->cb(&info, l->payload);
}

static int lister_on_row(const tby_store__user_row *user, const char *role, const char *site,
                         void *payload)
{
    user_lister *l = payload;
    int rc;
    if (!l->has_user || l->user_id != user->id) {
        if ((rc = lister_flush(l)))
            return rc;
        tby__buf_clear(&l->text);
        tby__buf_clear(&l->grant_text);
        l->grant_count = 0;
        if (lister_put(&l->text, user->name ? user->name : "", &l->user_offsets[0]) ||
            lister_put(&l->text, user->display_name, &l->user_offsets[1]) ||
            lister_put(&l->text, user->created_at ? user->created_at : "", &l->user_offsets[2]) ||
            lister_put(&l->text, user->disabled_at, &l->user_offsets[3]))
            return TBY_ENOMEM;
        l->user_id = user->id;
        l->has_password = user->password_hash != NULL;
        l->must_change = user->must_change_password;
        l->has_user = true;
    }
    if (!role)
        return 0;
    if (l->grant_count == l->grant_cap) {
        size_t cap = l->grant_cap ? 2 * l->grant_cap : 8;
        tby_store_grant *grants = tby__realloc(l->grants, cap * sizeof(*grants));
        if (!grants)
            return TBY_ENOMEM;
        l->grants = grants;
        size_t *offsets = tby__realloc(l->grant_offsets, 2 * cap * sizeof(*offsets));
        if (!offsets)
            return TBY_ENOMEM;
        l->grant_offsets = offsets;
        l->grant_cap = cap;
    }
    size_t *slot = &l->grant_offsets[2 * l->grant_count];
    if (lister_put(&l->grant_text, role, &slot[0]) || lister_put(&l->grant_text, site, &slot[1]))
        return TBY_ENOMEM;
    l->grant_count++;
    return 0;
}

int tby_store_user_foreach(tby_store *store, const char *name, tby_store_user_cb cb, void *payload,
                           tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && cb != NULL);
    user_lister l;
    memset(&l, 0, sizeof(l));
    l.cb = cb;
    l.payload = payload;
    tby__buf_init(&l.text, 0);
    tby__buf_init(&l.grant_text, 0);
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (!rc)
        rc = ops(store)->users_scan(store->conn, name, lister_on_row, &l, err);
    if (!rc)
        rc = lister_flush(&l);
    tby_store__read_end(store, is_mine);
    if (rc == TBY_ENOMEM)
        tby__error(err, rc, -1, "out of memory");
    if (!rc && name && !l.count)
        rc = tby__error(err, TBY_ENOTFOUND, -1, "no user named \"%.63s\"", name);
    tby__buf_dispose(&l.text);
    tby__buf_dispose(&l.grant_text);
    tby__free(l.grants);
    tby__free(l.grant_offsets);
    return rc;
}

/* ===== Passwords ===== */

static char dummy_hash[TBY_STORE_PASSWORD_HASH_LEN]; /* a hash of a random password */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_make(void)
{
    char password[TBY_STORE_PASSWORD_GENERATED_LEN];
    tby_store_password_generate(password);
    if (tby_store_password_hash(dummy_hash, password, NULL))
        dummy_hash[0] = '\0'; /* out of memory: checks against it fail, as they must */
}

int tby_store_password_check(tby_store *store, const char *user, const char *password,
                             int64_t *user_id_out, bool *must_change_out, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && user != NULL && password != NULL);
    if (sodium_init() < 0)
        return tby__error(err, TBY_ERROR, -1, "libsodium failed to initialise");
    found_user found;
    memset(&found, 0, sizeof(found));
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (!rc)
        rc = user_find(store, user, &found, err);
    tby_store__read_end(store, is_mine);
    if (rc && rc != TBY_ENOTFOUND)
        return rc;
    /* An unknown user, or one without a password, is checked against a hash made for the
       purpose, so that the answer takes as long as for a wrong password. */
    bool is_real = !rc && found.password_hash[0];
    if (!is_real)
        pthread_once(&dummy_once, dummy_make);
    size_t len = strlen(password);
    int verified =
        len <= TBY_STORE_PASSWORD_MAX
            ? crypto_pwhash_str_verify(is_real ? found.password_hash : dummy_hash, password, len)
            : -1;
    sodium_memzero(found.password_hash, sizeof(found.password_hash));
    if (!is_real || verified != 0 || found.is_disabled)
        return tby__error(err, TBY_ENOTFOUND, -1, "unknown user or wrong password");
    if (user_id_out)
        *user_id_out = found.id;
    if (must_change_out)
        *must_change_out = found.must_change;
    return TBY_OK;
}

/* ===== Credentials ===== */

/* Tokens start with this, so that a leaked one is recognised (and scanners can find them). */
static const char token_prefix[] = "tby_";

static void secret_hash(uint8_t hash[TBY_STORE_HASH_LEN], const char *text, size_t len)
{
    tby_store__hash(hash, text, len);
}

/* Writes prefix + 32 random bytes in base64url (43 characters) into out, and its hash. */
static void secret_make(char out[TBY_STORE_SECRET_LEN], const char *prefix,
                        uint8_t hash[TBY_STORE_HASH_LEN])
{
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof(bytes));
    size_t prefix_len = strlen(prefix);
    memcpy(out, prefix, prefix_len);
    sodium_bin2base64(out + prefix_len, TBY_STORE_SECRET_LEN - prefix_len, bytes, sizeof(bytes),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(bytes, sizeof(bytes));
    secret_hash(hash, out, strlen(out));
}

/* The roles a user holds, distinct, in order. */
typedef struct user_roles {
    char names[5][TBY_STORE_NAME_LEN];
    size_t count;
} user_roles;

static int on_user_role(const tby_store__user_row *user, const char *role, const char *site,
                        void *payload)
{
    (void)user;
    (void)site;
    user_roles *roles = payload;
    if (!role || (roles->count && !strcmp(roles->names[roles->count - 1], role)))
        return 0;
    if (roles->count < sizeof(roles->names) / sizeof(roles->names[0]))
        snprintf(roles->names[roles->count++], TBY_STORE_NAME_LEN, "%s", role);
    return 0;
}

/* Picks the role a credential acts in: `role` when the user holds it, else the only one. */
static int role_pick(tby_store *store, const char *user, const char *role,
                     char out[TBY_STORE_NAME_LEN], tby_error *err)
{
    user_roles roles;
    memset(&roles, 0, sizeof(roles));
    int rc = ops(store)->users_scan(store->conn, user, on_user_role, &roles, err);
    if (rc)
        return rc;
    char held[128] = "";
    for (size_t i = 0, used = 0; i < roles.count && used < sizeof(held); i++)
        used += (size_t)snprintf(held + used, sizeof(held) - used, "%s%s", i ? ", " : "",
                                 roles.names[i]);
    if (role) {
        for (size_t i = 0; i < roles.count; i++) {
            if (!strcmp(roles.names[i], role)) {
                snprintf(out, TBY_STORE_NAME_LEN, "%s", role);
                return TBY_OK;
            }
        }
        tby__error(err, TBY_EINVALID, -1, "user %s does not hold role \"%.63s\" (holds: %s)", user,
                   role, roles.count ? held : "none");
        tby__error_field(err, "role");
        return TBY_EINVALID;
    }
    if (roles.count != 1) {
        tby__error(err, TBY_EINVALID, -1,
                   roles.count ? "user %s holds several roles (%s): say which one"
                               : "user %s holds no role%s",
                   user, roles.count ? held : "");
        tby__error_field(err, "role");
        return TBY_EINVALID;
    }
    snprintf(out, TBY_STORE_NAME_LEN, "%s", roles.names[0]);
    return TBY_OK;
}

static int on_grant_site(const char *site, void *payload)
{
    tby_store_principal *p = payload;
    if (!site) {
        p->all_sites = true;
    } else if (p->site_count < TBY_STORE_MAX_SITES) {
        snprintf(p->sites[p->site_count++], TBY_STORE_NAME_LEN, "%s", site);
    }
    return 0;
}

/* Fills the principal's sites from the grants of its role; TBY_ENOTFOUND when none. */
static int principal_sites(tby_store *store, tby_store_principal *p, tby_error *err)
{
    p->all_sites = false;
    p->site_count = 0;
    int rc = ops(store)->grants_scan(store->conn, p->user_id, p->role, on_grant_site, p, err);
    if (rc)
        return rc;
    if (p->all_sites)
        p->site_count = 0;
    else if (!p->site_count)
        return tby__error(err, TBY_ENOTFOUND, -1, "user %s no longer holds role %s", p->user,
                          p->role);
    return TBY_OK;
}

typedef struct found_credential {
    int64_t id;
    int64_t user_id;
    char user[TBY_STORE_NAME_LEN];
    char role[TBY_STORE_NAME_LEN];
    char expires_at[TBY_STORE__TIME_LEN]; /* "" when never */
    bool is_revoked;
} found_credential;

static int on_found_credential(const tby_store__credential_row *row, void *payload)
{
    found_credential *out = payload;
    out->id = row->id;
    out->user_id = row->user_id;
    snprintf(out->user, sizeof(out->user), "%s", row->user ? row->user : "");
    snprintf(out->role, sizeof(out->role), "%s", row->role ? row->role : "");
    snprintf(out->expires_at, sizeof(out->expires_at), "%s",
             row->expires_at ? row->expires_at : "");
    out->is_revoked = row->revoked_at != NULL;
    return 0;
}

static int credential_verify(tby_store *store, tby_store__credential_kind kind, const char *text,
                             size_t len, tby_store_principal *out, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && out != NULL && (text != NULL || len == 0));
    memset(out, 0, sizeof(*out));
    const char *what = kind == TBY_STORE__TOKEN ? "token" : "session";
    if (len == 0 || len >= TBY_STORE_SECRET_LEN)
        return tby__error(err, TBY_ENOTFOUND, -1, "no such %s", what);
    uint8_t hash[TBY_STORE_HASH_LEN];
    secret_hash(hash, text, len);
    found_credential found;
    memset(&found, 0, sizeof(found));
    found_user user;
    memset(&user, 0, sizeof(user));
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (!rc)
        rc = ops(store)->credential_find(store->conn, kind, hash, on_found_credential, &found, err);
    char now[TBY_STORE__TIME_LEN];
    tby_store__now(now);
    if (!rc && found.is_revoked)
        rc = tby__error(err, TBY_ENOTFOUND, -1, "the %s was revoked", what);
    if (!rc && found.expires_at[0] && strcmp(found.expires_at, now) <= 0)
        rc = tby__error(err, TBY_ENOTFOUND, -1, "the %s expired at %s", what, found.expires_at);
    if (!rc)
        rc = user_find(store, found.user, &user, err);
    sodium_memzero(user.password_hash, sizeof(user.password_hash));
    if (!rc && user.is_disabled)
        rc = tby__error(err, TBY_ENOTFOUND, -1, "user %s is disabled", found.user);
    if (!rc) {
        out->user_id = found.user_id;
        snprintf(out->user, sizeof(out->user), "%s", found.user);
        snprintf(out->role, sizeof(out->role), "%s", found.role);
        out->credential_id = found.id;
        out->expires_at_ms = found.expires_at[0] ? time_ms(found.expires_at) : 0;
        out->must_change_password = kind == TBY_STORE__SESSION && user.must_change;
        rc = principal_sites(store, out, err);
    }
    tby_store__read_end(store, is_mine);
    if (rc)
        memset(out, 0, sizeof(*out));
    return rc;
}

int tby_store_token_verify(tby_store *store, const char *token, size_t len,
                           tby_store_principal *out, tby_error *err)
{
    return credential_verify(store, TBY_STORE__TOKEN, token, len, out, err);
}

int tby_store_session_verify(tby_store *store, const char *id, size_t len, tby_store_principal *out,
                             tby_error *err)
{
    return credential_verify(store, TBY_STORE__SESSION, id, len, out, err);
}

static int credential_create(tby_store *store, tby_store__credential_kind kind, const char *user,
                             const char *role, const char *label, int64_t lifetime_seconds,
                             const char *actor, char text_out[TBY_STORE_SECRET_LEN],
                             int64_t *id_out, tby_store_principal *principal_out, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && user != NULL && text_out != NULL);
    text_out[0] = '\0';
    int rc = check_actor(actor, err);
    if (rc)
        return rc;
    if (label && (strlen(label) > 200 || tby__utf8_validate(label, strlen(label)) != strlen(label)))
        return bad(err, "label", "a label must be at most 200 bytes of UTF-8");
    if (lifetime_seconds < 0 || lifetime_seconds > (int64_t)100 * 366 * 86400 ||
        (kind == TBY_STORE__SESSION && lifetime_seconds == 0))
        return bad(err, "lifetime", "the lifetime is out of range");
    if (sodium_init() < 0)
        return tby__error(err, TBY_ERROR, -1, "libsodium failed to initialise");
    bool is_mine;
    if ((rc = write_begin(store, &is_mine, err)))
        return rc;
    found_user found;
    tby_store_principal principal;
    memset(&principal, 0, sizeof(principal));
    rc = user_find(store, user, &found, err);
    sodium_memzero(found.password_hash, sizeof(found.password_hash));
    if (!rc && found.is_disabled)
        rc = tby__error(err, TBY_ENOTFOUND, -1, "user %s is disabled", user);
    if (!rc)
        rc = role_pick(store, user, role, principal.role, err);
    if (!rc) {
        principal.user_id = found.id;
        snprintf(principal.user, sizeof(principal.user), "%s", user);
        principal.must_change_password = kind == TBY_STORE__SESSION && found.must_change;
        rc = principal_sites(store, &principal, err);
    }
    int64_t now = now_ms();
    char at[TBY_STORE__TIME_LEN], expires[TBY_STORE__TIME_LEN];
    time_text(at, now);
    if (lifetime_seconds) {
        principal.expires_at_ms = now + lifetime_seconds * 1000;
        time_text(expires, principal.expires_at_ms);
    }
    uint8_t hash[TBY_STORE_HASH_LEN];
    int64_t id = 0;
    if (!rc) {
        secret_make(text_out, kind == TBY_STORE__TOKEN ? token_prefix : "", hash);
        tby_store__credential_row row = {
            0, found.id, user, principal.role, label, at, lifetime_seconds ? expires : NULL, NULL};
        rc = ops(store)->credential_insert(store->conn, kind, &row, hash, &id, err);
    }
    if (!rc) {
        char object[96];
        json_t *detail = json_pack("{s:I, s:s, s:s?}", kind == TBY_STORE__TOKEN ? "id" : "session",
                                   (json_int_t)id, "role", principal.role, "expires_at",
                                   lifetime_seconds ? expires : NULL);
        if (kind == TBY_STORE__TOKEN) {
            snprintf(object, sizeof(object), "user:%s", user);
            if (detail && label)
                json_object_set_new(detail, "label", json_string(label));
            rc = audit(store, actor, "token.create", object, detail, err);
        } else {
            snprintf(object, sizeof(object), "user:%s", user);
            rc = audit(store, actor, "user.login", object, detail, err);
        }
    }
    rc = write_end(store, is_mine, rc, err);
    if (rc) {
        sodium_memzero(text_out, TBY_STORE_SECRET_LEN);
        return rc;
    }
    principal.credential_id = id;
    if (id_out)
        *id_out = id;
    if (principal_out)
        *principal_out = principal;
    return TBY_OK;
}

int tby_store_token_create(tby_store *store, const char *user, const char *role, const char *label,
                           int64_t lifetime_seconds, const char *actor,
                           char token_out[TBY_STORE_SECRET_LEN], int64_t *id_out, tby_error *err)
{
    return credential_create(store, TBY_STORE__TOKEN, user, role, label, lifetime_seconds, actor,
                             token_out, id_out, NULL, err);
}

int tby_store_session_create(tby_store *store, const char *user, const char *role,
                             int64_t lifetime_seconds, const char *actor,
                             char id_out[TBY_STORE_SECRET_LEN], tby_store_principal *principal_out,
                             tby_error *err)
{
    return credential_create(store, TBY_STORE__SESSION, user, role, NULL, lifetime_seconds, actor,
                             id_out, NULL, principal_out, err);
}

int tby_store_token_revoke(tby_store *store, int64_t token_id, const char *actor, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL);
    int rc = check_actor(actor, err);
    if (rc)
        return rc;
    bool is_mine;
    if ((rc = write_begin(store, &is_mine, err)))
        return rc;
    char at[TBY_STORE__TIME_LEN];
    tby_store__now(at);
    rc = ops(store)->credential_revoke(store->conn, TBY_STORE__TOKEN, token_id, at, err);
    if (!rc) {
        char object[64];
        snprintf(object, sizeof(object), "token:%lld", (long long)token_id);
        rc = audit(store, actor, "token.revoke", object, json_object(), err);
    }
    return write_end(store, is_mine, rc, err);
}

int tby_store_session_revoke(tby_store *store, const char *id, size_t len, const char *actor,
                             tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && (id != NULL || len == 0));
    int rc = check_actor(actor, err);
    if (rc)
        return rc;
    if (len == 0 || len >= TBY_STORE_SECRET_LEN)
        return tby__error(err, TBY_ENOTFOUND, -1, "no such session");
    uint8_t hash[TBY_STORE_HASH_LEN];
    secret_hash(hash, id, len);
    bool is_mine;
    if ((rc = write_begin(store, &is_mine, err)))
        return rc;
    found_credential found;
    memset(&found, 0, sizeof(found));
    char at[TBY_STORE__TIME_LEN];
    tby_store__now(at);
    rc = ops(store)->credential_find(store->conn, TBY_STORE__SESSION, hash, on_found_credential,
                                     &found, err);
    if (!rc)
        rc = ops(store)->credential_revoke(store->conn, TBY_STORE__SESSION, found.id, at, err);
    if (!rc) {
        char object[96];
        snprintf(object, sizeof(object), "user:%s", found.user);
        rc = audit(store, actor, "user.logout", object,
                   json_pack("{s:I}", "session", (json_int_t)found.id), err);
    }
    return write_end(store, is_mine, rc, err);
}

int tby_store_sessions_purge(tby_store *store, const char *actor, size_t *count_out, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL);
    if (count_out)
        *count_out = 0;
    int rc = check_actor(actor, err);
    if (rc)
        return rc;
    bool is_mine;
    if ((rc = write_begin(store, &is_mine, err)))
        return rc;
    char at[TBY_STORE__TIME_LEN];
    tby_store__now(at);
    size_t count = 0;
    rc = ops(store)->sessions_purge(store->conn, at, &count, err);
    /* Only a purge that removed something is worth an entry: the housekeeping runs often. */
    if (!rc && count)
        rc = audit(store, actor, "session.purge", "sessions",
                   json_pack("{s:I, s:s}", "sessions", (json_int_t)count, "ended_before", at), err);
    rc = write_end(store, is_mine, rc, err);
    if (!rc && count_out)
        *count_out = count;
    return rc;
}

typedef struct token_lister {
    tby_store_token_cb cb;
    void *payload;
} token_lister;

static int on_token_row(const tby_store__credential_row *row, void *payload)
{
    token_lister *l = payload;
    tby_store_token_info info = {row->id,        row->user,       row->role ? row->role : "",
                                 row->label,     row->created_at, row->expires_at,
                                 row->revoked_at};
    return l->cb(&info, l->payload);
}

int tby_store_token_foreach(tby_store *store, const char *user, tby_store_token_cb cb,
                            void *payload, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && cb != NULL);
    token_lister l = {cb, payload};
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (!rc)
        rc = ops(store)->tokens_scan(store->conn, user, on_token_row, &l, err);
    tby_store__read_end(store, is_mine);
    return rc;
}

/* ===== Registry facts ===== */

int tby_store_registry_site(tby_store *store, const char *record_id,
                            char site_out[TBY_STORE_NAME_LEN], bool *found_out, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && record_id != NULL && site_out != NULL && found_out != NULL);
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (!rc)
        rc = ops(store)->registry_site(store->conn, record_id, found_out, site_out,
                                       TBY_STORE_NAME_LEN, err);
    tby_store__read_end(store, is_mine);
    return rc;
}

int tby_store_registry_count_by_site(tby_store *store, tby_store_site_count_cb cb, void *payload,
                                     tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && cb != NULL);
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (!rc)
        rc = ops(store)->registry_counts(store->conn, cb, payload, err);
    tby_store__read_end(store, is_mine);
    return rc;
}
