// SPDX-License-Identifier: Apache-2.0
// Screening with memory (tby_monitor.h): one run of a stored list against the stored
// registry, full or in delta, its results handed to the store as one run
// (tby_store_run_*), which applies them to the stored alerts in one transaction.
//
//   last complete run of the list (tby_store_run_last)
//     none, refit, --full, other threshold or engine  -> full
//     otherwise                                       -> delta
//   full:   list (in entry-id order) + whole registry -> screener, model fitted (first run,
//           refit) or the pinned one loaded -> tby_screen_batch -> every alert found
//   delta:  the pinned model; the list's diff since the last run's version -> key set
//           (old sides -1, new sides +1 at their position in the new version); then per
//           registry record, on the worker threads:
//             added or re-identified since the last run -> screened whole
//             otherwise tby_screen_worker_delta: the pairs of changed entries (and of
//               unchanged ones whose candidacy moved) dropped or scored, rarely the record
//               screened whole; a record the change does not concern keeps its alerts
//           (no list change: only the added or re-identified records are read at all)
//   commit: tby_store_run_commit
//
// A list version is always read in order of entry id, so an entry keeps its place relative
// to the others from one version to the next, which the key set's positions rely on.
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "monitor/monitor_int.h"
#include "screen/screen_int.h"
#include "tabayyun/tby_monitor.h"
#include "util/util_int.h"

/* Records handed to a delta worker at a time. */
#define DELTA_CHUNK 256

/* ===== The run ===== */

typedef struct monitor {
    tby_store *store;
    const char *list_name;
    tby_monitor_options opts;
    tby_monitor_stats *stats;
    tby_store_run_info last;   /* the last complete run (id 0: none) */
    tby__monitor_set list;     /* the version screened */
    tby__monitor_set registry; /* the whole registry, or (a delta without list change) the
                            records re-identified since the last run */
    tby_screener *screener;
    tby_keyset *keyset; /* a delta with list changes; NULL otherwise */
    tby_store_run *run;
    tby_screen_options screen_opts;
    int64_t mark; /* a delta: records re-identified after this import are screened whole */

    pthread_mutex_t lock; /* guards run, next, the counters and the stop fields */
    size_t next;          /* the delta's next record */
    size_t whole, pairs, skipped;
    int stop_rc;        /* the first error of a worker */
    tby_error stop_err; /* ... and its message */
    tby_buf json;       /* scratch for the full run's serialised callback */
} monitor;

/* Records the first error; later ones are dropped. */
static void monitor_stop(monitor *m, int rc, const tby_error *err)
{
    pthread_mutex_lock(&m->lock);
    if (!m->stop_rc) {
        m->stop_rc = rc;
        if (err)
            m->stop_err = *err;
        if (!m->stop_err.code)
            tby__error(&m->stop_err, rc, -1, "%s", tby_strerror(rc));
    }
    pthread_mutex_unlock(&m->lock);
}

/* Hands one alert to the run, with the identity hashes of its record and entry. */
static int monitor_found(monitor *m, const tby_alert *a, const uint8_t *record_identity,
                         tby_buf *json, tby_error *err)
{
    return tby__monitor_found(m->run, &m->lock, &m->list, a, record_identity, json, err);
}

/* ----- Full ----- */

static int full_alert(const tby_alert *a, void *payload)
{
    monitor *m = payload;
    tby_error err;
    tby_error_clear(&err);
    size_t at = tby__monitor_set_find(&m->registry, a->record->id);
    int rc = at == SIZE_MAX
                 ? tby__error(&err, TBY_ERROR, -1, "alert for record %s, not read", a->record->id)
                 : monitor_found(m, a, m->registry.identity[at], &m->json, &err);
    if (rc)
        monitor_stop(m, rc, &err);
    return rc;
}

static int screen_full(monitor *m, tby_error *err)
{
    tby_screen_stats stats;
    memset(&stats, 0, sizeof(stats));
    int rc = tby_screen_batch(m->screener, m->registry.set, &m->screen_opts, full_alert, m,
                              m->opts.progress, m->opts.progress_payload, &stats, err);
    if (rc && m->stop_rc) {
        if (err)
            *err = m->stop_err;
        return m->stop_rc;
    }
    m->whole = stats.records;
    m->skipped = stats.skipped;
    return rc;
}

/* ----- Delta ----- */

/* What a delta worker's callbacks need. */
typedef struct delta_worker {
    monitor *m;
    size_t record; /* the registry record being screened */
    tby_buf json;
    tby_error err;
} delta_worker;

static int delta_alert(const tby_alert *a, void *payload)
{
    delta_worker *w = payload;
    return monitor_found(w->m, a, w->m->registry.identity[w->record], &w->json, &w->err);
}

/* tby_screen_worker_delta's drops: the whole record (entry_id NULL) or one pair. */
static int delta_drop(const tby_record *record, const char *entry_id, void *payload)
{
    delta_worker *w = payload;
    monitor *m = w->m;
    pthread_mutex_lock(&m->lock);
    int rc = entry_id ? tby_store_run_drop(m->run, record->id, entry_id, &w->err)
                      : tby_store_run_whole(m->run, record->id, &w->err);
    if (!entry_id)
        m->whole++;
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* One record of a delta: screened whole when its identifying data changed since the last
 * run, otherwise what the list change means for it (tby_screen_worker_delta). */
static int delta_record(delta_worker *w, tby_screen_worker *screen, size_t i)
{
    monitor *m = w->m;
    const tby_record *r = tby_record_set_get(m->registry.set, i);
    w->record = i;
    int rc;
    if (m->registry.identity_import[i] > m->mark) {
        pthread_mutex_lock(&m->lock);
        rc = tby_store_run_whole(m->run, r->id, &w->err);
        m->whole++;
        pthread_mutex_unlock(&m->lock);
        if (!rc)
            rc = tby_screen_worker_record(screen, r, delta_alert, w, &w->err);
        if (rc == TBY_EEMPTY) {
            pthread_mutex_lock(&m->lock);
            m->skipped++;
            pthread_mutex_unlock(&m->lock);
            rc = TBY_OK;
        }
        return rc;
    }
    if (!m->keyset)
        return TBY_OK;
    bool whole = false;
    size_t pairs = 0;
    rc = tby_screen_worker_delta(screen, m->keyset, r, &whole, &pairs, delta_drop, delta_alert, w,
                                 &w->err);
    if (pairs) {
        pthread_mutex_lock(&m->lock);
        m->pairs += pairs;
        pthread_mutex_unlock(&m->lock);
    }
    return rc;
}

static void *delta_thread(void *arg)
{
    monitor *m = arg;
    delta_worker w;
    memset(&w, 0, sizeof(w));
    w.m = m;
    tby__buf_init(&w.json, 0);
    tby_error_clear(&w.err);
    tby_screen_worker *screen = NULL;
    int rc = tby_screen_worker_new(&screen, m->screener, &m->screen_opts, &w.err);
    while (!rc) {
        pthread_mutex_lock(&m->lock);
        size_t start = m->next;
        m->next += DELTA_CHUNK;
        bool is_stopped = m->stop_rc != 0;
        pthread_mutex_unlock(&m->lock);
        if (is_stopped || start >= m->registry.count)
            break;
        size_t end =
            start + DELTA_CHUNK < m->registry.count ? start + DELTA_CHUNK : m->registry.count;
        for (size_t i = start; i < end && !rc; i++)
            rc = delta_record(&w, screen, i);
    }
    if (rc)
        monitor_stop(m, rc, &w.err);
    tby_screen_worker_free(screen);
    tby__buf_dispose(&w.json);
    return NULL;
}

static int screen_delta(monitor *m, tby_error *err)
{
    unsigned count = tby__monitor_threads(m->opts.threads);
    pthread_t threads[64];
    unsigned started = 0;
    for (; started < count; started++) {
        if (pthread_create(&threads[started], NULL, delta_thread, m))
            break;
    }
    if (!started)
        delta_thread(m);
    for (unsigned t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    if (m->stop_rc) {
        if (err)
            *err = m->stop_err;
        return m->stop_rc;
    }
    return TBY_OK;
}

static int build_keyset(monitor *m, tby_error *err)
{
    return tby__monitor_keyset(m->store, m->list_name, m->last.list_version, m->stats->list_version,
                               &m->list, m->screener, &m->keyset, &m->stats->entries_changed, err);
}

/* ===== Deciding and loading ===== */

/* Reads the list version and builds the screener on it. */
static int prepare_list(monitor *m, tby_error *err)
{
    int rc = tby__monitor_set_init(&m->list, err);
    if (!rc)
        rc = tby_store_list_foreach(m->store, m->list_name, m->stats->list_version, 0,
                                    tby__monitor_set_add, &m->list, err);
    if (!rc)
        rc = tby_screener_new(&m->screener, m->list.set, err);
    return rc;
}

/* Gives the screener its model: the pinned one, or a new one fitted to the list and the
   registry (which must be read already), returned in *new_model. */
static int prepare_model(monitor *m, unsigned char **new_model, size_t *new_model_len,
                         tby_error *err)
{
    unsigned char *model = NULL;
    size_t len = 0;
    int rc;
    if (m->stats->is_new_model) {
        rc = tby_screener_fit(m->screener, m->registry.set, err);
        if (!rc)
            rc = tby_screener_model_save(m->screener, &model, &len, err);
    } else {
        rc = tby_store_model_get(m->store, m->last.model_id, &model, &len, err);
    }
    /* Screened under the model as loaded back, the first time too: a pair's score then
       depends on the pair alone. */
    if (!rc)
        rc = tby_screener_model_load(m->screener, model, len, err);
    if (!rc && m->stats->is_new_model) {
        *new_model = model;
        *new_model_len = len;
        model = NULL;
    }
    tby_free(model);
    return rc;
}

/* Reads the registry (or the records re-identified after m->registry.only_after), on a
   connection of its own when it runs beside the list's reading on another thread. */
typedef struct registry_reader {
    monitor *m;
    tby_store *store;     /* the connection to read with */
    int64_t since_import; /* tby_store_registry_foreach's */
    int rc;
    tby_error err;
} registry_reader;

static void *read_registry(void *arg)
{
    registry_reader *r = arg;
    r->m->registry.err = &r->err;
    r->rc = tby_store_registry_foreach(r->store, NULL, r->since_import, tby__monitor_set_add,
                                       &r->m->registry, &r->err);
    return NULL;
}

static int monitor_run(monitor *m, tby_error *err)
{
    tby_monitor_stats *s = m->stats;
    double t0 = tby__monitor_now();
    int rc = tby_store_list_latest(m->store, m->list_name, &s->list_version, err);
    if (!rc)
        rc = tby_store_run_last(m->store, m->list_name, &m->last, err);
    if (rc)
        return rc;
    tby__monitor_decide(&m->last, m->opts.flags, m->opts.threshold, m->stats);
    bool is_list_changed = s->is_full || m->last.list_version != s->list_version;
    s->since_version = s->is_full ? 0 : m->last.list_version;
    m->mark = s->is_full ? 0 : m->last.registry_mark;

    /* The registry: all of it, unless a delta has no list change to check it against; read
       beside the list when both are needed. */
    if ((rc = tby__monitor_set_init(&m->registry, err)))
        return rc;
    m->registry.only_after = is_list_changed ? 0 : m->mark;
    registry_reader reader;
    memset(&reader, 0, sizeof(reader));
    reader.m = m;
    reader.store = m->store;
    reader.since_import = is_list_changed ? 0 : m->mark + 1;
    tby_error_clear(&reader.err);
    tby_store *second = NULL;
    tby_store_options so = TBY_STORE_OPTIONS_INIT;
    so.actor = m->opts.actor;
    if (is_list_changed && tby_store_path(m->store) &&
        !tby_store_open(&second, tby_store_path(m->store), &so, NULL))
        reader.store = second;
    pthread_t thread;
    bool is_threaded = second && !pthread_create(&thread, NULL, read_registry, &reader);
    if (!is_threaded)
        read_registry(&reader);
    /* Threaded only when the list changed, so the count is not read while the thread
       fills it. */
    bool has_work = is_list_changed || m->registry.count > 0;
    int list_rc = has_work ? prepare_list(m, err) : TBY_OK;
    if (is_threaded)
        pthread_join(thread, NULL);
    tby_store_close(second);
    if (reader.rc) {
        if (err)
            *err = reader.err;
        return reader.rc;
    }
    if (list_rc)
        return list_rc;
    s->records = m->registry.count;
    for (size_t i = 0; i < m->registry.count; i++)
        s->records_changed += m->registry.identity_import[i] > m->mark;
    int64_t mark =
        m->registry.max_identity_import > m->mark ? m->registry.max_identity_import : m->mark;

    unsigned char *model = NULL;
    size_t model_len = 0;
    if (has_work && (rc = prepare_model(m, &model, &model_len, err)))
        goto out;
    if (has_work && !s->is_full && is_list_changed && (rc = build_keyset(m, err)))
        goto out;
    s->seconds_load = tby__monitor_now() - t0;

    tby_store_run_options ro = TBY_STORE_RUN_OPTIONS_INIT;
    ro.actor = m->opts.actor;
    ro.list_name = m->list_name;
    ro.list_version = s->list_version;
    ro.base_run_id = m->last.id;
    ro.is_full = s->is_full;
    ro.reason = s->is_full ? s->reason : NULL;
    ro.model_id = model ? 0 : m->last.model_id;
    ro.model = model;
    ro.model_len = model_len;
    ro.model_list_version = s->list_version;
    ro.threshold = m->opts.threshold;
    ro.engine_version = tby_version();
    ro.registry_mark = mark;
    if ((rc = tby_store_run_begin(m->store, &ro, &m->run, err)))
        goto out;

    double t1 = tby__monitor_now();
    if (has_work)
        rc = s->is_full ? screen_full(m, err) : screen_delta(m, err);
    s->seconds_screen = tby__monitor_now() - t1;
    if (rc)
        goto out;
    s->records_whole = m->whole;
    s->pairs_scored = m->pairs;
    s->skipped = m->skipped;
    tby_store_run_counts(m->run, s->records, s->records_whole, s->pairs_scored);

    double t2 = tby__monitor_now();
    rc = tby_store_run_commit(m->run, &s->store, err);
    m->run = NULL; /* freed by the commit, whatever it returned */
    s->seconds_commit = tby__monitor_now() - t2;
    if (!rc)
        s->run_id = s->store.run_id;
out:
    tby_free(model);
    return rc;
}

int tby_monitor_run(tby_store *store, const char *list_name, const tby_monitor_options *opts,
                    tby_monitor_stats *stats, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && list_name != NULL);
    if (!opts || opts->version != TBY_MONITOR_OPTIONS_VERSION)
        return tby__error(err, TBY_EINVALID, -1, "monitor options missing or of another version");
    if (!opts->actor || !opts->actor[0])
        return tby__error(err, TBY_EINVALID, -1, "a screening run needs an actor (who screens)");
    if (!(opts->threshold >= 0.0 && opts->threshold <= 1.0))
        return tby__error(err, TBY_EINVALID, -1, "threshold %g is not in [0, 1]", opts->threshold);
    tby_monitor_stats local;
    monitor m;
    memset(&m, 0, sizeof(m));
    memset(&local, 0, sizeof(local));
    m.store = store;
    m.list_name = list_name;
    m.opts = *opts;
    m.stats = &local;
    tby_error_clear(&m.stop_err);
    tby__buf_init(&m.json, 0);
    m.screen_opts = (tby_screen_options)TBY_SCREEN_OPTIONS_INIT;
    m.screen_opts.threshold = opts->threshold;
    m.screen_opts.threads = tby__monitor_threads(opts->threads);
    if (pthread_mutex_init(&m.lock, NULL))
        return tby__error(err, TBY_ERROR, -1, "cannot create a mutex");
    double t0 = tby__monitor_now();
    int rc = monitor_run(&m, err);
    local.seconds = tby__monitor_now() - t0;
    tby_store_run_abort(m.run);
    tby_keyset_free(m.keyset);
    tby_screener_free(m.screener);
    tby__monitor_set_dispose(&m.list);
    tby__monitor_set_dispose(&m.registry);
    tby__buf_dispose(&m.json);
    pthread_mutex_destroy(&m.lock);
    if (stats)
        *stats = local;
    return rc;
}
