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
const tby_server__route tby_server__routes[] = {
    {"GET", "/v1/health", "health", 0, TBY_ROUTE_PUBLIC, tby_server__api_health},
    {"GET", "/metrics", "metrics", 0, TBY_ROUTE_PUBLIC, tby_server__api_metrics},
    {"GET", "/openapi.json", "openapi", 0, TBY_ROUTE_PUBLIC, tby_server__api_openapi},
    /* Registrars screen at the desk (and see only whether a check is needed); auditors read
     * no personal data, so they may not screen. */
    {"POST", "/v1/screen", "screen",
     TBY_ROLE_REGISTRAR | TBY_ROLE_ANALYST | TBY_ROLE_SUPERVISOR | TBY_ROLE_ADMIN,
     TBY_ROUTE_JSON_BODY | TBY_ROUTE_PERSONAL_DATA, tby_server__api_screen},
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
