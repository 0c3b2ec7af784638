// SPDX-License-Identifier: Apache-2.0
// The development auth provider (server.h, tby_server_auth_dev): principals from a tokens
// file or one --dev-token, audit events as JSON Lines in a file. It exists so that the server
// can be run and tested before the store; the store-backed provider replaces it with users,
// argon2id passwords, hashed API tokens, sessions and the hash-chained audit log. Tokens are
// kept in memory as given and compared in constant time; nothing is rate limited.
#include <jansson.h>
#include <string.h>

#include "server/server_int.h"

#define DEV_TOKEN_MIN 16  /* bytes: shorter tokens are guessable */
#define DEV_TOKEN_MAX 256 /* bytes */

typedef struct dev_entry {
    char *token; /* owned, NUL-terminated */
    size_t len;
    tby_server_principal principal;
} dev_entry;

typedef struct dev_auth {
    dev_entry *entries;
    size_t count, cap;
    FILE *audit;                /* NULL: events only counted */
    pthread_mutex_t audit_lock; /* one line at a time */
} dev_auth;

static void dev_free(void *ctx)
{
    dev_auth *auth = ctx;
    if (!auth)
        return;
    for (size_t i = 0; i < auth->count; i++)
        tby__free(auth->entries[i].token);
    tby__free(auth->entries);
    if (auth->audit)
        fclose(auth->audit);
    pthread_mutex_destroy(&auth->audit_lock);
    tby__free(auth);
}

/* Equal in time independent of where the first difference is. */
static bool same_secret(const char *a, const char *b, size_t len)
{
    volatile unsigned char diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static int dev_authenticate(void *ctx, const tby_server_credential *credential,
                            tby_server_principal *out, tby_error *err)
{
    (void)err;
    const dev_auth *auth = ctx;
    if (credential->kind != TBY_CREDENTIAL_BEARER)
        return TBY_ENOTFOUND; /* sessions come with the store */
    const dev_entry *found = NULL;
    for (size_t i = 0; i < auth->count; i++) {
        const dev_entry *e = &auth->entries[i];
        if (e->len == credential->len && same_secret(e->token, credential->value, e->len))
            found = e;
    }
    if (!found)
        return TBY_ENOTFOUND;
    *out = found->principal;
    return 0;
}

static int dev_audit(void *ctx, const tby_server_audit_event *event, tby_error *err)
{
    dev_auth *auth = ctx;
    if (!auth->audit)
        return 0;
    json_t *line = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:i, s:s?}",
                             "time_ms", (json_int_t)event->time_ms, "user", event->who->user,
                             "role", tby_server_role_name(event->who->role), "action",
                             event->action, "method", event->method, "path", event->path, "subject",
                             event->subject, "site", event->site, "purpose", event->purpose,
                             "status", event->status, "outcome", event->outcome);
    if (!line)
        return tby__error(err, TBY_ENOMEM, -1,
                          "out of memory (or an event field that is not "
                          "UTF-8)");
    pthread_mutex_lock(&auth->audit_lock);
    int rc = json_dumpf(line, auth->audit, JSON_COMPACT);
    rc |= fputc('\n', auth->audit) == EOF;
    rc |= fflush(auth->audit);
    pthread_mutex_unlock(&auth->audit_lock);
    json_decref(line);
    return rc ? tby__error(err, TBY_EIO, -1, "cannot write the audit log") : 0;
}

static int dev_add(dev_auth *auth, const char *token, size_t len,
                   const tby_server_principal *principal, tby_error *err)
{
    if (auth->count == auth->cap) {
        size_t cap = auth->cap ? auth->cap * 2 : 8;
        dev_entry *grown = tby__realloc(auth->entries, cap * sizeof(*grown));
        if (!grown)
            return tby__error(err, TBY_ENOMEM, -1, "out of memory");
        auth->entries = grown;
        auth->cap = cap;
    }
    dev_entry *e = &auth->entries[auth->count];
    e->token = tby__strndup(token, len);
    if (!e->token)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    e->len = len;
    e->principal = *principal;
    auth->count++;
    return 0;
}

/* Splits the next blank-separated word off *p; false at the end of the line. */
static bool next_word(const char **p, const char **word, size_t *len)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s || *s == '\n' || *s == '\r' || *s == '#')
        return false;
    *word = s;
    while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
        s++;
    *len = (size_t)(s - *word);
    *p = s;
    return true;
}

/* Reads "site,site" or "*" into the principal. */
static int parse_sites(tby_server_principal *principal, const char *s, size_t len, const char *path,
                       int line, tby_error *err)
{
    if (len == 1 && s[0] == '*') {
        principal->all_sites = true;
        return 0;
    }
    const char *end = s + len;
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        size_t n = (size_t)((comma ? comma : end) - s);
        if (n == 0 || n >= TBY_SERVER_SITE_LEN || principal->site_count == TBY_SERVER_MAX_SITES) {
            tby__error(err, TBY_EINVALID, -1,
                       "%s:%d: sites must be \"*\" or up to %d comma-separated ids of 1..%d bytes",
                       path, line, TBY_SERVER_MAX_SITES, TBY_SERVER_SITE_LEN - 1);
            tby__error_field(err, "sites");
            return TBY_EINVALID;
        }
        memcpy(principal->sites[principal->site_count], s, n);
        principal->sites[principal->site_count][n] = '\0';
        principal->site_count++;
        s += n + (comma ? 1 : 0);
    }
    return 0;
}

static int bad_line(tby_error *err, const char *path, int line, const char *field, const char *what)
{
    tby__error(err, TBY_EINVALID, -1, "%s:%d: %s", path, line, what);
    tby__error_field(err, field);
    if (err)
        err->line = line;
    return TBY_EINVALID;
}

static int load_tokens(dev_auth *auth, const char *path, tby_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return tby__error(err, TBY_ENOTFOUND, -1, "cannot open tokens file %s", path);
    char text[1024];
    int line = 0, rc = 0;
    while (!rc && fgets(text, sizeof(text), f)) {
        line++;
        if (!strchr(text, '\n') && !feof(f)) {
            rc = bad_line(err, path, line, "", "line longer than 1023 bytes");
            break;
        }
        const char *p = text, *token, *user, *role, *sites;
        size_t token_len, user_len, role_len, sites_len;
        if (!next_word(&p, &token, &token_len))
            continue; /* blank or comment */
        if (!next_word(&p, &user, &user_len) || !next_word(&p, &role, &role_len) ||
            !next_word(&p, &sites, &sites_len)) {
            rc = bad_line(err, path, line, "", "expected: token user role sites");
            break;
        }
        const char *extra;
        size_t extra_len;
        if (next_word(&p, &extra, &extra_len)) {
            rc = bad_line(err, path, line, "", "more than four words (token user role sites)");
            break;
        }
        if (token_len < DEV_TOKEN_MIN || token_len > DEV_TOKEN_MAX) {
            rc = bad_line(err, path, line, "token", "a token must be 16..256 bytes");
            break;
        }
        tby_server_principal principal;
        memset(&principal, 0, sizeof(principal));
        if (user_len >= TBY_SERVER_USER_LEN) {
            rc = bad_line(err, path, line, "user", "a user name must be 1..63 bytes");
            break;
        }
        memcpy(principal.user, user, user_len);
        principal.role = tby_server_role_lookup(role, role_len);
        if (principal.role == TBY_ROLE_NONE) {
            rc = bad_line(err, path, line, "role",
                          "role must be registrar, analyst, supervisor, auditor or admin");
            break;
        }
        if ((rc = parse_sites(&principal, sites, sites_len, path, line, err)))
            break;
        for (size_t i = 0; i < auth->count && !rc; i++) {
            if (auth->entries[i].len == token_len &&
                memcmp(auth->entries[i].token, token, token_len) == 0)
                rc = bad_line(err, path, line, "token", "the same token appears twice");
        }
        if (!rc)
            rc = dev_add(auth, token, token_len, &principal, err);
    }
    if (!rc && ferror(f))
        rc = tby__error(err, TBY_EIO, -1, "cannot read tokens file %s", path);
    fclose(f);
    return rc;
}

int tby_server_auth_dev(tby_server_auth *out, const char *tokens_path, const char *dev_token,
                        const char *audit_path, tby_error *err)
{
    memset(out, 0, sizeof(*out));
    dev_auth *auth = tby__calloc(1, sizeof(*auth));
    if (!auth)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    pthread_mutex_init(&auth->audit_lock, NULL);
    int rc = 0;
    if (tokens_path && (rc = load_tokens(auth, tokens_path, err)))
        goto fail;
    if (dev_token) {
        size_t len = strlen(dev_token);
        if (len < DEV_TOKEN_MIN || len > DEV_TOKEN_MAX) {
            rc = tby__error(err, TBY_EINVALID, -1, "the dev token must be 16..256 bytes");
            tby__error_field(err, "dev-token");
            goto fail;
        }
        tby_server_principal admin;
        memset(&admin, 0, sizeof(admin));
        snprintf(admin.user, sizeof(admin.user), "dev");
        admin.role = TBY_ROLE_ADMIN;
        admin.all_sites = true;
        if ((rc = dev_add(auth, dev_token, len, &admin, err)))
            goto fail;
    }
    if (audit_path) {
        auth->audit = fopen(audit_path, "a");
        if (!auth->audit) {
            rc = tby__error(err, TBY_EIO, -1, "cannot open audit log %s for appending", audit_path);
            goto fail;
        }
    }
    out->authenticate = dev_authenticate;
    out->audit = dev_audit;
    out->free = dev_free;
    out->ctx = auth;
    return 0;
fail:
    dev_free(auth);
    return rc;
}
