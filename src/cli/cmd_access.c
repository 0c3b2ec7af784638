// SPDX-License-Identifier: Apache-2.0
// `tabayyun user` and `tabayyun token`: the people who use the server and their credentials,
// kept in the store (tby_store_access.h). This is how the first admin is made:
//
//   tabayyun user add --db F --name amal --role admin            (prints a one-time password)
//   tabayyun token create --db F --user amal                     (prints the token, once)
//
// Every change is written to the audit log with the actor: --as NAME, else $TABAYYUN_USER,
// else cli:LOGIN.
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "tabayyun/tby_store_access.h"

#define ACCESS_MAX_GRANTS 64

typedef struct access_args {
    const char *db, *name, *user, *as, *display_name, *label, *role;
    int64_t id, expires_days;
    bool password_stdin, json;
    tby_store_grant grants[ACCESS_MAX_GRANTS];
    size_t grant_count;
    char grant_text[ACCESS_MAX_GRANTS][256]; /* the --role values, split in place */
} access_args;

/* Reads "ROLE" or "ROLE:SITE,SITE" into grants (one per site; none: every site). */
static int parse_role(access_args *a, const char *value)
{
    char *text = a->grant_text[a->grant_count < ACCESS_MAX_GRANTS ? a->grant_count : 0];
    if (a->grant_count >= ACCESS_MAX_GRANTS || strlen(value) >= sizeof(a->grant_text[0])) {
        fprintf(stderr, "tabayyun: too many or too long --role values\n");
        return CLI_USAGE;
    }
    snprintf(text, sizeof(a->grant_text[0]), "%s", value);
    char *colon = strchr(text, ':');
    if (colon)
        *colon = '\0';
    if (!tby_store_role_valid(text)) {
        fprintf(stderr,
                "tabayyun: --role must be ROLE or ROLE:SITE,SITE with ROLE one of %s, not "
                "'%s'\n",
                TBY_STORE_ROLE_NAMES, value);
        return CLI_USAGE;
    }
    if (!colon) {
        a->grants[a->grant_count++] = (tby_store_grant){text, NULL};
        return CLI_OK;
    }
    for (char *site = colon + 1; site;) {
        char *comma = strchr(site, ',');
        if (comma)
            *comma = '\0';
        if (!*site || a->grant_count >= ACCESS_MAX_GRANTS) {
            fprintf(stderr, "tabayyun: --role %s: an empty site, or too many\n", value);
            return CLI_USAGE;
        }
        a->grants[a->grant_count++] = (tby_store_grant){text, site};
        site = comma ? comma + 1 : NULL;
    }
    return CLI_OK;
}

static int parse_number(const char *opt, const char *value, int64_t *out)
{
    char *end;
    long long n = strtoll(value, &end, 10);
    if (!*value || *end || n < 1) {
        fprintf(stderr, "tabayyun: %s must be a number from 1, not '%s'\n", opt, value);
        return CLI_USAGE;
    }
    *out = n;
    return CLI_OK;
}

/* Parses the options of `command`; `allowed` lists the ones it takes. */
static int parse_access_args(access_args *a, const char *command, const char *const *allowed,
                             int argc, char **argv)
{
    memset(a, 0, sizeof(*a));
    for (int i = 2; i < argc; i++) {
        const char *opt = argv[i];
        bool known = false;
        for (const char *const *o = allowed; *o && !known; o++)
            known = !strcmp(*o, opt);
        if (!known) {
            fprintf(stderr, "tabayyun: %s: unknown option '%s' (see tabayyun %s --help)\n", command,
                    opt, command);
            return CLI_USAGE;
        }
        if (!strcmp(opt, "--password-stdin")) {
            a->password_stdin = true;
            continue;
        }
        if (!strcmp(opt, "--json")) {
            a->json = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "tabayyun: %s needs a value\n", opt);
            return CLI_USAGE;
        }
        const char *value = argv[++i];
        int rc = CLI_OK;
        if (!strcmp(opt, "--db"))
            a->db = value;
        else if (!strcmp(opt, "--name"))
            a->name = value;
        else if (!strcmp(opt, "--user"))
            a->user = value;
        else if (!strcmp(opt, "--as"))
            a->as = value;
        else if (!strcmp(opt, "--display-name"))
            a->display_name = value;
        else if (!strcmp(opt, "--label"))
            a->label = value;
        else if (!strcmp(opt, "--role") && !strcmp(command, "token create"))
            a->role = value;
        else if (!strcmp(opt, "--role"))
            rc = parse_role(a, value);
        else if (!strcmp(opt, "--id"))
            rc = parse_number(opt, value, &a->id);
        else if (!strcmp(opt, "--expires-days"))
            rc = parse_number(opt, value, &a->expires_days);
        if (rc)
            return rc;
    }
    if (!a->db) {
        fprintf(stderr, "tabayyun: %s needs --db FILE\n", command);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* Reads a password from the first line of standard input. */
static int read_password(char *out, size_t size)
{
    if (!fgets(out, (int)size, stdin)) {
        fprintf(stderr, "tabayyun: --password-stdin: nothing on standard input\n");
        return CLI_BADINPUT;
    }
    size_t len = strlen(out);
    if (len && out[len - 1] != '\n' && !feof(stdin)) {
        fprintf(stderr, "tabayyun: --password-stdin: the password is longer than %d bytes\n",
                TBY_STORE_PASSWORD_MAX);
        return CLI_BADINPUT;
    }
    while (len && (out[len - 1] == '\n' || out[len - 1] == '\r'))
        out[--len] = '\0';
    return CLI_OK;
}

/* ===== user ===== */

static const char user_help[] =
    "usage: tabayyun user add --db FILE --name NAME --role ROLE[:SITE,SITE] [--role ...]\n"
    "                         [--display-name TEXT] [--password-stdin] [--as ACTOR]\n"
    "       tabayyun user list --db FILE [--json]\n"
    "       tabayyun user grant --db FILE --name NAME --role ROLE[:SITE,SITE] [--as ACTOR]\n"
    "       tabayyun user password --db FILE --name NAME [--password-stdin] [--as ACTOR]\n"
    "       tabayyun user disable --db FILE --name NAME [--as ACTOR]\n"
    "\n"
    "The people who use the server (tabayyun serve --db), with their roles: registrar,\n"
    "analyst, supervisor, auditor, admin. A role holds at the sites given after ':' (a user\n"
    "scoped to sites sees and submits only theirs), or at every site without them.\n"
    "\n"
    "  add       adds a user. Without --password-stdin a one-time password is made and\n"
    "            printed: the user's first login may only change it (POST /v1/password).\n"
    "  list      users with their roles and sites\n"
    "  grant     one more role for a user\n"
    "  password  a new password: from standard input, else a printed one-time password\n"
    "  disable   the user's tokens and sessions stop working\n"
    "\n"
    "  --as ACTOR  who makes the change, for the audit log (default: $TABAYYUN_USER, else\n"
    "              cli:LOGIN)\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 bad input (no such user, a name taken, a bad role), 3 internal\n"
    "or I/O error\n";

static int user_add(int argc, char **argv, bool is_grant)
{
    static const char *const add_opts[] = {"--db", "--name",           "--role", "--display-name",
                                           "--as", "--password-stdin", NULL};
    static const char *const grant_opts[] = {"--db", "--name", "--role", "--as", NULL};
    access_args a;
    int rc = parse_access_args(&a, is_grant ? "user grant" : "user add",
                               is_grant ? grant_opts : add_opts, argc, argv);
    if (rc)
        return rc;
    if (!a.name || !a.grant_count) {
        fprintf(stderr, "tabayyun: user %s needs --name and --role\n", is_grant ? "grant" : "add");
        return CLI_USAGE;
    }
    char password[TBY_STORE_PASSWORD_MAX + 2];
    bool is_generated = !a.password_stdin;
    if (a.password_stdin && (rc = read_password(password, sizeof(password))))
        return rc;
    if (is_generated)
        tby_store_password_generate(password);
    tby_store *store = NULL;
    if ((rc = cli_store_open(&store, a.db, NULL, false)))
        return rc;
    char actor_buf[128];
    const char *who = cli_actor(a.as, actor_buf, sizeof(actor_buf));
    tby_error err;
    tby_error_clear(&err);
    if (is_grant) {
        rc = tby_store_begin(store, &err);
        for (size_t i = 0; !rc && i < a.grant_count; i++)
            rc = tby_store_user_grant(store, a.name, &a.grants[i], who, &err);
        if (!rc)
            rc = tby_store_commit(store, &err);
        else
            tby_store_rollback(store);
    } else {
        tby_store_user_spec spec = {a.name,   a.display_name, a.grants,    a.grant_count,
                                    password, NULL,           is_generated};
        rc = tby_store_user_add(store, &spec, who, NULL, &err);
    }
    tby_store_close(store);
    if (rc) {
        memset(password, 0, sizeof(password));
        return cli_store_fail(a.name, rc, &err);
    }
    if (is_grant) {
        printf("user %s: %zu grant(s) added\n", a.name, a.grant_count);
    } else if (is_generated) {
        printf("user %s added; one-time password (shown once; the first login must change it):\n"
               "%s\n",
               a.name, password);
    } else {
        printf("user %s added\n", a.name);
    }
    memset(password, 0, sizeof(password));
    return CLI_OK;
}

static int print_user(const tby_store_user_info *u, void *payload)
{
    const access_args *a = payload;
    if (a->json) {
        json_t *grants = json_array();
        for (size_t i = 0; i < u->grant_count; i++)
            json_array_append_new(grants, json_pack("{s:s, s:s?}", "role", u->grants[i].role,
                                                    "site", u->grants[i].site));
        json_t *o = json_pack("{s:s, s:s?, s:s, s:s?, s:b, s:b, s:o}", "name", u->name,
                              "display_name", u->display_name, "created_at", u->created_at,
                              "disabled_at", u->disabled_at, "has_password", u->has_password,
                              "must_change_password", u->must_change_password, "grants", grants);
        json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(o);
        return 0;
    }
    printf("%-20s %s%s", u->name, u->disabled_at ? "disabled " : "",
           u->must_change_password ? "(one-time password) " : "");
    for (size_t i = 0; i < u->grant_count; i++) {
        bool same_role = i && !strcmp(u->grants[i - 1].role, u->grants[i].role);
        printf("%s%s", same_role ? "," : (i ? "  " : ""), same_role ? "" : u->grants[i].role);
        if (u->grants[i].site)
            printf("%s%s", same_role ? "" : ":", u->grants[i].site);
    }
    putchar('\n');
    return 0;
}

static int user_list(int argc, char **argv)
{
    static const char *const opts[] = {"--db", "--json", NULL};
    access_args a;
    int rc = parse_access_args(&a, "user list", opts, argc, argv);
    tby_store *store = NULL;
    if (rc || (rc = cli_store_open(&store, a.db, NULL, false)))
        return rc;
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_user_foreach(store, NULL, print_user, &a, &err);
    tby_store_close(store);
    return rc ? cli_store_fail(a.db, rc, &err) : CLI_OK;
}

static int user_password(int argc, char **argv)
{
    static const char *const opts[] = {"--db", "--name", "--as", "--password-stdin", NULL};
    access_args a;
    int rc = parse_access_args(&a, "user password", opts, argc, argv);
    if (rc)
        return rc;
    if (!a.name) {
        fprintf(stderr, "tabayyun: user password needs --name\n");
        return CLI_USAGE;
    }
    char password[TBY_STORE_PASSWORD_MAX + 2];
    bool is_generated = !a.password_stdin;
    if (a.password_stdin && (rc = read_password(password, sizeof(password))))
        return rc;
    if (is_generated)
        tby_store_password_generate(password);
    tby_store *store = NULL;
    if ((rc = cli_store_open(&store, a.db, NULL, false)))
        return rc;
    char actor_buf[128];
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_user_set_password(store, a.name, password, NULL, is_generated,
                                     cli_actor(a.as, actor_buf, sizeof(actor_buf)), &err);
    tby_store_close(store);
    if (!rc && is_generated)
        printf("user %s: one-time password (shown once; the next login must change it):\n%s\n",
               a.name, password);
    else if (!rc)
        printf("user %s: password set\n", a.name);
    memset(password, 0, sizeof(password));
    return rc ? cli_store_fail(a.name, rc, &err) : CLI_OK;
}

static int user_disable(int argc, char **argv)
{
    static const char *const opts[] = {"--db", "--name", "--as", NULL};
    access_args a;
    int rc = parse_access_args(&a, "user disable", opts, argc, argv);
    if (rc)
        return rc;
    if (!a.name) {
        fprintf(stderr, "tabayyun: user disable needs --name\n");
        return CLI_USAGE;
    }
    tby_store *store = NULL;
    if ((rc = cli_store_open(&store, a.db, NULL, false)))
        return rc;
    char actor_buf[128];
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_user_disable(store, a.name, cli_actor(a.as, actor_buf, sizeof(actor_buf)), &err);
    tby_store_close(store);
    if (!rc)
        printf("user %s disabled; their tokens and sessions are revoked\n", a.name);
    return rc ? cli_store_fail(a.name, rc, &err) : CLI_OK;
}

int cmd_user(int argc, char **argv)
{
    if (argc < 2 || cli_wants_help(argc, argv)) {
        fputs(user_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (!strcmp(argv[1], "add"))
        return user_add(argc, argv, false);
    if (!strcmp(argv[1], "grant"))
        return user_add(argc, argv, true);
    if (!strcmp(argv[1], "list"))
        return user_list(argc, argv);
    if (!strcmp(argv[1], "password"))
        return user_password(argc, argv);
    if (!strcmp(argv[1], "disable"))
        return user_disable(argc, argv);
    fprintf(stderr, "tabayyun: user: unknown command '%s' (see tabayyun user --help)\n", argv[1]);
    return CLI_USAGE;
}

/* ===== token ===== */

static const char token_help[] =
    "usage: tabayyun token create --db FILE --user NAME [--role ROLE] [--label TEXT]\n"
    "                             [--expires-days N] [--as ACTOR]\n"
    "       tabayyun token list --db FILE [--user NAME] [--json]\n"
    "       tabayyun token revoke --db FILE --id ID [--as ACTOR]\n"
    "\n"
    "API tokens for the server (Authorization: Bearer TOKEN). A token acts in one role of its\n"
    "user (--role, needed when the user holds several) at that role's sites. create prints the\n"
    "token once: the database keeps only its hash, so a lost token is revoked and replaced.\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 bad input (no such user or token, a role the user does not\n"
    "hold), 3 internal or I/O error\n";

static int token_create(int argc, char **argv)
{
    static const char *const opts[] = {"--db",           "--user", "--role", "--label",
                                       "--expires-days", "--as",   NULL};
    access_args a;
    int rc = parse_access_args(&a, "token create", opts, argc, argv);
    if (rc)
        return rc;
    if (!a.user) {
        fprintf(stderr, "tabayyun: token create needs --user NAME\n");
        return CLI_USAGE;
    }
    tby_store *store = NULL;
    if ((rc = cli_store_open(&store, a.db, NULL, false)))
        return rc;
    char actor_buf[128], token[TBY_STORE_SECRET_LEN];
    int64_t id = 0;
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_token_create(store, a.user, a.role, a.label, a.expires_days * 86400,
                                cli_actor(a.as, actor_buf, sizeof(actor_buf)), token, &id, &err);
    tby_store_close(store);
    if (rc)
        return cli_store_fail(a.user, rc, &err);
    fprintf(stderr, "token %lld for %s (shown once; keep it secret):\n", (long long)id, a.user);
    printf("%s\n", token);
    memset(token, 0, sizeof(token));
    return CLI_OK;
}

static int print_token(const tby_store_token_info *t, void *payload)
{
    const access_args *a = payload;
    if (a->json) {
        json_t *o =
            json_pack("{s:I, s:s, s:s, s:s?, s:s, s:s?, s:s?}", "id", (json_int_t)t->id, "user",
                      t->user, "role", t->role, "label", t->label, "created_at", t->created_at,
                      "expires_at", t->expires_at, "revoked_at", t->revoked_at);
        json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(o);
        return 0;
    }
    printf("%6lld  %-16s %-10s %s  %s%s%s\n", (long long)t->id, t->user, t->role, t->created_at,
           t->revoked_at ? "revoked " : "", t->expires_at ? "expires " : "",
           t->expires_at ? t->expires_at : "");
    return 0;
}

static int token_list(int argc, char **argv)
{
    static const char *const opts[] = {"--db", "--user", "--json", NULL};
    access_args a;
    int rc = parse_access_args(&a, "token list", opts, argc, argv);
    tby_store *store = NULL;
    if (rc || (rc = cli_store_open(&store, a.db, NULL, false)))
        return rc;
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_token_foreach(store, a.user, print_token, &a, &err);
    tby_store_close(store);
    return rc ? cli_store_fail(a.db, rc, &err) : CLI_OK;
}

static int token_revoke(int argc, char **argv)
{
    static const char *const opts[] = {"--db", "--id", "--as", NULL};
    access_args a;
    int rc = parse_access_args(&a, "token revoke", opts, argc, argv);
    if (rc)
        return rc;
    if (!a.id) {
        fprintf(stderr, "tabayyun: token revoke needs --id ID (see tabayyun token list)\n");
        return CLI_USAGE;
    }
    tby_store *store = NULL;
    if ((rc = cli_store_open(&store, a.db, NULL, false)))
        return rc;
    char actor_buf[128];
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_token_revoke(store, a.id, cli_actor(a.as, actor_buf, sizeof(actor_buf)), &err);
    tby_store_close(store);
    if (!rc)
        printf("token %lld revoked\n", (long long)a.id);
    return rc ? cli_store_fail("token", rc, &err) : CLI_OK;
}

int cmd_token(int argc, char **argv)
{
    if (argc < 2 || cli_wants_help(argc, argv)) {
        fputs(token_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (!strcmp(argv[1], "create"))
        return token_create(argc, argv);
    if (!strcmp(argv[1], "list"))
        return token_list(argc, argv);
    if (!strcmp(argv[1], "revoke"))
        return token_revoke(argc, argv);
    fprintf(stderr, "tabayyun: token: unknown command '%s' (see tabayyun token --help)\n", argv[1]);
    return CLI_USAGE;
}
