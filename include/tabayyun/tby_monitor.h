/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Screening with memory: the registry in a store screened against a stored list, the alerts
 * kept in the store (tby_store.h), and every later run screening only what changed.
 *
 *   tby_monitor_options opts = TBY_MONITOR_OPTIONS_INIT;
 *   opts.actor = "cli:amal";
 *   rc = tby_monitor_run(store, "UN", &opts, &stats, &err);
 *
 * The first run of a list fits a model to the list and the registry and pins it (stored with
 * the run), then screens every record. Later runs keep that model, so that a pair scores the
 * same for as long as neither side's identifying data changes, and screen in delta: the list
 * entries added, removed or changed since the last run's version through a key set
 * (tby_keyset), and the registry records added or whose identifying data changed since that
 * run, each screened whole. The alerts that result equal those of a full rescreen with the
 * same model. A full run (every record again) happens when asked, with a new model when asked
 * to refit, and when the threshold or the engine's version differs from the last run's.
 */
#ifndef TBY_MONITOR_H
#define TBY_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tby_common.h"
#include "tby_screen.h"
#include "tby_store.h"

#ifdef __cplusplus
extern "C" {
#endif

/** tby_monitor_options.flags: screen every record again, under the pinned model. */
#define TBY_MONITOR_FULL 1u
/** tby_monitor_options.flags: fit a new model (to the list's latest version and the whole
    registry), then screen every record again. */
#define TBY_MONITOR_REFIT 2u

#define TBY_MONITOR_OPTIONS_VERSION 1

typedef struct tby_monitor_options {
    unsigned int version;     /* TBY_MONITOR_OPTIONS_VERSION */
    const char *actor;        /* who screens: required, written in the audit entry */
    double threshold;         /* alerts need a score of at least this */
    unsigned int threads;     /* worker threads; 0: the number of online CPUs */
    unsigned int flags;       /* TBY_MONITOR_FULL, TBY_MONITOR_REFIT or 0 */
    tby_progress_cb progress; /* a full run's progress (records done of total); may be NULL */
    void *progress_payload;   /* passed to progress */
} tby_monitor_options;

#define TBY_MONITOR_OPTIONS_INIT                                                                   \
    {                                                                                              \
        TBY_MONITOR_OPTIONS_VERSION, NULL, TBY_SCREEN_DEFAULT_THRESHOLD, 0, 0, NULL, NULL          \
    }

/** What a run did. */
typedef struct tby_monitor_stats {
    int64_t run_id;
    bool is_full;              /* every record screened (else a delta) */
    bool is_new_model;         /* a model was fitted for this run */
    char reason[128];          /* why the run is full, or "" */
    int64_t list_version;      /* the version screened */
    int64_t since_version;     /* a delta: the version of the run before */
    size_t entries_changed;    /* a delta: entries added, removed or with identifying data
                                  changed since that version */
    size_t records;            /* registry records looked at */
    size_t records_changed;    /* ... added or with identifying data changed since the last run */
    size_t records_whole;      /* records screened whole */
    size_t pairs_scored;       /* a delta: (record, changed entry) pairs scored one by one */
    size_t skipped;            /* records with no usable name */
    tby_store_run_stats store; /* alerts new, suppressed, kept, superseded */
    double seconds;            /* the whole run */
    double seconds_load;       /* reading the list and the registry, building the screener */
    double seconds_screen;     /* screening */
    double seconds_commit;     /* writing the results */
} tby_monitor_stats;

/**
 * Screens the registry of `store` against the latest version of list `list_name` and stores
 * the results as one run (tby_store_run_commit): full the first time and when asked or
 * needed, else in delta from the last complete run.
 *
 * @param stats optional.
 * @return 0; TBY_ENOTFOUND (no such list); TBY_EINVALID (options); TBY_EEXISTS (another run
 *         of the list completed meanwhile: nothing was stored, run again); TBY_EEMPTY (no
 *         entry of the list has a usable name); TBY_EIO, TBY_ENOMEM.
 */
TBY_API int tby_monitor_run(tby_store *store, const char *list_name,
                            const tby_monitor_options *opts, tby_monitor_stats *stats,
                            tby_error *err);

/* ===== A resident monitor ===== */

/**
 * A resident monitor: screening with memory in a long-lived process (a server). It keeps
 * what a one-shot run (tby_monitor_run) reads and builds again every time: the registry's
 * records with their names parsed, and the list's latest version with its screener under
 * the pinned model. A new list version, or an import into the registry, is read in by
 * tby_monitor_refresh (the registry: only what imports wrote since; the list: the new
 * version and its screener) and screened by tby_monitor_apply as the one-shot run would
 * (the same decision full or delta, the same run committed: alerts, audit, run row), so a
 * resident delta and a one-shot run leave the same standing alerts.
 *
 *   tby_monitor *m = NULL;
 *   rc = tby_monitor_open(&m, store, "UN", &opts, &err);      // reads registry and list
 *   ... a list version or registry import arrives ...
 *   rc = tby_monitor_apply(m, 0, &stats, &err);               // refresh, then the delta
 *   tby_monitor_close(m);
 *
 * One thread at a time per monitor; `store` (borrowed) must outlive it and is used only
 * from the calling thread (screening runs on opts->threads workers of its own). Memory:
 * the registry parsed (about 1 KB a record) and the list with its screener; a record that
 * an import replaces leaves its earlier copy in memory until the monitor is closed, so a
 * process that sees many registry imports should reopen it now and then. Records deleted
 * from the registry outside tabayyun are still screened until it is reopened.
 */
typedef struct tby_monitor tby_monitor;

/**
 * Opens a resident monitor of list `list_name` on `store`: reads the whole registry (names
 * parsed on opts->threads threads) and the list's latest version, and builds its screener,
 * under the model of the list's last complete run when there is one. Screens nothing.
 * `opts` is copied (its progress callback is not used).
 * @return 0, TBY_ENOTFOUND (no such list), TBY_EINVALID (options), TBY_EEMPTY (no entry of
 *         the list has a usable name), TBY_EIO, TBY_ENOMEM.
 */
TBY_API int tby_monitor_open(tby_monitor **out, tby_store *store, const char *list_name,
                             const tby_monitor_options *opts, tby_error *err);

/**
 * Reads in what changed since the last refresh: registry records written by later imports
 * (replaced or added, their names parsed), and, when the list has a new version, that
 * version and its screener under the pinned model (the model of the last complete run; a
 * new one, when a run pinned another, is loaded too). Screens nothing: a server calls it to
 * screen requests against the new version. `records_read` (may be NULL) gets the registry
 * records read. After an error other than TBY_EIO the monitor should be closed.
 * @return 0, TBY_EEMPTY (the new version has no usable entry), TBY_EIO, TBY_ENOMEM.
 */
TBY_API int tby_monitor_refresh(tby_monitor *monitor, size_t *records_read, tby_error *err);

/**
 * tby_monitor_refresh, then one screening run of the list's latest version against the
 * registry, stored as tby_monitor_run stores it. The last complete run decides: none, or
 * TBY_MONITOR_REFIT in `flags`: the one-shot tby_monitor_run does it (it fits and pins a
 * model), and its model is loaded; TBY_MONITOR_FULL, another threshold or engine: every
 * record screened whole, here; otherwise a delta from that run (the list's diff since its
 * version through a key set, the records re-identified since it screened whole).
 * @param flags TBY_MONITOR_FULL, TBY_MONITOR_REFIT or 0 (the options' flags are not used).
 * @param stats optional. seconds_load covers the refresh and the key set.
 * @return as tby_monitor_run.
 */
TBY_API int tby_monitor_apply(tby_monitor *monitor, unsigned int flags, tby_monitor_stats *stats,
                              tby_error *err);

/** The screener of the latest version read, under the pinned model; NULL while the list has
    no model yet (never screened). Valid until the next refresh or apply. */
TBY_API const tby_screener *tby_monitor_screener(const tby_monitor *monitor);

/** The list version the monitor holds (0: none). */
TBY_API int64_t tby_monitor_list_version(const tby_monitor *monitor);

/** Frees a resident monitor; NULL is allowed. */
TBY_API void tby_monitor_close(tby_monitor *monitor);

#ifdef __cplusplus
}
#endif
#endif
