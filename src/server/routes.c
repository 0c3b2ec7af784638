// SPDX-License-Identifier: Apache-2.0
// The route table and its matcher. The table is the one place that says which routes exist,
// which roles may call each, and whether it touches personal data (and is therefore audited);
// the role x route tests and the OpenAPI consistency test read it, so a route added here and
// not documented, or documented and not here, fails the tests.
#include <string.h>

#include "server/server_int.h"

/*
 * Public routes: /openapi.json (the contract), /v1/health (for load balancers and probes,
 * says nothing but "up" and the list size) and /metrics. /metrics is public because it holds
 * only aggregate counters (requests by route and status, latencies, screenings and alerts by
 * grade): no name, no record id, no user. Prometheus scrapers rarely carry credentials, and
 * the server binds to loopback by default; a deployment that exposes the port should restrict
 * /metrics at its reverse proxy.
 */
#define R_REG TBY_ROLE_REGISTRAR
#define R_ANA TBY_ROLE_ANALYST
#define R_SUP TBY_ROLE_SUPERVISOR
#define R_AUD TBY_ROLE_AUDITOR
#define R_ADM TBY_ROLE_ADMIN
#define JSON  TBY_ROUTE_JSON_BODY
#define PD    TBY_ROUTE_PERSONAL_DATA
#define WHY   TBY_ROUTE_PURPOSE
#define STORE TBY_ROUTE_STORE

/*
 * Who may do what (the server issue's roles): registrars submit records and screen at the
 * desk, seeing only whether a check is needed; analysts and supervisors review (lists, diffs,
 * statistics of their sites); auditors read the audit log and statistics, and no personal
 * data; admins manage users, tokens and lists. Routes that read personal data want a stated
 * purpose (WHY); every route that reads or changes it is audited (PD).
 */
const tby_server__route tby_server__routes[] = {
    {"GET", "/v1/health", "health", 0, TBY_ROUTE_PUBLIC, tby_server__api_health},
    {"GET", "/metrics", "metrics", 0, TBY_ROUTE_PUBLIC, tby_server__api_metrics},
    {"GET", "/openapi.json", "openapi", 0, TBY_ROUTE_PUBLIC, tby_server__api_openapi},

    /* Sessions: logging in needs no credential (it makes one). */
    {"POST", "/v1/login", "login", 0, TBY_ROUTE_PUBLIC | JSON, tby_server__api_login},
    {"POST", "/v1/logout", "logout", TBY_ROLE_ALL, 0, tby_server__api_logout},
    {"POST", "/v1/password", "change_password", TBY_ROLE_ALL, JSON, tby_server__api_password},

    /* Registrars screen at the desk (and see only whether a check is needed); auditors read
     * no personal data, so they may not screen. */
    {"POST", "/v1/screen", "screen", R_REG | R_ANA | R_SUP | R_ADM, JSON | PD | WHY,
     tby_server__api_screen},
    {"POST", "/v1/records", "submit_records", R_REG | R_ADM, JSON | PD | STORE,
     tby_server__api_records},

    /* Lists: names, versions and counts are not personal data; entries (a diff) are. */
    {"GET", "/v1/lists", "lists", R_ANA | R_SUP | R_AUD | R_ADM, STORE, tby_server__api_lists},
    {"GET", "/v1/lists/{name}/versions", "list_versions", R_ANA | R_SUP | R_AUD | R_ADM, STORE,
     tby_server__api_list_versions},
    {"POST", "/v1/lists/{name}/versions", "import_list", R_ADM,
     JSON | PD | STORE | TBY_ROUTE_UPLOAD, tby_server__api_list_import},
    {"GET", "/v1/lists/{name}/diff", "list_diff", R_ANA | R_SUP | R_ADM, PD | WHY | STORE,
     tby_server__api_list_diff},

    /* The audit log names people and records: reading it is itself audited. */
    {"GET", "/v1/audit", "audit", R_AUD | R_ADM, PD | WHY | STORE, tby_server__api_audit},
    {"GET", "/v1/audit/verify", "audit_verify", R_AUD | R_ADM, STORE, tby_server__api_audit_verify},
    {"GET", "/v1/stats", "stats", R_ANA | R_SUP | R_AUD | R_ADM, STORE, tby_server__api_stats},

    /* Review: analysts and supervisors of the alert's record's site (admins at every site)
     * read alerts and decide; the second confirmation is a supervisor's (the handler checks
     * it); supervisors manage clearances. Admins read, and do not decide. Redress: a person
     * brings their reference to a desk (a registrar of any site), or to a supervisor; it
     * says only "cleared", "under review" or "unknown". */
    {"GET", "/v1/alerts", "alerts", R_ANA | R_SUP | R_ADM, PD | WHY | STORE,
     tby_server__api_alerts},
    {"GET", "/v1/alerts/{id}", "alert", R_ANA | R_SUP | R_ADM, PD | WHY | STORE,
     tby_server__api_alert},
    {"POST", "/v1/alerts/{id}/decisions", "decide_alert", R_ANA | R_SUP, JSON | PD | WHY | STORE,
     tby_server__api_alert_decide},
    {"GET", "/v1/clearances", "clearances", R_SUP | R_ADM, PD | WHY | STORE,
     tby_server__api_clearances},
    {"POST", "/v1/clearances/{id}/revoke", "revoke_clearance", R_SUP, JSON | PD | WHY | STORE,
     tby_server__api_clearance_revoke},
    {"GET", "/v1/redress/{reference}", "redress", R_REG | R_SUP | R_ADM, PD | STORE,
     tby_server__api_redress},

    /* Users and tokens: the store writes each change to the audit log itself. */
    {"GET", "/v1/users", "users", R_ADM, STORE, tby_server__api_users},
    {"POST", "/v1/users", "create_user", R_ADM, JSON | STORE, tby_server__api_user_create},
    {"POST", "/v1/users/{name}/disable", "disable_user", R_ADM, STORE,
     tby_server__api_user_disable},
    {"POST", "/v1/users/{name}/roles", "grant_role", R_ADM, JSON | STORE,
     tby_server__api_user_grant},
    {"POST", "/v1/users/{name}/password", "reset_password", R_ADM, JSON | STORE,
     tby_server__api_user_password},
    {"GET", "/v1/tokens", "tokens", R_ADM, STORE, tby_server__api_tokens},
    {"POST", "/v1/tokens", "create_token", R_ADM, JSON | STORE, tby_server__api_token_create},
    {"DELETE", "/v1/tokens/{id}", "revoke_token", R_ADM, STORE, tby_server__api_token_revoke},
};

const size_t tby_server__route_count = sizeof(tby_server__routes) / sizeof(tby_server__routes[0]);

/* ===== Roles ===== */

static const char *const role_names[TBY_ROLE_COUNT] = {"registrar", "analyst", "supervisor",
                                                       "auditor", "admin"};

const char *tby_server_role_name(tby_server_role role)
{
    for (int i = 0; i < TBY_ROLE_COUNT; i++) {
        if ((unsigned)role == 1u << i)
            return role_names[i];
    }
    return "none";
}

tby_server_role tby_server_role_lookup(const char *name, size_t len)
{
    for (int i = 0; i < TBY_ROLE_COUNT; i++) {
        if (strlen(role_names[i]) == len && memcmp(role_names[i], name, len) == 0)
            return (tby_server_role)(1u << i);
    }
    return TBY_ROLE_NONE;
}

bool tby_server_principal_has_site(const tby_server_principal *who, const char *site)
{
    if (!site || who->all_sites)
        return true;
    for (size_t i = 0; i < who->site_count && i < TBY_SERVER_MAX_SITES; i++) {
        if (strcmp(who->sites[i], site) == 0)
            return true;
    }
    return false;
}

/* ===== Matching ===== */

bool tby_server__path_matches(const char *pattern, const char *path, size_t len)
{
    const char *p = pattern, *end = path + len;
    while (*p && path < end) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (!close)
                return false;
            const char *segment_end = memchr(path, '/', (size_t)(end - path));
            if (!segment_end)
                segment_end = end;
            if (segment_end == path)
                return false;
            p = close + 1;
            path = segment_end;
            continue;
        }
        if (*p != *path)
            return false;
        p++;
        path++;
    }
    return *p == '\0' && path == end;
}

int tby_server__route_find(const char *method, const char *path, size_t path_len,
                           const tby_server__route **out, char *allow, size_t allow_size)
{
    *out = NULL;
    bool is_path_known = false;
    size_t used = 0;
    if (allow_size)
        allow[0] = '\0';
    for (size_t i = 0; i < tby_server__route_count; i++) {
        const tby_server__route *route = &tby_server__routes[i];
        if (!tby_server__path_matches(route->pattern, path, path_len))
            continue;
        /* HEAD is GET without the body (libmicrohttpd leaves the body out). */
        if (strcmp(route->method, method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(route->method, "GET") == 0)) {
            *out = route;
            return 0;
        }
        is_path_known = true;
        if (used < allow_size) {
            int n =
                snprintf(allow + used, allow_size - used, "%s%s", used ? ", " : "", route->method);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    return is_path_known ? 405 : 404;
}
