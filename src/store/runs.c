// SPDX-License-Identifier: Apache-2.0
// Screening runs: what a run found is gathered in memory and applied to the stored alerts in
// one write transaction, so that readers, and a process killed at any moment, see the alerts
// either as they were before the run or as they are after it.
//
//   begin   -> run row "running" (its own transaction; readers ignore it)
//   whole / drop / found  -> in memory (an arena for the strings)
//   commit  -> write transaction:
//                another run of the list completed meanwhile? refuse (run again)
//                a new model? store it
//                standing alerts of the list (a full run: all of them; a delta: those of
//                the records it found or screened whole and of the entries of the pairs it
//                dropped, each a range of the alerts_standing or alerts_standing_entry
//                index, unless they are many), merged with what the run found (sorted by
//                record and entry):
//                  found, same score, grade and identity hashes -> kept as it is
//                  found otherwise                             -> superseded, new one stored
//                  not found, record whole / pair dropped / full run -> superseded
//                  not found, otherwise                        -> left alone
//                new alerts: suppressed when an active clearance names the pair with the same
//                identity hashes, else open
//                standing alerts of records no longer in the registry -> superseded (a
//                delta looks among the records noted as deleted, registry_removed)
//                audit entry "screen.run", run row "complete" with its counts
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* One alert a run found, its strings and hashes in the run's arena. */
typedef struct found_item {
    tby_store_found found;
    bool is_kept; /* the stored alert of the pair is the same: nothing to write */
} found_item;

typedef struct pair {
    const char *record_id;
    const char *entry_id;
} pair;

struct tby_store_run {
    tby_store *store;
    char *actor;          /* copies of the options' strings (in the arena) */
    char *list_name;      /* ... */
    char *reason;         /* ... NULL when none */
    char *engine_version; /* ... */
    unsigned char *model; /* a new model's blob (tby__malloc), NULL when pinned */
    size_t model_len;
    int64_t model_id; /* the pinned model, 0 for a new one */
    int64_t model_list_version;
    int64_t list_id;
    int64_t list_version;
    int64_t base_run_id;
    int64_t registry_mark;
    double threshold;
    bool is_full;
    int64_t run_id;  /* the row begin wrote */
    tby_arena arena; /* strings and hashes of what was found */
    found_item *found;
    size_t found_count, found_cap;
    const char **wholes; /* records screened whole */
    size_t whole_count, whole_cap;
    pair *drops; /* pairs whose alert goes unless found */
    size_t drop_count, drop_cap;
    size_t records, records_whole, pairs_scored;
};

/* ===== Building ===== */

static char *arena_dup(tby_arena *arena, const char *s)
{
    return s ? tby__arena_strndup(arena, s, strlen(s)) : NULL;
}

static void run_free(tby_store_run *run)
{
    if (!run)
        return;
    tby__arena_dispose(&run->arena);
    tby__free(run->model);
    tby__free(run->found);
    tby__free(run->wholes);
    tby__free(run->drops);
    tby__free(run);
}

/* An array with room for one more element than `count`: `items` itself, or a larger copy
   (the caller stores it); NULL when out of memory, `items` left as it was. */
static void *grow(void *items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return items;
    size_t new_cap = *cap ? *cap * 2 : 256;
    size_t bytes;
    if (tby__mul_overflow(new_cap, size, &bytes))
        return NULL;
    void *grown = tby__realloc(items, bytes);
    if (grown)
        *cap = new_cap;
    return grown;
}

int tby_store_run_begin(tby_store *store, const tby_store_run_options *opts, tby_store_run **out,
                        tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && out != NULL);
    *out = NULL;
    if (!opts || opts->version != TBY_STORE_RUN_OPTIONS_VERSION)
        return tby__error(err, TBY_EINVALID, -1, "run options missing or of another version");
    if (!opts->actor || !opts->actor[0] || !opts->list_name || !opts->list_name[0] ||
        !opts->engine_version || !opts->engine_version[0])
        return tby__error(err, TBY_EINVALID, -1, "a run needs an actor, a list and an engine");
    if (opts->list_version < 1)
        return tby__error(err, TBY_EINVALID, -1, "a run screens a list version (from 1)");
    if (!opts->model_id == !opts->model || (opts->model && !opts->model_len))
        return tby__error(err, TBY_EINVALID, -1, "a run needs either a pinned or a new model");
    if (!(opts->threshold >= 0.0 && opts->threshold <= 1.0))
        return tby__error(err, TBY_EINVALID, -1, "threshold %g is not in [0, 1]", opts->threshold);
    if (store->is_in_write)
        return tby__error(err, TBY_EINVALID, -1, "a transaction is already open");

    tby_store_run *run = tby__calloc(1, sizeof(*run));
    if (!run)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    tby__arena_init(&run->arena, 64 * 1024, 0);
    run->store = store;
    run->actor = arena_dup(&run->arena, opts->actor);
    run->list_name = arena_dup(&run->arena, opts->list_name);
    run->reason = arena_dup(&run->arena, opts->reason);
    run->engine_version = arena_dup(&run->arena, opts->engine_version);
    run->model_id = opts->model_id;
    run->model_list_version = opts->model_list_version;
    run->list_version = opts->list_version;
    run->base_run_id = opts->base_run_id;
    run->registry_mark = opts->registry_mark;
    run->threshold = opts->threshold;
    run->is_full = opts->is_full;
    if (opts->model) {
        run->model = tby__malloc(opts->model_len);
        if (run->model) {
            memcpy(run->model, opts->model, opts->model_len);
            run->model_len = opts->model_len;
        }
    }
    if (!run->actor || !run->list_name || !run->engine_version || (opts->reason && !run->reason) ||
        (opts->model && !run->model)) {
        run_free(run);
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    }

    int rc = tby_store__begin_write(store, err);
    if (rc) {
        run_free(run);
        return rc;
    }
    tby_store__version_ref ref;
    rc = store->backend->list_find(store->conn, run->list_name, run->list_version, &ref, err);
    if (!rc && run->model_id) {
        unsigned char *blob = NULL;
        size_t len = 0;
        rc = store->backend->model_get(store->conn, run->model_id, &blob, &len, err);
        tby__free(blob);
    }
    if (!rc) {
        char at[TBY_STORE__TIME_LEN];
        tby_store__now(at);
        tby_store__run_row row;
        memset(&row, 0, sizeof(row));
        row.list_id = run->list_id = ref.list_id;
        row.list_version = run->list_version;
        row.model_id = run->model_id;
        row.engine_version = run->engine_version;
        row.threshold = run->threshold;
        row.is_full = run->is_full;
        row.reason = run->reason;
        row.base_run_id = run->base_run_id;
        row.registry_mark = run->registry_mark;
        row.at = at;
        row.actor = run->actor;
        rc = store->backend->run_insert(store->conn, &row, &run->run_id, err);
    }
    if (!rc)
        rc = tby_store__commit(store, err);
    if (rc) {
        tby_store__rollback(store);
        run_free(run);
        return rc;
    }
    *out = run;
    return TBY_OK;
}

int tby_store_run_whole(tby_store_run *run, const char *record_id, tby_error *err)
{
    TBY_ASSERT_ARG(run != NULL && record_id != NULL);
    const char **wholes = grow(run->wholes, &run->whole_cap, run->whole_count, sizeof(*wholes));
    if (!wholes)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    run->wholes = wholes;
    const char *copy = arena_dup(&run->arena, record_id);
    if (!copy)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    run->wholes[run->whole_count++] = copy;
    return TBY_OK;
}

int tby_store_run_drop(tby_store_run *run, const char *record_id, const char *entry_id,
                       tby_error *err)
{
    TBY_ASSERT_ARG(run != NULL && record_id != NULL && entry_id != NULL);
    pair *drops = grow(run->drops, &run->drop_cap, run->drop_count, sizeof(*drops));
    if (!drops)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    run->drops = drops;
    pair p = {arena_dup(&run->arena, record_id), arena_dup(&run->arena, entry_id)};
    if (!p.record_id || !p.entry_id)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    run->drops[run->drop_count++] = p;
    return TBY_OK;
}

static const uint8_t *arena_hash(tby_arena *arena, const uint8_t *hash)
{
    uint8_t *copy = tby__arena_alloc(arena, TBY_STORE_HASH_LEN);
    if (copy)
        memcpy(copy, hash, TBY_STORE_HASH_LEN);
    return copy;
}

int tby_store_run_found(tby_store_run *run, const tby_store_found *found, tby_error *err)
{
    TBY_ASSERT_ARG(run != NULL && found != NULL);
    if (!found->record_id || !found->entry_id || !found->record_identity ||
        !found->entry_identity || !found->grade || !found->matched_name ||
        !found->explanation_json || !found->explanation_text)
        return tby__error(err, TBY_EINVALID, -1, "an alert found needs every field");
    if (strcmp(found->grade, "identifier_check") && strcmp(found->grade, "probable"))
        return tby__error(err, TBY_EINVALID, -1, "grade \"%s\" is not an alert's grade",
                          found->grade);
    found_item *items = grow(run->found, &run->found_cap, run->found_count, sizeof(*items));
    if (!items)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    run->found = items;
    found_item *item = &run->found[run->found_count];
    memset(item, 0, sizeof(*item));
    tby_arena *arena = &run->arena;
    item->found.record_id = arena_dup(arena, found->record_id);
    item->found.entry_id = arena_dup(arena, found->entry_id);
    item->found.record_identity = arena_hash(arena, found->record_identity);
    item->found.entry_identity = arena_hash(arena, found->entry_identity);
    item->found.score = found->score;
    item->found.grade = !strcmp(found->grade, "probable") ? "probable" : "identifier_check";
    item->found.matched_name = arena_dup(arena, found->matched_name);
    item->found.explanation_json = arena_dup(arena, found->explanation_json);
    item->found.explanation_text = arena_dup(arena, found->explanation_text);
    if (!item->found.record_id || !item->found.entry_id || !item->found.record_identity ||
        !item->found.entry_identity || !item->found.matched_name || !item->found.explanation_json ||
        !item->found.explanation_text)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    run->found_count++;
    return TBY_OK;
}

void tby_store_run_counts(tby_store_run *run, size_t records, size_t records_whole,
                          size_t pairs_scored)
{
    if (!run)
        return;
    run->records = records;
    run->records_whole = records_whole;
    run->pairs_scored = pairs_scored;
}

void tby_store_run_abort(tby_store_run *run)
{
    if (!run)
        return;
    tby_store *store = run->store;
    /* Best effort: the row of a run that was abandoned says so. */
    if (!store->is_in_write && !tby_store__begin_write(store, NULL)) {
        store->backend->run_abandon(store->conn, run->run_id);
        if (tby_store__commit(store, NULL))
            tby_store__rollback(store);
    }
    run_free(run);
}

/* ===== Committing ===== */

static int pair_cmp(const char *record_a, const char *entry_a, const char *record_b,
                    const char *entry_b)
{
    int c = strcmp(record_a, record_b);
    return c ? c : strcmp(entry_a, entry_b);
}

static int found_cmp(const void *x, const void *y)
{
    const found_item *a = x, *b = y;
    return pair_cmp(a->found.record_id, a->found.entry_id, b->found.record_id, b->found.entry_id);
}

static int drop_cmp(const void *x, const void *y)
{
    const pair *a = x, *b = y;
    return pair_cmp(a->record_id, a->entry_id, b->record_id, b->entry_id);
}

static int string_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Sorts and removes repeats (the first of equal items stays). Returns the new count. */
static size_t sort_unique(void *items, size_t count, size_t size,
                          int (*cmp)(const void *, const void *))
{
    if (count < 2)
        return count;
    qsort(items, count, size, cmp);
    char *base = items;
    size_t kept = 1;
    for (size_t i = 1; i < count; i++) {
        if (cmp(base + (kept - 1) * size, base + i * size) == 0)
            continue;
        if (kept != i)
            memcpy(base + kept * size, base + i * size, size);
        kept++;
    }
    return kept;
}

/* The merge of the stored alerts with what the run found. */
typedef struct merger {
    tby_store_run *run;
    int64_t *superseded; /* ids of stored alerts to supersede */
    size_t superseded_count, superseded_cap;
    size_t kept;
    tby_error *err;
} merger;

static found_item *find_found(tby_store_run *run, const char *record_id, const char *entry_id)
{
    size_t lo = 0, hi = run->found_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = pair_cmp(run->found[mid].found.record_id, run->found[mid].found.entry_id, record_id,
                         entry_id);
        if (c == 0)
            return &run->found[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool in_scope(const tby_store_run *run, const char *record_id, const char *entry_id)
{
    if (run->is_full)
        return true;
    if (run->whole_count &&
        bsearch(&record_id, run->wholes, run->whole_count, sizeof(*run->wholes), string_cmp))
        return true;
    pair key = {record_id, entry_id};
    return run->drop_count &&
           bsearch(&key, run->drops, run->drop_count, sizeof(*run->drops), drop_cmp);
}

static int merge_current(const tby_store__current *row, void *payload)
{
    merger *m = payload;
    found_item *item = find_found(m->run, row->record_id, row->entry_id);
    if (item && item->found.score == row->score && !strcmp(item->found.grade, row->grade) &&
        !memcmp(item->found.record_identity, row->record_identity, TBY_STORE_HASH_LEN) &&
        !memcmp(item->found.entry_identity, row->entry_identity, TBY_STORE_HASH_LEN)) {
        item->is_kept = true;
        m->kept++;
        return TBY_OK;
    }
    if (!item && !in_scope(m->run, row->record_id, row->entry_id))
        return TBY_OK;
    int64_t *ids = grow(m->superseded, &m->superseded_cap, m->superseded_count, sizeof(*ids));
    if (!ids)
        return tby__error(m->err, TBY_ENOMEM, -1, "out of memory");
    m->superseded = ids;
    m->superseded[m->superseded_count++] = row->id;
    return TBY_OK;
}

/*
 * What a delta's merge must read: the records it found an alert for or screened whole
 * (*records), and the entries of the pairs it dropped (*entries), each distinct and in order.
 * A stored alert of any other record and entry is neither kept nor superseded by the merge.
 * Returns 0 or TBY_ENOMEM.
 */
static int run_scope(const tby_store_run *run, const char ***records, size_t *record_count,
                     const char ***entries, size_t *entry_count)
{
    size_t cap = run->found_count + run->whole_count;
    const char **ids = tby__malloc((cap ? cap : 1) * sizeof(*ids));
    const char **drops = tby__malloc((run->drop_count ? run->drop_count : 1) * sizeof(*drops));
    if (!ids || !drops) {
        tby__free(ids);
        tby__free(drops);
        return TBY_ENOMEM;
    }
    size_t f = 0, w = 0, n = 0;
    for (;;) { /* both lists are sorted: merged */
        const char *next = NULL;
        if (f < run->found_count)
            next = run->found[f].found.record_id;
        if (w < run->whole_count && (!next || strcmp(run->wholes[w], next) < 0))
            next = run->wholes[w];
        if (!next)
            break;
        ids[n++] = next;
        while (f < run->found_count && !strcmp(run->found[f].found.record_id, next))
            f++;
        while (w < run->whole_count && !strcmp(run->wholes[w], next))
            w++;
    }
    for (size_t i = 0; i < run->drop_count; i++)
        drops[i] = run->drops[i].entry_id;
    *records = ids;
    *record_count = n;
    *entries = drops;
    *entry_count = sort_unique(drops, run->drop_count, sizeof(*drops), string_cmp);
    return TBY_OK;
}

/* A delta reads its scope's standing alerts one range at a time while the ranges are fewer
   than this share of the records the run covers; past it one pass over the list's is
   cheaper. */
#define RUN_RANGES_SHARE 4

/* The entry pass of a delta's merge: rows of records the record pass read are skipped. */
typedef struct entry_pass {
    merger *m;
    const char **records;
    size_t record_count;
} entry_pass;

/* A row of the entry pass (id, record and entry only): superseded when its pair was dropped.
   Nothing found concerns it: the records with an alert found are the record pass's. */
static int merge_dropped(const tby_store__current *row, void *payload)
{
    const entry_pass *pass = payload;
    merger *m = pass->m;
    if (pass->record_count && bsearch(&row->record_id, pass->records, pass->record_count,
                                      sizeof(*pass->records), string_cmp))
        return TBY_OK;
    pair key = {row->record_id, row->entry_id};
    if (!bsearch(&key, m->run->drops, m->run->drop_count, sizeof(*m->run->drops), drop_cmp))
        return TBY_OK;
    int64_t *ids = grow(m->superseded, &m->superseded_cap, m->superseded_count, sizeof(*ids));
    if (!ids)
        return tby__error(m->err, TBY_ENOMEM, -1, "out of memory");
    m->superseded = ids;
    m->superseded[m->superseded_count++] = row->id;
    return TBY_OK;
}

/* Hands the standing alerts the run can change to merge_current. */
static int run_merge(tby_store_run *run, merger *m, tby_error *err)
{
    tby_store *store = run->store;
    const tby_store__backend *backend = store->backend;
    if (run->is_full)
        return backend->alerts_current(store->conn, run->list_id, merge_current, m, err);
    const char **records = NULL, **entries = NULL;
    size_t record_count = 0, entry_count = 0;
    if (run_scope(run, &records, &record_count, &entries, &entry_count))
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    int rc;
    if ((record_count + entry_count) * RUN_RANGES_SHARE > run->records) {
        rc = backend->alerts_current(store->conn, run->list_id, merge_current, m, err);
    } else {
        entry_pass pass = {m, records, record_count};
        rc = backend->alerts_current_records(store->conn, run->list_id, records, record_count,
                                             merge_current, m, err);
        if (!rc)
            rc = backend->alerts_current_entries(store->conn, run->list_id, entries, entry_count,
                                                 merge_dropped, &pass, err);
    }
    tby__free(records);
    tby__free(entries);
    return rc;
}

static int run_audit(tby_store_run *run, const tby_store_run_stats *stats, bool is_new_model,
                     int64_t *seq_out, tby_error *err)
{
    json_t *detail = json_pack(
        "{s:I, s:s, s:s?, s:I, s:I, s:b, s:f, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "run",
        (json_int_t)stats->run_id, "kind", run->is_full ? "full" : "delta", "reason", run->reason,
        "list_version", (json_int_t)run->list_version, "model", (json_int_t)stats->model_id,
        "new_model", is_new_model, "threshold", run->threshold, "engine", run->engine_version,
        "records", (json_int_t)run->records, "records_whole", (json_int_t)run->records_whole,
        "pairs_scored", (json_int_t)run->pairs_scored, "alerts_new", (json_int_t)stats->alerts_new,
        "alerts_suppressed", (json_int_t)stats->alerts_suppressed, "alerts_kept",
        (json_int_t)stats->alerts_kept, "alerts_superseded", (json_int_t)stats->alerts_superseded,
        "unregistered", (json_int_t)stats->alerts_unregistered);
    char *text = detail ? tby_store__json_text(detail) : NULL;
    json_decref(detail);
    if (!text)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    tby_buf object = TBY_BUF_INIT(0);
    int rc = tby__buf_printf(&object, "list:%s@%lld", run->list_name, (long long)run->list_version)
                 ? tby__error(err, TBY_ENOMEM, -1, "out of memory")
                 : tby_store__audit_append(run->store, run->actor, "screen.run", object.ptr, text,
                                           seq_out, err);
    tby__buf_dispose(&object);
    tby__free(text);
    return rc;
}

static int run_apply(tby_store_run *run, tby_store_run_stats *stats, tby_error *err)
{
    tby_store *store = run->store;
    const tby_store__backend *backend = store->backend;
    char at[TBY_STORE__TIME_LEN];
    tby_store__now(at);

    /* Another run of the list completed after this one began: its changes and this run's
       would both be relative to the same earlier state. */
    tby_store_run_info last;
    int rc = backend->run_last(store->conn, run->list_id, &last, err);
    if (rc)
        return rc;
    if (last.id != run->base_run_id)
        return tby__error(err, TBY_EEXISTS, -1,
                          "list \"%s\": run %lld completed while this run (%lld) was screening; "
                          "screen again",
                          run->list_name, (long long)last.id, (long long)run->run_id);

    int64_t model_id = run->model_id;
    if (run->model) {
        uint8_t hash[TBY_STORE_HASH_LEN];
        tby_store__hash(hash, run->model, run->model_len);
        if ((rc = backend->model_insert(store->conn, run->list_id, run->model_list_version,
                                        run->engine_version, run->model, run->model_len, hash, at,
                                        run->actor, &model_id, err)))
            return rc;
    }
    stats->model_id = model_id;

    merger m;
    memset(&m, 0, sizeof(m));
    m.run = run;
    m.err = err;
    rc = run_merge(run, &m, err);
    for (size_t i = 0; !rc && i < m.superseded_count; i++) {
        tby_store__crash_point();
        rc = backend->alert_supersede(store->conn, m.superseded[i], run->run_id, at, err);
    }
    stats->alerts_superseded = m.superseded_count;
    stats->alerts_kept = m.kept;
    tby__free(m.superseded);
    if (rc)
        return rc;

    for (size_t i = 0; i < run->found_count; i++) {
        const found_item *item = &run->found[i];
        if (item->is_kept)
            continue;
        tby_store__crash_point();
        bool is_cleared = false;
        if ((rc = backend->clearance_applies(store->conn, run->list_id, item->found.record_id,
                                             item->found.entry_id, item->found.record_identity,
                                             item->found.entry_identity, &is_cleared, err)))
            return rc;
        tby_store__alert_row row;
        row.run_id = run->run_id;
        row.list_id = run->list_id;
        row.list_version = run->list_version;
        row.found = &item->found;
        row.engine_version = run->engine_version;
        row.threshold = run->threshold;
        row.status = is_cleared ? "suppressed" : "open";
        row.at = at;
        if ((rc = backend->alert_insert(store->conn, &row, err)))
            return rc;
        if (is_cleared)
            stats->alerts_suppressed++;
        else
            stats->alerts_new++;
    }

    if ((rc = (run->is_full ? backend->alerts_supersede_unregistered
                            : backend->alerts_supersede_removed)(
             store->conn, run->list_id, run->run_id, at, &stats->alerts_unregistered, err)))
        return rc;
    stats->alerts_superseded += stats->alerts_unregistered;

    if ((rc = run_audit(run, stats, run->model != NULL, &stats->audit_seq, err)))
        return rc;
    tby_store__run_row row;
    memset(&row, 0, sizeof(row));
    tby_store__now(at);
    row.at = at;
    row.model_id = model_id;
    row.records = run->records;
    row.records_whole = run->records_whole;
    row.pairs_scored = run->pairs_scored;
    row.alerts_new = stats->alerts_new;
    row.alerts_kept = stats->alerts_kept;
    row.alerts_superseded = stats->alerts_superseded;
    row.alerts_suppressed = stats->alerts_suppressed;
    row.audit_seq = stats->audit_seq;
    return backend->run_finish(store->conn, run->run_id, &row, err);
}

int tby_store_run_commit(tby_store_run *run, tby_store_run_stats *stats, tby_error *err)
{
    TBY_ASSERT_ARG(run != NULL);
    tby_store_run_stats local;
    memset(&local, 0, sizeof(local));
    local.run_id = run->run_id;
    run->found_count = sort_unique(run->found, run->found_count, sizeof(*run->found), found_cmp);
    run->whole_count = sort_unique(run->wholes, run->whole_count, sizeof(*run->wholes), string_cmp);
    run->drop_count = sort_unique(run->drops, run->drop_count, sizeof(*run->drops), drop_cmp);

    tby_store *store = run->store;
    int rc = tby_store__begin_write(store, err);
    if (!rc) {
        rc = run_apply(run, &local, err);
        if (!rc)
            rc = tby_store__commit(store, err);
        else
            tby_store__rollback(store);
    }
    if (rc) {
        tby_store_run_abort(run);
        return rc;
    }
    if (stats)
        *stats = local;
    run_free(run);
    return TBY_OK;
}

/* ===== Reading ===== */

int tby_store_run_last(tby_store *store, const char *list_name, tby_store_run_info *out,
                       tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && list_name != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (rc)
        return rc;
    tby_store__version_ref ref;
    rc = store->backend->list_find(store->conn, list_name, 0, &ref, err);
    if (!rc)
        rc = store->backend->run_last(store->conn, ref.list_id, out, err);
    tby_store__read_end(store, is_mine);
    return rc;
}

int tby_store_model_get(tby_store *store, int64_t model_id, unsigned char **out, size_t *len,
                        tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && out != NULL && len != NULL);
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (rc)
        return rc;
    rc = store->backend->model_get(store->conn, model_id, out, len, err);
    tby_store__read_end(store, is_mine);
    return rc;
}
