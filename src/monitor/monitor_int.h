/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interface of src/monitor: what the one-shot run (monitor.c) and the resident
 * monitor (resident.c) share (monitor_set.c).
 */
#ifndef TBY_MONITOR_INT_H
#define TBY_MONITOR_INT_H

#include <pthread.h>

#include "tabayyun/tby_monitor.h"
#include "util/util_int.h"

/* A record set read from the store, with the identity hash (and, for the registry, the
   import that last changed the identifying data) of each record, in the set's order. */
typedef struct tby__monitor_set {
    tby_record_set *set;
    uint8_t (*identity)[TBY_STORE_HASH_LEN];
    int64_t *identity_import;
    size_t count, cap;
    int64_t only_after;          /* registry: keep only records re-identified after this */
    int64_t max_identity_import; /* the highest identity_import kept */
    tby_error *err;
} tby__monitor_set;

int tby__monitor_set_init(tby__monitor_set *set, tby_error *err);
void tby__monitor_set_dispose(tby__monitor_set *set);
/* A tby_store_entry_cb adding the entry to the set (the payload). */
int tby__monitor_set_add(const tby_store_entry *entry, void *payload);
/* The position of the record with this id in a set read in order of id; SIZE_MAX if none. */
size_t tby__monitor_set_find(const tby__monitor_set *set, const char *id);

/*
 * Hands one alert to `run` (under `lock`), with the identity hashes of its record and of its
 * entry (list->identity at the alert's entry_index). `json` is the caller's scratch.
 */
int tby__monitor_found(tby_store_run *run, pthread_mutex_t *lock, const tby__monitor_set *list,
                       const tby_alert *alert, const uint8_t *record_identity, tby_buf *json,
                       tby_error *err);

/*
 * The key set of a list change from version `from` to `to` (tby_store_list_diff): old sides
 * -1, new sides +1 at their position in `list` (version `to`, read in order of id), bound to
 * `screener` (built on `list`). *changed (may be NULL): entries added, removed or
 * re-identified. A change of the note alone adds nothing.
 */
int tby__monitor_keyset(tby_store *store, const char *list_name, int64_t from, int64_t to,
                        const tby__monitor_set *list, const tby_screener *screener,
                        tby_keyset **out, size_t *changed, tby_error *err);

/* Worker threads for `asked` (0: the online CPUs), at most 64. */
unsigned tby__monitor_threads(unsigned asked);

/*
 * Full or delta after the list's last complete run `last` (id 0: none), with the run's
 * TBY_MONITOR_* flags and threshold: sets s->is_full, s->reason and s->is_new_model.
 */
void tby__monitor_decide(const tby_store_run_info *last, unsigned flags, double threshold,
                         tby_monitor_stats *s);

/* A monotonic clock in seconds, for the stats' timings. */
double tby__monitor_now(void);

#endif
