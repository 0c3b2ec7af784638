// SPDX-License-Identifier: Apache-2.0
// `tabayyun serve`: loads the list, fits the screener, starts the HTTP server and waits for
// SIGINT or SIGTERM to stop it cleanly (requests in flight finish, threads are joined).
#define _POSIX_C_SOURCE 200809L /* sigwait, sigprocmask */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "server/server.h"

static const char serve_help[] =
    "usage: tabayyun serve --db FILE [--port N] [--bind ADDR] [--threads N] [--session-hours H]\n"
    "                      [--tls-cert PEM --tls-key PEM] [--threshold T] [--timeout S]\n"
    "                      [--max-connections N] [--screen-runs yes]\n"
    "       tabayyun serve --list LIST [--dev-token TOKEN | --tokens FILE] [--audit-log FILE]\n"
    "                      [--port N] ...\n"
    "\n"
    "Serves the HTTP JSON API (openapi/tabayyun.json, also at GET /openapi.json) until SIGINT\n"
    "or SIGTERM.\n"
    "\n"
    "With --db, on the store: users, roles and sites, API tokens and session cookies from the\n"
    "database (tabayyun user add, tabayyun token create), every access to personal data in its\n"
    "audit log, and screening against the latest version of every list in it (an import\n"
    "through POST /v1/lists/{name}/versions is screened against at once). Without --db, the\n"
    "development mode: screening only, against the list file LIST (CSV or JSON Lines in the\n"
    "record format), with a development token or tokens file.\n"
    "\n"
    "  POST /v1/screen     screen one person:  curl -H 'Authorization: Bearer TOKEN' \\\n"
    "                        -H 'Content-Type: application/json' \\\n"
    "                        -d '{\"record\": {\"name\": \"Omar Khalil Ibrahim\"}, \\\n"
    "                             \"purpose\": \"registration\"}' http://127.0.0.1:8080/v1/screen\n"
    "  POST /v1/login      {\"user\", \"password\"}: a session cookie (curl -c jar, then -b jar)\n"
    "  GET /v1/health, GET /metrics, GET /openapi.json   (no credential needed)\n"
    "\n"
    "Options:\n"
    "  --db FILE           the store (create it with tabayyun db init)\n"
    "  --port N            TCP port (default 8080; 0 picks a free one, printed at start)\n"
    "  --bind ADDR         address to listen on (default 127.0.0.1: this machine only)\n"
    "  --threads N         worker threads (default: all cores)\n"
    "  --session-hours H   how long a login lasts (default 8)\n"
    "  --tls-cert PEM      serve HTTPS with this certificate and --tls-key (the session cookie\n"
    "  --tls-key PEM       is then Secure); default plain HTTP, fit for 127.0.0.1 only\n"
    "  --list LIST         development: the list file to screen against (no --db)\n"
    "  --dev-token TOKEN   development: accept this bearer token (16+ bytes) as an admin of\n"
    "                      every site; also read from TABAYYUN_DEV_TOKEN\n"
    "  --tokens FILE       development: tokens with their user, role and sites, one per line:\n"
    "                      TOKEN USER ROLE SITES (roles: registrar analyst supervisor auditor\n"
    "                      admin; SITES: * or site,site)\n"
    "  --audit-log FILE    development: append the audit events (who, what, when, purpose) as\n"
    "                      JSON Lines\n"
    "  --threshold T       lowest alert score, and the default (default 0.0003)\n"
    "  --timeout S         a request must arrive whole within S seconds, and an idle connection\n"
    "                      is closed after S seconds (default 10)\n"
    "  --max-connections N open connections at once (default 1024)\n"
    "  --screen-runs yes   with --db: after a list version or registry records are imported\n"
    "                      through the API, a screening run stored as `tabayyun screen --db`\n"
    "                      stores it (a delta from the last run), on a thread of its own that\n"
    "                      keeps the registry and each list's screener in memory (default no)\n"
    "\n"
    "Request bodies are capped at 1 MiB (a list import at 64 MiB; 413 beyond) and JSON nesting\n"
    "at 32 levels.\n"
    "\n"
    "exit codes: 0 stopped by a signal, 1 usage, 2 bad input, 3 cannot listen or internal\n";

typedef struct serve_args {
    const char *list, *db, *bind, *dev_token, *tokens, *audit_log, *tls_cert, *tls_key;
    unsigned port, threads, timeout, max_connections, session_hours;
    double threshold;
    bool screen_runs;
} serve_args;

/* Parses an unsigned number in [min, max] or prints a usage error. */
static bool parse_unsigned(const char *opt, const char *value, unsigned min, unsigned max,
                           unsigned *out)
{
    char *end;
    long n = strtol(value, &end, 10);
    if (!*value || *end || n < (long)min || n > (long)max) {
        fprintf(stderr, "tabayyun: %s must be %u..%u, not '%s'\n", opt, min, max, value);
        return false;
    }
    *out = (unsigned)n;
    return true;
}

static int parse_args(serve_args *a, int argc, char **argv)
{
    memset(a, 0, sizeof(a[0]));
    a->port = 8080;
    a->threshold = TBY_SCREEN_DEFAULT_THRESHOLD;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (i + 1 >= argc) {
            fprintf(stderr, "tabayyun: %s needs a value (see tabayyun serve --help)\n", opt);
            return CLI_USAGE;
        }
        const char *value = argv[++i];
        bool ok = true;
        if (!strcmp(opt, "--list"))
            a->list = value;
        else if (!strcmp(opt, "--db"))
            a->db = value;
        else if (!strcmp(opt, "--bind"))
            a->bind = value;
        else if (!strcmp(opt, "--dev-token"))
            a->dev_token = value;
        else if (!strcmp(opt, "--tokens"))
            a->tokens = value;
        else if (!strcmp(opt, "--audit-log"))
            a->audit_log = value;
        else if (!strcmp(opt, "--tls-cert"))
            a->tls_cert = value;
        else if (!strcmp(opt, "--tls-key"))
            a->tls_key = value;
        else if (!strcmp(opt, "--session-hours"))
            ok = parse_unsigned(opt, value, 1, 24 * 30, &a->session_hours);
        else if (!strcmp(opt, "--port"))
            ok = parse_unsigned(opt, value, 0, 65535, &a->port);
        else if (!strcmp(opt, "--threads"))
            ok = parse_unsigned(opt, value, 1, 256, &a->threads);
        else if (!strcmp(opt, "--timeout"))
            ok = parse_unsigned(opt, value, 1, 3600, &a->timeout);
        else if (!strcmp(opt, "--max-connections"))
            ok = parse_unsigned(opt, value, 1, 65536, &a->max_connections);
        else if (!strcmp(opt, "--screen-runs")) {
            a->screen_runs = !strcmp(value, "yes");
            if (!a->screen_runs && strcmp(value, "no")) {
                fprintf(stderr, "tabayyun: --screen-runs must be yes or no, not '%s'\n", value);
                return CLI_USAGE;
            }
        } else if (!strcmp(opt, "--threshold")) {
            char *end;
            a->threshold = strtod(value, &end);
            if (*end || !(a->threshold > 0.0 && a->threshold <= 1.0)) {
                fprintf(stderr, "tabayyun: --threshold must be a number in (0, 1], not '%s'\n",
                        value);
                ok = false;
            }
        } else {
            fprintf(stderr, "tabayyun: unknown option '%s' (see tabayyun serve --help)\n", opt);
            ok = false;
        }
        if (!ok)
            return CLI_USAGE;
    }
    if (!a->list == !a->db) {
        fprintf(stderr, "tabayyun: serve needs --db FILE, or --list LIST for the development "
                        "mode, one of them (see tabayyun serve --help)\n");
        return CLI_USAGE;
    }
    if (a->db && (a->dev_token || a->tokens || a->audit_log)) {
        fprintf(stderr, "tabayyun: --dev-token, --tokens and --audit-log are for the development "
                        "mode (--list); with --db users, tokens and the audit log are in the "
                        "database\n");
        return CLI_USAGE;
    }
    if (!a->tls_cert != !a->tls_key) {
        fprintf(stderr, "tabayyun: --tls-cert and --tls-key go together\n");
        return CLI_USAGE;
    }
    if (!a->dev_token && !a->db)
        a->dev_token = getenv("TABAYYUN_DEV_TOKEN");
    return CLI_OK;
}

static int report_reject(const char *source, const tby_error *e, void *payload)
{
    (void)payload;
    fprintf(stderr, "tabayyun: %s:%lld: %s%s%s\n", source, (long long)e->line, e->field,
            e->field[0] ? ": " : "", e->message);
    return 0;
}

/* Loads and fits the list as `tabayyun screen` does (lenient, bad values left out). */
static int load_list(const char *path, tby_record_set **list, tby_screener **screener)
{
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.on_reject = report_reject;
    opts.drop_bad_values = true;
    opts.on_dropped = report_reject;
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_record_set_load_file(list, path, &opts, &err);
    if (!rc)
        rc = tby_screener_new(screener, *list, &err);
    if (!rc)
        rc = tby_screener_fit(*screener, NULL, &err);
    if (rc) {
        fprintf(stderr, "tabayyun: %s: %s\n", path, err.message);
        return cli_exit_for(rc);
    }
    return CLI_OK;
}

/* Opens the store and loads its lists; a store with no list yet serves without one. */
static int open_db(const serve_args *args, tby_server_db **db, tby_record_set **list,
                   tby_screener **screener)
{
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_server_db_open(db, args->db, false, &err);
    if (rc == TBY_ENOTFOUND) {
        fprintf(stderr,
                "tabayyun: %s: no such database (create it with tabayyun db init --db %s)\n",
                args->db, args->db);
        return CLI_BADINPUT;
    }
    if (rc) {
        fprintf(stderr, "tabayyun: %s: %s\n", args->db, err.message);
        return cli_exit_for(rc);
    }
    rc = tby_server_load_lists(*db, list, screener, &err);
    if (rc == TBY_EEMPTY) {
        fprintf(stderr,
                "tabayyun: %s holds no list yet: screening answers 503 until one is "
                "imported (tabayyun list import, or POST /v1/lists/{name}/versions)\n",
                args->db);
        return CLI_OK;
    }
    if (rc) {
        fprintf(stderr, "tabayyun: %s: %s\n", args->db, err.message);
        return cli_exit_for(rc);
    }
    return CLI_OK;
}

int cmd_serve(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(serve_help, stdout);
        return CLI_OK;
    }
    serve_args args;
    int status = parse_args(&args, argc, argv);
    if (status)
        return status;

    /* SIGINT and SIGTERM are taken by sigwait below: block them before any thread starts,
     * so that libmicrohttpd's threads inherit the mask and the signal reaches this one. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    tby_record_set *list = NULL;
    tby_screener *screener = NULL;
    tby_server *server = NULL;
    tby_server_db *db = NULL;
    tby_server_auth auth;
    tby_error err;
    tby_error_clear(&err);
    int rc;
    if (args.db) {
        if ((status = open_db(&args, &db, &list, &screener)))
            goto out;
        tby_server_auth_store_options auth_opts = {0};
        auth_opts.session_seconds = args.session_hours * 3600;
        rc = tby_server_auth_store(&auth, db, &auth_opts, &err);
    } else {
        if ((status = load_list(args.list, &list, &screener)))
            goto out;
        rc = tby_server_auth_dev(&auth, args.tokens, args.dev_token, args.audit_log, &err);
    }
    if (rc) {
        fprintf(stderr, "tabayyun: %s\n", err.message);
        status = cli_exit_for(rc);
        goto out;
    }
    if (!args.db && !args.tokens && !args.dev_token)
        fprintf(stderr, "tabayyun: no --dev-token or --tokens: every route but /v1/health, "
                        "/metrics and /openapi.json will answer 401\n");
    tby_server_options opts = {0};
    opts.bind = args.bind;
    opts.port = args.port;
    opts.threads = args.threads;
    opts.timeout_seconds = args.timeout;
    opts.max_connections = args.max_connections;
    opts.threshold = args.threshold;
    opts.db = db;
    opts.screen_runs = args.screen_runs;
    opts.tls_cert = args.tls_cert;
    opts.tls_key = args.tls_key;
    size_t entries = list ? tby_record_set_count(list) : 0;
    /* The server screens with the list from here on: with --db it owns it (and replaces it
     * when a new version is imported); with --list it borrows it. */
    if (args.db) {
        opts.list_entries = 0;
        rc = tby_server_new(&server, &opts, NULL, &auth, &err);
        if (!rc && list) {
            rc = tby_server_replace_list(server, list, screener, args.db, &err);
            list = NULL;
            screener = NULL;
        }
    } else {
        opts.list_entries = entries;
        opts.list_name = args.list;
        rc = tby_server_new(&server, &opts, screener, &auth, &err);
    }
    if (!rc)
        rc = tby_server_start(server, &err);
    if (rc) {
        fprintf(stderr, "tabayyun: %s\n", err.message);
        status = rc == TBY_EINVALID ? CLI_USAGE : rc == TBY_ENOTFOUND ? CLI_BADINPUT : CLI_INTERNAL;
        goto out;
    }
    const char *bind = args.bind ? args.bind : "127.0.0.1";
    bool is_v6 = strchr(bind, ':') != NULL;
    printf("tabayyun: listening on %s://%s%s%s:%u (%s %s, %zu list entries; stop with Ctrl-C)\n",
           args.tls_cert ? "https" : "http", is_v6 ? "[" : "", bind, is_v6 ? "]" : "",
           tby_server_port(server), args.db ? "database" : "list", args.db ? args.db : args.list,
           entries);
    fflush(stdout);
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    fprintf(stderr, "tabayyun: %s: stopping\n", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
    tby_server_stop(server);
out:
    tby_server_free(server);
    tby_screener_free(screener);
    tby_record_set_free(list);
    tby_server_db_free(db);
    return status;
}
