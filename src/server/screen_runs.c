// SPDX-License-Identifier: Apache-2.0
// Screening runs in the server (`tabayyun serve --db FILE --screen-runs yes`): one thread
// with a store connection of its own keeps a resident monitor per list (tby_monitor_open)
// and, when asked (after a list version or registry records were imported through the
// API), applies the change as a screening run stored like `tabayyun screen --db`'s:
//
//   request(list)  a list import: that list is marked; request(NULL) registry records: every
//                  list is marked
//   the thread     wakes, takes the marks, and for each list: opens its monitor the first
//                  time (the registry and the list read once), tby_monitor_apply (a delta
//                  from the last run; a list never screened gets its first, full run),
//                  once again if another run completed meanwhile (TBY_EEXISTS)
//
// Requests do not wait for it: an import answers as soon as it is stored. Marks that arrive
// while a run screens are taken by the next round, so a burst of imports makes one more run,
// not one each. Stopping the server waits for a run under way to end.
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "server/server_int.h"
#include "tabayyun/tby_monitor.h"

#define SCREEN_RUNS_LISTS 32 /* lists with a resident monitor at most */
#define LIST_NAME_LEN     256

static const char actor[] = "tabayyun serve (screening)";

typedef struct resident_list {
    char name[LIST_NAME_LEN];
    tby_monitor *monitor; /* NULL until opened, or after an error */
    bool is_marked;       /* under lock */
} resident_list;

struct tby_server__screen_runs {
    pthread_t thread;
    pthread_mutex_t lock; /* guards the marks and is_stopping */
    pthread_cond_t wake;
    bool is_stopping;
    bool is_all_marked; /* every list of the store */
    resident_list lists[SCREEN_RUNS_LISTS];
    size_t list_count;
    tby_store *store; /* the thread's connection */
    double threshold;
    unsigned threads;
};

/* The list's slot, added when new; NULL when there is no room. Under lock. */
static resident_list *list_slot(tby_server__screen_runs *r, const char *name)
{
    for (size_t i = 0; i < r->list_count; i++)
        if (!strcmp(r->lists[i].name, name))
            return &r->lists[i];
    if (r->list_count == SCREEN_RUNS_LISTS || strlen(name) >= LIST_NAME_LEN)
        return NULL;
    resident_list *slot = &r->lists[r->list_count++];
    memset(slot, 0, sizeof(*slot));
    snprintf(slot->name, sizeof(slot->name), "%s", name);
    return slot;
}

static int mark_version(const tby_list_version *version, void *payload)
{
    tby_server__screen_runs *r = payload;
    pthread_mutex_lock(&r->lock);
    resident_list *slot = list_slot(r, version->list);
    if (slot)
        slot->is_marked = true;
    pthread_mutex_unlock(&r->lock);
    return 0;
}

/* One run of one list, on the thread. */
static void run_list(tby_server__screen_runs *r, resident_list *list)
{
    tby_error err;
    tby_error_clear(&err);
    int rc = TBY_OK;
    if (!list->monitor) {
        tby_monitor_options opts = TBY_MONITOR_OPTIONS_INIT;
        opts.actor = actor;
        opts.threshold = r->threshold;
        opts.threads = r->threads;
        rc = tby_monitor_open(&list->monitor, r->store, list->name, &opts, &err);
    }
    tby_monitor_stats stats;
    memset(&stats, 0, sizeof(stats));
    if (!rc) {
        rc = tby_monitor_apply(list->monitor, 0, &stats, &err);
        if (rc == TBY_EEXISTS) /* another run completed meanwhile: from that one */
            rc = tby_monitor_apply(list->monitor, 0, &stats, &err);
    }
    if (rc) {
        fprintf(stderr, "tabayyun serve: screening %s: %s\n", list->name, err.message);
        tby_monitor_close(list->monitor); /* opened again, from the store, next time */
        list->monitor = NULL;
        return;
    }
    fprintf(stderr,
            "tabayyun serve: screened %s@%lld (%s) in %.2f s: %zu alerts new, %zu superseded\n",
            list->name, (long long)stats.list_version, stats.is_full ? "full" : "delta",
            stats.seconds, stats.store.alerts_new, stats.store.alerts_superseded);
}

static void *screen_runs_main(void *arg)
{
    tby_server__screen_runs *r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        bool is_marked = r->is_all_marked;
        for (size_t i = 0; i < r->list_count && !is_marked; i++)
            is_marked = r->lists[i].is_marked;
        if (r->is_stopping)
            break;
        if (!is_marked) {
            pthread_cond_wait(&r->wake, &r->lock);
            continue;
        }
        bool is_all = r->is_all_marked;
        r->is_all_marked = false;
        pthread_mutex_unlock(&r->lock);
        tby_error err;
        if (is_all && tby_store_list_versions(r->store, NULL, mark_version, r, &err))
            fprintf(stderr, "tabayyun serve: screening: reading the lists: %s\n", err.message);
        for (size_t i = 0;; i++) {
            pthread_mutex_lock(&r->lock);
            bool is_done = i >= r->list_count || r->is_stopping;
            resident_list *list = is_done ? NULL : &r->lists[i];
            bool is_due = list && list->is_marked;
            if (list)
                list->is_marked = false;
            pthread_mutex_unlock(&r->lock);
            if (is_done)
                break;
            if (is_due)
                run_list(r, list);
        }
        pthread_mutex_lock(&r->lock);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

int tby_server__screen_runs_start(tby_server *server, tby_error *err)
{
    if (!server->opts.screen_runs || !server->opts.db || server->screen_runs)
        return TBY_OK;
    tby_server__screen_runs *r = tby__calloc(1, sizeof(*r));
    if (!r)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    r->threshold = server->opts.threshold;
    r->threads = server->opts.threads;
    tby_store_options so = TBY_STORE_OPTIONS_INIT;
    so.actor = actor;
    so.flags = TBY_STORE_BACKGROUND_CHECKPOINT;
    int rc = tby_store_open(&r->store, tby_server_db_path(server->opts.db), &so, err);
    if (!rc && pthread_mutex_init(&r->lock, NULL))
        rc = tby__error(err, TBY_ERROR, -1, "cannot create a mutex");
    if (!rc && pthread_cond_init(&r->wake, NULL)) {
        pthread_mutex_destroy(&r->lock);
        rc = tby__error(err, TBY_ERROR, -1, "cannot create a condition variable");
    }
    if (!rc && pthread_create(&r->thread, NULL, screen_runs_main, r)) {
        pthread_cond_destroy(&r->wake);
        pthread_mutex_destroy(&r->lock);
        rc = tby__error(err, TBY_ERROR, -1, "cannot start the screening thread");
    }
    if (rc) {
        tby_store_close(r->store);
        tby__free(r);
        return rc;
    }
    server->screen_runs = r;
    return TBY_OK;
}

void tby_server__screen_runs_request(tby_server *server, const char *list_name)
{
    tby_server__screen_runs *r = server->screen_runs;
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    resident_list *slot = list_name ? list_slot(r, list_name) : NULL;
    if (slot)
        slot->is_marked = true;
    else if (!list_name)
        r->is_all_marked = true;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
}

void tby_server__screen_runs_stop(tby_server *server)
{
    tby_server__screen_runs *r = server->screen_runs;
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    r->is_stopping = true;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    for (size_t i = 0; i < r->list_count; i++)
        tby_monitor_close(r->lists[i].monitor);
    tby_store_close(r->store);
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
    tby__free(r);
    server->screen_runs = NULL;
}
