// SPDX-License-Identifier: Apache-2.0
// Tests of people and access in the store (src/store/access.c): users with roles at sites,
// passwords (argon2id), tokens and sessions kept only as hashes, who a credential belongs to,
// revocation, expiry, disabling, and the audit entry of every change.
#define _POSIX_C_SOURCE 200809L
#include "harness/test.h"
#include "store/store_test.h"
#include "tabayyun/tby_store_access.h"

static tby_store *fresh(const char *name)
{
    char path[300];
    store_test_path(path, sizeof(path), name);
    store_test_remove_db(path);
    return store_test_open(path, true);
}

static long long audit_count(tby_store *store, const char *action);

typedef struct action_count {
    const char *action;
    long long count;
} action_count;

static int count_action(const tby_audit_entry *entry, void *payload)
{
    action_count *c = payload;
    c->count += !strcmp(entry->action, c->action);
    return 0;
}

static long long audit_count(tby_store *store, const char *action)
{
    action_count c = {action, 0};
    TEST_INT_EQ(tby_store_audit_foreach(store, 1, count_action, &c, NULL), 0);
    return c.count;
}

static void test_store_access__users_and_grants(void)
{
    tby_store *store = fresh("users.db");
    tby_error err;
    const tby_store_grant grants[] = {
        {"registrar", "camp-a"}, {"registrar", "camp-b"}, {"analyst", NULL}};
    tby_store_user_spec spec = {"amina", "Amina S.", grants, 3, NULL, NULL, false};
    int64_t id = 0;
    TEST_INT_EQ(tby_store_user_add(store, &spec, "test", &id, &err), 0);
    TEST_CHECK(id > 0);
    TEST_INT_EQ(tby_store_user_add(store, &spec, "test", NULL, &err), TBY_EEXISTS);
    TEST_STR_EQ(err.field, "name");

    /* Bad names, roles and sites name their field; nothing is stored. */
    const tby_store_grant bad_role[] = {{"reviewer", NULL}};
    const tby_store_grant bad_site[] = {{"admin", "a,b"}};
    tby_store_user_spec bad = {"omar", NULL, bad_role, 1, NULL, NULL, false};
    TEST_INT_EQ(tby_store_user_add(store, &bad, "test", NULL, &err), TBY_EINVALID);
    TEST_STR_EQ(err.field, "role");
    bad.grants = bad_site;
    TEST_INT_EQ(tby_store_user_add(store, &bad, "test", NULL, &err), TBY_EINVALID);
    TEST_STR_EQ(err.field, "site");
    bad.grants = grants;
    bad.name = "omar khalil";
    TEST_INT_EQ(tby_store_user_add(store, &bad, "test", NULL, &err), TBY_EINVALID);
    TEST_STR_EQ(err.field, "name");
    bad.name = "omar";
    bad.grant_count = 0;
    TEST_INT_EQ(tby_store_user_add(store, &bad, "test", NULL, &err), TBY_EINVALID);
    bad.grant_count = 1;
    bad.password = "short";
    TEST_INT_EQ(tby_store_user_add(store, &bad, "test", NULL, &err), TBY_EINVALID);
    TEST_STR_EQ(err.field, "password");
    TEST_INT_EQ(audit_count(store, "user.add"), 1);

    const tby_store_grant more = {"supervisor", "camp-c"};
    TEST_INT_EQ(tby_store_user_grant(store, "amina", &more, "test", &err), 0);
    TEST_INT_EQ(tby_store_user_grant(store, "amina", &more, "test", &err), TBY_EEXISTS);
    TEST_INT_EQ(tby_store_user_grant(store, "nobody", &more, "test", &err), TBY_ENOTFOUND);
    TEST_INT_EQ(audit_count(store, "user.grant"), 1);
    tby_store_close(store);
}

typedef struct user_seen {
    char names[8][64];
    size_t count;
    size_t grants_of_amina;
    bool amina_has_password;
    const char *first_site_of_amina;
} user_seen;

static int on_user(const tby_store_user_info *user, void *payload)
{
    user_seen *seen = payload;
    if (seen->count < 8)
        snprintf(seen->names[seen->count++], 64, "%s", user->name);
    if (!strcmp(user->name, "amina")) {
        seen->grants_of_amina = user->grant_count;
        seen->amina_has_password = user->has_password;
        /* Grants come by role, then site with "every site" first. */
        TEST_STR_EQ(user->grants[0].role, "analyst");
        TEST_CHECK(user->grants[0].site == NULL);
        TEST_STR_EQ(user->grants[1].role, "registrar");
        TEST_STR_EQ(user->grants[1].site, "camp-a");
    }
    return 0;
}

static void test_store_access__list_users(void)
{
    tby_store *store = fresh("list.db");
    const tby_store_grant grants[] = {
        {"registrar", "camp-b"}, {"registrar", "camp-a"}, {"analyst", NULL}};
    tby_store_user_spec spec = {"amina", NULL, grants, 3, "a long password", NULL, false};
    TEST_INT_EQ(tby_store_user_add(store, &spec, "test", NULL, NULL), 0);
    const tby_store_grant one[] = {{"auditor", NULL}};
    tby_store_user_spec sami = {"sami", NULL, one, 1, NULL, NULL, false};
    TEST_INT_EQ(tby_store_user_add(store, &sami, "test", NULL, NULL), 0);
    user_seen seen;
    memset(&seen, 0, sizeof(seen));
    TEST_INT_EQ(tby_store_user_foreach(store, NULL, on_user, &seen, NULL), 0);
    TEST_INT_EQ(seen.count, 2);
    TEST_STR_EQ(seen.names[0], "amina");
    TEST_STR_EQ(seen.names[1], "sami");
    TEST_INT_EQ(seen.grants_of_amina, 3);
    TEST_CHECK(seen.amina_has_password);
    memset(&seen, 0, sizeof(seen));
    TEST_INT_EQ(tby_store_user_foreach(store, "sami", on_user, &seen, NULL), 0);
    TEST_INT_EQ(seen.count, 1);
    tby_error err;
    TEST_INT_EQ(tby_store_user_foreach(store, "nobody", on_user, &seen, &err), TBY_ENOTFOUND);
    tby_store_close(store);
}

static void test_store_access__passwords(void)
{
    tby_store *store = fresh("passwords.db");
    tby_error err;
    const tby_store_grant grants[] = {{"admin", NULL}};
    char generated[TBY_STORE_PASSWORD_GENERATED_LEN];
    tby_store_password_generate(generated);
    TEST_INT_EQ(strlen(generated), 24);
    tby_store_user_spec spec = {"root", NULL, grants, 1, generated, NULL, true};
    TEST_INT_EQ(tby_store_user_add(store, &spec, "test", NULL, &err), 0);
    /* Only the argon2id hash is stored. */
    char path[300];
    store_test_path(path, sizeof(path), "passwords.db");
    TEST_CHECK(strncmp(store_test_sql_text(path, "SELECT password_hash FROM users"), "$argon2id$",
                       10) == 0);
    char query[200];
    snprintf(query, sizeof(query), "SELECT count(*) FROM users WHERE instr(password_hash, '%s')",
             generated);
    TEST_INT_EQ(store_test_sql_int(path, query), 0);

    int64_t id = 0;
    bool must_change = false;
    TEST_INT_EQ(tby_store_password_check(store, "root", generated, &id, &must_change, &err), 0);
    TEST_CHECK(id > 0);
    TEST_CHECK(must_change);
    TEST_INT_EQ(tby_store_password_check(store, "root", "wrong password", NULL, NULL, &err),
                TBY_ENOTFOUND);
    TEST_INT_EQ(tby_store_password_check(store, "nobody", generated, NULL, NULL, &err),
                TBY_ENOTFOUND);

    /* A new password from a hash made outside any transaction. */
    char hash[TBY_STORE_PASSWORD_HASH_LEN];
    TEST_INT_EQ(tby_store_password_hash(hash, "correct horse battery", &err), 0);
    TEST_INT_EQ(tby_store_user_set_password(store, "root", NULL, hash, false, "root", &err), 0);
    TEST_INT_EQ(tby_store_password_check(store, "root", generated, NULL, NULL, &err),
                TBY_ENOTFOUND);
    TEST_INT_EQ(
        tby_store_password_check(store, "root", "correct horse battery", NULL, &must_change, &err),
        0);
    TEST_CHECK(!must_change);
    TEST_INT_EQ(tby_store_user_set_password(store, "root", NULL, "plain", false, "root", &err),
                TBY_EINVALID);
    TEST_INT_EQ(audit_count(store, "user.password"), 1);

    /* A disabled user's password no longer works. */
    TEST_INT_EQ(tby_store_user_disable(store, "root", "test", &err), 0);
    TEST_INT_EQ(tby_store_user_disable(store, "root", "test", &err), TBY_EINVALID);
    TEST_INT_EQ(tby_store_password_check(store, "root", "correct horse battery", NULL, NULL, &err),
                TBY_ENOTFOUND);
    tby_store_close(store);
}

static void test_store_access__tokens(void)
{
    tby_store *store = fresh("tokens.db");
    char path[300];
    store_test_path(path, sizeof(path), "tokens.db");
    tby_error err;
    const tby_store_grant grants[] = {
        {"registrar", "camp-a"}, {"registrar", "camp-b"}, {"analyst", "camp-a"}};
    tby_store_user_spec spec = {"amina", NULL, grants, 3, NULL, NULL, false};
    TEST_INT_EQ(tby_store_user_add(store, &spec, "admin", NULL, &err), 0);

    char token[TBY_STORE_SECRET_LEN];
    int64_t id = 0;
    /* Two roles: the token must say which. */
    TEST_INT_EQ(tby_store_token_create(store, "amina", NULL, NULL, 0, "admin", token, &id, &err),
                TBY_EINVALID);
    TEST_STR_EQ(err.field, "role");
    TEST_INT_EQ(tby_store_token_create(store, "amina", "admin", NULL, 0, "admin", token, &id, &err),
                TBY_EINVALID);
    TEST_INT_EQ(tby_store_token_create(store, "nobody", NULL, NULL, 0, "admin", token, &id, &err),
                TBY_ENOTFOUND);
    TEST_INT_EQ(
        tby_store_token_create(store, "amina", "registrar", "desk 3", 0, "admin", token, &id, &err),
        0);
    TEST_CHECK(strncmp(token, "tby_", 4) == 0);
    TEST_INT_EQ(strlen(token), 4 + 43);
    /* The token is nowhere in the database; its hash is. */
    char query[400];
    snprintf(query, sizeof(query),
             "SELECT count(*) FROM api_tokens WHERE instr(quote(token_hash) || label || role, "
             "'%s') OR instr(quote(token_hash), upper(hex('%s')))",
             token + 4, token);
    TEST_INT_EQ(store_test_sql_int(path, query), 0);
    TEST_INT_EQ(store_test_sql_int(path, "SELECT length(token_hash) FROM api_tokens"), 32);

    tby_store_principal who;
    TEST_INT_EQ(tby_store_token_verify(store, token, strlen(token), &who, &err), 0);
    TEST_STR_EQ(who.user, "amina");
    TEST_STR_EQ(who.role, "registrar");
    TEST_CHECK(!who.all_sites);
    TEST_INT_EQ(who.site_count, 2);
    TEST_STR_EQ(who.sites[0], "camp-a");
    TEST_STR_EQ(who.sites[1], "camp-b");
    TEST_INT_EQ(who.credential_id, id);
    TEST_INT_EQ(who.expires_at_ms, 0);
    /* A prefix, a changed character, a session lookup of a token: unknown. */
    TEST_INT_EQ(tby_store_token_verify(store, token, strlen(token) - 1, &who, &err), TBY_ENOTFOUND);
    char changed[TBY_STORE_SECRET_LEN];
    snprintf(changed, sizeof(changed), "%s", token);
    changed[10] = changed[10] == 'A' ? 'B' : 'A';
    TEST_INT_EQ(tby_store_token_verify(store, changed, strlen(changed), &who, &err), TBY_ENOTFOUND);
    TEST_INT_EQ(tby_store_session_verify(store, token, strlen(token), &who, &err), TBY_ENOTFOUND);

    /* A second token, then a revoke of the first: only the second works. */
    char second[TBY_STORE_SECRET_LEN];
    int64_t second_id = 0;
    TEST_INT_EQ(tby_store_token_create(store, "amina", "analyst", NULL, 3600, "admin", second,
                                       &second_id, &err),
                0);
    TEST_CHECK(strcmp(token, second) != 0);
    TEST_INT_EQ(tby_store_token_verify(store, second, strlen(second), &who, &err), 0);
    TEST_STR_EQ(who.role, "analyst");
    TEST_INT_EQ(who.site_count, 1);
    TEST_CHECK(who.expires_at_ms > 0);
    TEST_INT_EQ(tby_store_token_revoke(store, id, "admin", &err), 0);
    TEST_INT_EQ(tby_store_token_revoke(store, id, "admin", &err), TBY_ENOTFOUND);
    TEST_INT_EQ(tby_store_token_verify(store, token, strlen(token), &who, &err), TBY_ENOTFOUND);
    TEST_INT_EQ(tby_store_token_verify(store, second, strlen(second), &who, &err), 0);

    /* An expired token (its expiry moved into the past behind tabayyun's back). */
    store_test_sql(path, "UPDATE api_tokens SET expires_at = '2000-01-01T00:00:00.000Z' "
                         "WHERE expires_at IS NOT NULL");
    TEST_INT_EQ(tby_store_token_verify(store, second, strlen(second), &who, &err), TBY_ENOTFOUND);
    TEST_CHECK(strstr(err.message, "expired") != NULL);

    TEST_INT_EQ(audit_count(store, "token.create"), 2);
    TEST_INT_EQ(audit_count(store, "token.revoke"), 1);
    tby_audit_report report;
    TEST_INT_EQ(tby_store_audit_verify(store, &report, NULL), 0);
    tby_store_close(store);
}

static void test_store_access__sessions_and_disable(void)
{
    tby_store *store = fresh("sessions.db");
    tby_error err;
    const tby_store_grant grants[] = {{"admin", NULL}};
    tby_store_user_spec spec = {"root", NULL, grants, 1, NULL, NULL, true};
    TEST_INT_EQ(tby_store_user_add(store, &spec, "test", NULL, &err), 0);
    char session[TBY_STORE_SECRET_LEN], token[TBY_STORE_SECRET_LEN];
    tby_store_principal who;
    TEST_INT_EQ(tby_store_session_create(store, "root", NULL, 0, "root", session, &who, &err),
                TBY_EINVALID); /* a session must expire */
    TEST_INT_EQ(tby_store_session_create(store, "root", NULL, 3600, "root", session, &who, &err),
                0);
    TEST_CHECK(who.all_sites);
    TEST_CHECK(who.must_change_password);
    TEST_INT_EQ(tby_store_token_create(store, "root", NULL, NULL, 0, "test", token, NULL, &err), 0);
    TEST_INT_EQ(tby_store_session_verify(store, session, strlen(session), &who, &err), 0);
    TEST_STR_EQ(who.role, "admin");
    TEST_CHECK(who.must_change_password);
    TEST_INT_EQ(tby_store_token_verify(store, token, strlen(token), &who, &err), 0);
    TEST_CHECK(!who.must_change_password); /* an admin made the token */

    TEST_INT_EQ(tby_store_session_revoke(store, session, strlen(session), "root", &err), 0);
    TEST_INT_EQ(tby_store_session_revoke(store, session, strlen(session), "root", &err),
                TBY_ENOTFOUND);
    TEST_INT_EQ(tby_store_session_verify(store, session, strlen(session), &who, &err),
                TBY_ENOTFOUND);
    TEST_INT_EQ(audit_count(store, "user.login"), 1);
    TEST_INT_EQ(audit_count(store, "user.logout"), 1);

    /* Disabling ends every credential. */
    TEST_INT_EQ(tby_store_session_create(store, "root", NULL, 3600, "root", session, NULL, &err),
                0);
    TEST_INT_EQ(tby_store_user_disable(store, "root", "test", &err), 0);
    TEST_INT_EQ(tby_store_token_verify(store, token, strlen(token), &who, &err), TBY_ENOTFOUND);
    TEST_INT_EQ(tby_store_session_verify(store, session, strlen(session), &who, &err),
                TBY_ENOTFOUND);
    TEST_INT_EQ(tby_store_token_create(store, "root", NULL, NULL, 0, "test", token, NULL, &err),
                TBY_ENOTFOUND);

    /* Changes inside a caller's transaction land with it, or not at all. */
    const tby_store_grant analyst[] = {{"analyst", "camp-a"}};
    tby_store_user_spec omar = {"omar", NULL, analyst, 1, NULL, NULL, false};
    TEST_INT_EQ(tby_store_begin(store, &err), 0);
    TEST_INT_EQ(tby_store_user_add(store, &omar, "test", NULL, &err), 0);
    tby_store_rollback(store);
    TEST_INT_EQ(tby_store_user_foreach(store, "omar", on_user, NULL, &err), TBY_ENOTFOUND);
    tby_audit_report report;
    TEST_INT_EQ(tby_store_audit_verify(store, &report, NULL), 0);
    tby_store_close(store);
}

static int on_count(const char *site, int64_t records, void *payload)
{
    char *out = payload;
    size_t used = strlen(out);
    snprintf(out + used, 256 - used, "%s=%lld;", site ? site : "-", (long long)records);
    return 0;
}

static void test_store_access__registry_facts(void)
{
    tby_store *store = fresh("registry.db");
    tby_error err;
    TEST_INT_EQ(store_test_registry(store,
                                    "id,name,site\nR1,Omar Khalil,camp-a\nR2,Ali Hasan,camp-b\n"
                                    "R3,Yasin Taha,camp-a\nR4,Fatima Noor,\n",
                                    NULL, true, NULL, &err),
                0);
    char site[TBY_STORE_NAME_LEN];
    bool found = false;
    TEST_INT_EQ(tby_store_registry_site(store, "R2", site, &found, &err), 0);
    TEST_CHECK(found);
    TEST_STR_EQ(site, "camp-b");
    TEST_INT_EQ(tby_store_registry_site(store, "R4", site, &found, &err), 0);
    TEST_CHECK(found);
    TEST_STR_EQ(site, "");
    TEST_INT_EQ(tby_store_registry_site(store, "R9", site, &found, &err), 0);
    TEST_CHECK(!found);
    char counts[256] = "";
    TEST_INT_EQ(tby_store_registry_count_by_site(store, on_count, counts, &err), 0);
    TEST_STR_EQ(counts, "-=1;camp-a=2;camp-b=1;");
    tby_store_close(store);
}

/* Ended sessions are deleted by the housekeeping's purge; live ones and tokens stay. */
static void test_store_access__sessions_purge(void)
{
    char path[300];
    store_test_path(path, sizeof(path), "purge.db");
    store_test_remove_db(path);
    tby_store *store = store_test_open(path, true);
    tby_error err;
    const tby_store_grant grants[] = {{"analyst", NULL}};
    tby_store_user_spec spec = {"amal", NULL, grants, 1, NULL, NULL, false};
    TEST_INT_EQ(tby_store_user_add(store, &spec, "test", NULL, &err), 0);
    char live[TBY_STORE_SECRET_LEN], ended[TBY_STORE_SECRET_LEN], old[TBY_STORE_SECRET_LEN];
    tby_store_principal who;
    TEST_INT_EQ(tby_store_session_create(store, "amal", NULL, 3600, "amal", live, NULL, &err), 0);
    TEST_INT_EQ(tby_store_session_create(store, "amal", NULL, 3600, "amal", ended, NULL, &err), 0);
    TEST_INT_EQ(tby_store_session_create(store, "amal", NULL, 3600, "amal", old, &who, &err), 0);
    TEST_INT_EQ(tby_store_session_revoke(store, ended, strlen(ended), "amal", &err), 0);
    char sql[160];
    snprintf(sql, sizeof(sql),
             "UPDATE sessions SET expires_at = '2001-01-01T00:00:00.000Z' WHERE id = %lld",
             (long long)who.credential_id);
    store_test_sql(path, sql);
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM sessions"), 3);
    size_t count = 0;
    TEST_INT_EQ(tby_store_sessions_purge(store, NULL, &count, &err), TBY_EINVALID);
    TEST_INT_EQ(tby_store_sessions_purge(store, "housekeeping", &count, &err), 0);
    TEST_INT_EQ(count, 2);
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM sessions"), 1);
    TEST_INT_EQ(tby_store_session_verify(store, live, strlen(live), &who, &err), 0);
    TEST_INT_EQ(audit_count(store, "session.purge"), 1);
    /* Nothing left to purge: nothing written. */
    TEST_INT_EQ(tby_store_sessions_purge(store, "housekeeping", &count, &err), 0);
    TEST_INT_EQ(count, 0);
    TEST_INT_EQ(audit_count(store, "session.purge"), 1);
    tby_audit_report report;
    TEST_INT_EQ(tby_store_audit_verify(store, &report, NULL), 0);
    tby_store_close(store);
}

/* With TBY_STORE_BACKGROUND_CHECKPOINT a commit leaves the WAL to tby_store_checkpoint, which
   copies all of it when no reader holds an old snapshot. */
static void test_store_access__background_checkpoint(void)
{
    char path[300];
    store_test_path(path, sizeof(path), "checkpoint.db");
    store_test_remove_db(path);
    tby_store_options opts = TBY_STORE_OPTIONS_INIT;
    opts.flags = TBY_STORE_CREATE | TBY_STORE_BACKGROUND_CHECKPOINT;
    tby_store *store = NULL;
    tby_error err;
    TEST_INT_EQ(tby_store_open(&store, path, &opts, &err), 0);
    if (!store)
        return;
    /* More than SQLite's own threshold of 1000 pages, in commits of a few pages each. */
    for (int i = 0; i < 400; i++) {
        char name[32];
        snprintf(name, sizeof(name), "user-%d", i);
        const tby_store_grant grants[] = {{"auditor", NULL}};
        tby_store_user_spec spec = {
            name, "a display name that takes some room on the page", grants, 1, NULL, NULL, false};
        TEST_INT_EQ(tby_store_user_add(store, &spec, "test", NULL, &err), 0);
    }
    tby_store_checkpoint_info info;
    TEST_INT_EQ(tby_store_checkpoint(store, &info, &err), 0);
    TEST_CHECK(info.wal_pages > 1000); /* no commit checkpointed */
    TEST_INT_EQ(info.moved_pages, info.wal_pages);
    TEST_INT_EQ(tby_store_begin(store, &err), 0);
    TEST_INT_EQ(tby_store_checkpoint(store, &info, &err), TBY_EINVALID);
    tby_store_rollback(store);
    tby_store_close(store);
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM users"), 400);
}

TEST_LIST = {
    TEST(test_store_access__users_and_grants),
    TEST(test_store_access__list_users),
    TEST(test_store_access__passwords),
    TEST(test_store_access__tokens),
    TEST(test_store_access__sessions_and_disable),
    TEST(test_store_access__registry_facts),
    TEST(test_store_access__sessions_purge),
    TEST(test_store_access__background_checkpoint),
    TEST_END,
};

TEST_MAIN()
