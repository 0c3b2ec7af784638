// SPDX-License-Identifier: Apache-2.0
// Counters of the server in the Prometheus text format (version 0.0.4): requests by route and
// status, a latency histogram per route, screenings, alerts by grade and audit events. All
// counters are relaxed atomics bumped by the worker threads; a scrape reads each once, so a
// histogram may be a request out of step with its count, which Prometheus tolerates.
#include <string.h>

#include "server/server_int.h"

/* Upper bounds of the latency buckets, in microseconds; the last bucket is +Inf. */
static const int64_t bucket_us[TBY_SERVER__LATENCY_BUCKETS - 1] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 5000000};

/* Status codes with their own counter; everything else is counted as "other". */
static const int status_codes[TBY_SERVER__STATUS_SLOTS - 1] = {
    200, 201, 400, 401, 403, 404, 405, 408, 409, 413, 415, 422, 429, 431, 500, 501, 503};

static size_t status_slot(int status)
{
    for (size_t i = 0; i < TBY_SERVER__STATUS_SLOTS - 1; i++) {
        if (status_codes[i] == status)
            return i;
    }
    return TBY_SERVER__STATUS_SLOTS - 1;
}

void tby_server__record(tby_server *server, const tby_server__route *route, int status,
                        int64_t duration_ns)
{
    size_t index = route ? (size_t)(route - tby_server__routes) : tby_server__route_count;
    tby_server__metrics *m = &server->metrics;
    atomic_fetch_add_explicit(&m->requests[index][status_slot(status)], 1, memory_order_relaxed);
    size_t bucket = 0;
    while (bucket < TBY_SERVER__LATENCY_BUCKETS - 1 && duration_ns > bucket_us[bucket] * 1000)
        bucket++;
    atomic_fetch_add_explicit(&m->latency[index][bucket], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency_sum_ns[index],
                              (uint_fast64_t)(duration_ns > 0 ? duration_ns : 0),
                              memory_order_relaxed);
}

static uint64_t get(const atomic_uint_fast64_t *counter)
{
    return (uint64_t)atomic_load_explicit(counter, memory_order_relaxed);
}

/* The labels of one route: route="/v1/screen",method="POST" (unmatched: route="unmatched"). */
static void route_labels(char *out, size_t size, size_t index)
{
    if (index == tby_server__route_count)
        snprintf(out, size, "route=\"unmatched\",method=\"\"");
    else
        snprintf(out, size, "route=\"%s\",method=\"%s\"", tby_server__routes[index].pattern,
                 tby_server__routes[index].method);
}

static size_t list_entries(const tby_server *server)
{
    tby_server__list *list = tby_server__list_acquire((tby_server *)(uintptr_t)server);
    size_t entries = list ? list->entries : 0;
    tby_server__list_release(list);
    return entries;
}

int tby_server__metrics_format(const tby_server *server, tby_buf *buf)
{
    const tby_server__metrics *m = &server->metrics;
    char labels[160];
    int rc = 0;
    rc |= tby__buf_puts(buf, "# HELP tabayyun_http_requests_total HTTP requests answered, by "
                             "route and status.\n"
                             "# TYPE tabayyun_http_requests_total counter\n");
    for (size_t r = 0; r <= tby_server__route_count; r++) {
        route_labels(labels, sizeof(labels), r);
        for (size_t s = 0; s < TBY_SERVER__STATUS_SLOTS; s++) {
            uint64_t n = get(&m->requests[r][s]);
            if (!n)
                continue;
            if (s < TBY_SERVER__STATUS_SLOTS - 1)
                rc |= tby__buf_printf(buf, "tabayyun_http_requests_total{%s,status=\"%d\"} %llu\n",
                                      labels, status_codes[s], (unsigned long long)n);
            else
                rc |=
                    tby__buf_printf(buf, "tabayyun_http_requests_total{%s,status=\"other\"} %llu\n",
                                    labels, (unsigned long long)n);
        }
    }
    rc |= tby__buf_puts(buf, "# HELP tabayyun_http_request_duration_seconds Time from a "
                             "request's headers to its response, by route.\n"
                             "# TYPE tabayyun_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r <= tby_server__route_count; r++) {
        uint64_t cumulative = 0;
        for (size_t b = 0; b < TBY_SERVER__LATENCY_BUCKETS; b++)
            cumulative += get(&m->latency[r][b]);
        if (!cumulative)
            continue;
        route_labels(labels, sizeof(labels), r);
        cumulative = 0;
        for (size_t b = 0; b < TBY_SERVER__LATENCY_BUCKETS; b++) {
            cumulative += get(&m->latency[r][b]);
            if (b < TBY_SERVER__LATENCY_BUCKETS - 1)
                rc |= tby__buf_printf(
                    buf, "tabayyun_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n",
                    labels, (double)bucket_us[b] / 1e6, (unsigned long long)cumulative);
            else
                rc |= tby__buf_printf(
                    buf, "tabayyun_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n",
                    labels, (unsigned long long)cumulative);
        }
        rc |= tby__buf_printf(buf, "tabayyun_http_request_duration_seconds_sum{%s} %.6f\n", labels,
                              (double)get(&m->latency_sum_ns[r]) / 1e9);
        rc |= tby__buf_printf(buf, "tabayyun_http_request_duration_seconds_count{%s} %llu\n",
                              labels, (unsigned long long)cumulative);
    }
    rc |=
        tby__buf_printf(buf,
                        "# HELP tabayyun_screenings_total Persons screened.\n"
                        "# TYPE tabayyun_screenings_total counter\n"
                        "tabayyun_screenings_total %llu\n"
                        "# HELP tabayyun_screening_seconds_total Time spent in the engine.\n"
                        "# TYPE tabayyun_screening_seconds_total counter\n"
                        "tabayyun_screening_seconds_total %.6f\n",
                        (unsigned long long)get(&m->screenings), (double)get(&m->screen_ns) / 1e9);
    rc |= tby__buf_puts(buf, "# HELP tabayyun_alerts_total Alerts returned, by grade.\n"
                             "# TYPE tabayyun_alerts_total counter\n");
    for (int g = TBY_GRADE_IDENTIFIER_CHECK; g <= TBY_GRADE_PROBABLE; g++)
        rc |= tby__buf_printf(buf, "tabayyun_alerts_total{grade=\"%s\"} %llu\n",
                              tby_grade_name((tby_grade)g), (unsigned long long)get(&m->alerts[g]));
    rc |= tby__buf_printf(
        buf,
        "# HELP tabayyun_audit_events_total Accesses to personal data recorded, by result.\n"
        "# TYPE tabayyun_audit_events_total counter\n"
        "tabayyun_audit_events_total{result=\"recorded\"} %llu\n"
        "tabayyun_audit_events_total{result=\"failed\"} %llu\n"
        "# HELP tabayyun_auth_rejected_total Requests answered 401.\n"
        "# TYPE tabayyun_auth_rejected_total counter\n"
        "tabayyun_auth_rejected_total %llu\n"
        "# HELP tabayyun_list_entries Entries of the list being screened against.\n"
        "# TYPE tabayyun_list_entries gauge\n"
        "tabayyun_list_entries %zu\n"
        "# HELP tabayyun_build_info The running version.\n"
        "# TYPE tabayyun_build_info gauge\n"
        "tabayyun_build_info{version=\"%s\"} 1\n",
        (unsigned long long)get(&m->audit_events), (unsigned long long)get(&m->audit_failed),
        (unsigned long long)get(&m->auth_rejected), list_entries(server), tby_version());
    rc |= tby__buf_printf(
        buf,
        "# HELP tabayyun_wal_checkpoints_total WAL checkpoints run by the housekeeping thread.\n"
        "# TYPE tabayyun_wal_checkpoints_total counter\n"
        "tabayyun_wal_checkpoints_total %llu\n"
        "# HELP tabayyun_wal_pages Pages in the WAL at the last checkpoint.\n"
        "# TYPE tabayyun_wal_pages gauge\n"
        "tabayyun_wal_pages %llu\n"
        "# HELP tabayyun_audit_batches_total Transactions of the audit batcher (group commit);\n"
        "# the recorded audit events over this is the mean batch.\n"
        "# TYPE tabayyun_audit_batches_total counter\n"
        "tabayyun_audit_batches_total %llu\n",
        (unsigned long long)get(&m->checkpoints), (unsigned long long)get(&m->wal_pages),
        (unsigned long long)get(&m->audit_batches));
    return rc ? TBY_ENOMEM : 0;
}
