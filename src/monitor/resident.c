// SPDX-License-Identifier: Apache-2.0
// The resident monitor (tby_monitor.h, tby_monitor_open): screening with memory in a
// long-lived process. What a one-shot run (monitor.c) reads and builds again every time is
// kept between runs:
//
//   registry   every record, its identity hash and change number, and its names parsed
//              (tby__person), each at a fixed position (looked up by id through an order
//              sorted by id); a refresh reads only the records an import wrote since the last
//              refresh (tby_store_registry_foreach since_import) and puts them in place
//   key index  the records by query key (tby__index_query_keys: the keys that decide whether
//              a list change concerns a person), maintained by every refresh
//   read sets  each record's read set (tby__index_read_set_keys) on the version last
//              screened, and the records by the keys of their read sets
//   list       the latest version (in order of entry id) and its screener under the pinned
//              model; a refresh builds them again only when a new version was imported, and
//              works out the change from the version it held (list_change)
//
//   apply:  refresh; the last complete run (tby_store_run_last) decides as in monitor.c:
//             none or refit   -> the one-shot run (it fits and pins the model), then its model
//             full, threshold or engine changed -> every record screened whole, here
//             otherwise       -> a delta from that run: the key set of the change since its
//                                version (held, or the store's diff); only the records the
//                                change can concern are visited (delta_todo): through their
//                                kept read sets (tby__screen_worker_delta_read) when none of
//                                their keys weighs otherwise, else whole (re-identified since
//                                its registry mark) or through the delta on their parsed
//                                person (tby__screen_worker_delta_person)
//           committed as one run (tby_store_run_commit), as monitor.c commits it.
//
// Records hold pointers into record sets that are never freed while the monitor lives: a
// record replaced by a refresh leaves its old copy in an older set (see the header).
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/monitor_int.h"
#include "screen/screen_int.h"

/* Records handed to a worker at a time. */
#define RESIDENT_CHUNK 256

/* One (key, record) pair of the key index; the pairs of a key are chained through `next`. */
typedef struct key_posting {
    uint32_t record; /* position in tby_monitor.records */
    uint32_t next;   /* next posting of the same key + 1, 0 at the end */
} key_posting;

/*
 * The resident records by query key. A record replaced by a refresh keeps the postings of
 * its old keys (a delta checks the record's keys again, so they cost a visit, never an
 * alert) and gets those of its new ones.
 */
typedef struct key_index {
    uint64_t *keys;  /* open addressing; query keys are never 0 */
    uint32_t *first; /* first posting of the key + 1 */
    size_t cap, used;
    key_posting *postings;
    size_t posting_count, posting_cap;
} key_index;

/* A key of a parsed record, before it goes into the key index. */
typedef struct key_pair {
    uint64_t key;
    uint32_t record;
} key_pair;

/*
 * The change from the list version held before the last refresh of the list to the version
 * held now, worked out in memory from the two when the new one was read (the store's diff,
 * tby_store_list_diff, reads both versions whole): what tby__monitor_keyset takes from the
 * store, for a delta from the version before.
 */
typedef struct list_change {
    int64_t from, to;         /* 0: none */
    tby_record_set *old_side; /* old sides of re-identified entries, then removed entries */
    size_t *new_positions;    /* added and re-identified entries in version `to` */
    size_t new_count;
    size_t changed; /* entries added, removed or re-identified */
} list_change;

/* One registry record held in memory. */
typedef struct resident_record {
    const tby_record *record; /* in one of the monitor's record sets */
    uint8_t identity[TBY_STORE_HASH_LEN];
    int64_t identity_import; /* the import that added it or last changed its identity */
    bool has_person;         /* false: no name of it parses (never screened) */
    bool has_read;           /* read holds its read set on the screener of read_version */
    uint16_t read_count;
    uint8_t min_hits;    /* its tby__index_min_hits */
    tby__read_key *read; /* what its query reads (tby__index_read_set_keys), read_count */
    tby__person person;  /* its names (and the rest) parsed, complete */
} resident_record;

struct tby_monitor {
    tby_store *store;
    char *list_name;
    char *actor;
    tby_monitor_options opts;

    /* The registry. */
    tby_record_set **sets; /* every set records point into */
    size_t set_count, set_cap;
    resident_record *records; /* in the order read; a record keeps its position */
    uint32_t *order;          /* positions, in order of record id */
    size_t count, cap;
    key_index keys;          /* every query key of every record */
    key_index read_keys;     /* the keys of every record's read set (has_read) */
    int64_t read_version;    /* the list version the read sets are of; 0: not all valid */
    int64_t read_model;      /* ... under this model */
    int64_t registry_import; /* the highest import read */
    bool is_registry_read;

    /* The list. */
    tby__monitor_set list; /* version list_version, in order of entry id */
    int64_t list_version;  /* 0: none read */
    list_change change;    /* from the version held before */
    tby_screener *screener;
    int64_t model_id;     /* the model loaded into the screener; 0: none */
    unsigned char *model; /* ... its blob, for the screener of the next version */
    size_t model_len;

    /* A run. */
    pthread_mutex_t lock; /* guards run, next, counters, stop fields */
    tby_store_run *run;
    tby_keyset *keyset;
    tby_screen_options screen_opts;
    bool is_full;
    int64_t mark;
    uint32_t *todo; /* a delta: the positions of the records to visit; NULL: every record */
    size_t todo_count;
    uint8_t *needs_read; /* a delta: per position, 1 when its read set is computed again */
    bool is_read_valid;  /* a delta: the read sets are those of the last run's version */
    size_t next, whole, pairs, skipped;
    int stop_rc;
    tby_error stop_err;
};

/* ===== The registry ===== */

/* The position of the record with this id; SIZE_MAX if none. */
static size_t record_find(const tby_monitor *m, const char *id)
{
    size_t lo = 0, hi = m->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(m->records[m->order[mid]].record->id, id);
        if (c == 0)
            return m->order[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

static void record_forget_read(resident_record *r)
{
    tby__free(r->read);
    r->read = NULL;
    r->read_count = 0;
    r->has_read = false;
}

static void record_dispose(resident_record *r)
{
    if (r->has_person)
        tby__person_dispose(&r->person);
    r->has_person = false;
    record_forget_read(r);
}

/* ----- The key index ----- */

static size_t key_slot(const key_index *ki, uint64_t key)
{
    size_t at = (size_t)(key >> 2) & (ki->cap - 1);
    while (ki->keys[at] && ki->keys[at] != key)
        at = (at + 1) & (ki->cap - 1);
    return at;
}

static int key_index_grow(key_index *ki)
{
    size_t cap = ki->cap ? ki->cap * 2 : 4096;
    uint64_t *keys = tby__calloc(cap, sizeof(*keys));
    uint32_t *first = tby__calloc(cap, sizeof(*first));
    if (!keys || !first) {
        tby__free(keys);
        tby__free(first);
        return TBY_ENOMEM;
    }
    key_index old = *ki;
    ki->keys = keys;
    ki->first = first;
    ki->cap = cap;
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.keys[i])
            continue;
        size_t at = key_slot(ki, old.keys[i]);
        ki->keys[at] = old.keys[i];
        ki->first[at] = old.first[i];
    }
    tby__free(old.keys);
    tby__free(old.first);
    return TBY_OK;
}

static int key_index_add(key_index *ki, uint64_t key, uint32_t record)
{
    if ((ki->used + 1) * 2 > ki->cap && key_index_grow(ki))
        return TBY_ENOMEM;
    if (ki->posting_count == ki->posting_cap) {
        size_t cap = ki->posting_cap ? ki->posting_cap * 2 : 4096;
        if (cap > (size_t)UINT32_MAX)
            return TBY_ENOMEM;
        key_posting *grown = tby__realloc(ki->postings, cap * sizeof(*grown));
        if (!grown)
            return TBY_ENOMEM;
        ki->postings = grown;
        ki->posting_cap = cap;
    }
    size_t at = key_slot(ki, key);
    if (!ki->keys[at]) {
        ki->keys[at] = key;
        ki->used++;
    }
    ki->postings[ki->posting_count] = (key_posting){record, ki->first[at]};
    ki->first[at] = (uint32_t)++ki->posting_count;
    return TBY_OK;
}

static void key_index_dispose(key_index *ki)
{
    tby__free(ki->keys);
    tby__free(ki->first);
    tby__free(ki->postings);
    memset(ki, 0, sizeof(*ki));
}

/* Appends the query keys of a parsed record to pairs. ENOMEM or 0. */
static int record_keys(const resident_record *r, uint32_t position, key_pair **pairs, size_t *count,
                       size_t *cap)
{
    if (!r->has_person)
        return TBY_OK; /* never screened: no key concerns it */
    uint64_t keys[TBY__INDEX_MAX_PERSON_KEYS];
    uint8_t groups[TBY__INDEX_MAX_PERSON_KEYS];
    size_t n = tby__index_query_keys(&r->person, keys, groups);
    if (*count + n > *cap) {
        size_t want = *cap ? *cap : 1024;
        while (want < *count + n)
            want *= 2;
        key_pair *grown = tby__realloc(*pairs, want * sizeof(*grown));
        if (!grown)
            return TBY_ENOMEM;
        *pairs = grown;
        *cap = want;
    }
    for (size_t k = 0; k < n; k++)
        (*pairs)[(*count)++] = (key_pair){keys[k], position};
    return TBY_OK;
}

/* ----- Parsing ----- */

/* Parses a record's names into r->person. ENOMEM is the only error kept. */
static int record_parse(resident_record *r)
{
    tby_error scratch;
    int rc = tby__person_init(&r->person, r->record, &scratch);
    r->has_person = rc == TBY_OK;
    return rc == TBY_ENOMEM ? TBY_ENOMEM : TBY_OK;
}

/* Parses records [start, end) of m->records on `threads` threads, gathering their keys. */
typedef struct parse_job {
    resident_record *records;
    size_t start, end;
    key_pair *pairs;
    size_t pair_count, pair_cap;
    int rc;
} parse_job;

static void *parse_thread(void *arg)
{
    parse_job *job = arg;
    for (size_t i = job->start; i < job->end && !job->rc; i++) {
        job->rc = record_parse(&job->records[i]);
        if (!job->rc)
            job->rc = record_keys(&job->records[i], (uint32_t)i, &job->pairs, &job->pair_count,
                                  &job->pair_cap);
    }
    return NULL;
}

/* Parses records [start, end) and puts their keys in the key index. */
static int parse_records(tby_monitor *m, size_t start, size_t end, unsigned threads)
{
    parse_job jobs[64];
    pthread_t ids[64];
    resident_record *records = m->records;
    size_t count = end - start;
    if (threads > count / 1024 + 1)
        threads = (unsigned)(count / 1024 + 1);
    size_t per = (count + threads - 1) / threads;
    unsigned started = 0;
    memset(jobs, 0, sizeof(jobs));
    for (unsigned t = 0; t < threads; t++) {
        jobs[t].records = records;
        jobs[t].start = start + (t * per < count ? t * per : count);
        jobs[t].end = start + ((t + 1) * per < count ? (t + 1) * per : count);
        jobs[t].rc = TBY_OK;
    }
    for (unsigned t = 1; t < threads; t++) {
        if (pthread_create(&ids[t], NULL, parse_thread, &jobs[t]))
            break;
        started = t;
    }
    /* The calling thread parses the first part, and any whose thread did not start. */
    parse_thread(&jobs[0]);
    for (unsigned t = started + 1; t < threads; t++)
        parse_thread(&jobs[t]);
    int rc = jobs[0].rc;
    for (unsigned t = 1; t <= started; t++) {
        pthread_join(ids[t], NULL);
        if (!rc)
            rc = jobs[t].rc;
    }
    for (unsigned t = started + 1; t < threads && !rc; t++)
        rc = jobs[t].rc;
    /* In order of position, so that the index is the same whatever the threads did. */
    for (unsigned t = 0; t < threads; t++) {
        for (size_t i = 0; !rc && i < jobs[t].pair_count; i++)
            rc = key_index_add(&m->keys, jobs[t].pairs[i].key, jobs[t].pairs[i].record);
        tby__free(jobs[t].pairs);
    }
    return rc;
}

/* Parses a replaced record again and adds its keys to the key index. */
static int reparse_record(tby_monitor *m, size_t at)
{
    key_pair *pairs = NULL;
    size_t count = 0, cap = 0;
    int rc = record_parse(&m->records[at]);
    if (!rc)
        rc = record_keys(&m->records[at], (uint32_t)at, &pairs, &count, &cap);
    for (size_t i = 0; !rc && i < count; i++)
        rc = key_index_add(&m->keys, pairs[i].key, pairs[i].record);
    tby__free(pairs);
    return rc;
}

/* Reading the registry: the records, and the highest import that wrote any of them. */
typedef struct registry_read {
    tby__monitor_set set;
    int64_t max_import;
} registry_read;

static int registry_entry(const tby_store_entry *e, void *payload)
{
    registry_read *r = payload;
    if (e->import_id > r->max_import)
        r->max_import = e->import_id;
    return tby__monitor_set_add(e, &r->set);
}

/* Reads what imports wrote since the last refresh (the whole registry the first time) and
 * puts it in place: replaced records parsed again, new ones added. *changed: how many. */
static int refresh_registry(tby_monitor *m, size_t *changed, tby_error *err)
{
    *changed = 0;
    registry_read r;
    memset(&r, 0, sizeof(r));
    int rc = tby__monitor_set_init(&r.set, err);
    if (!rc)
        rc = tby_store_registry_foreach(m->store, NULL,
                                        m->is_registry_read ? m->registry_import + 1 : 0,
                                        registry_entry, &r, err);
    if (!rc && r.set.count && m->set_count == m->set_cap) {
        size_t cap = m->set_cap ? m->set_cap * 2 : 8;
        tby_record_set **sets = tby__realloc(m->sets, cap * sizeof(*sets));
        if (!sets)
            rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
        else {
            m->sets = sets;
            m->set_cap = cap;
        }
    }
    if (!rc && m->count + r.set.count > (size_t)UINT32_MAX)
        rc = tby__error(err, TBY_ERROR, -1, "a resident registry holds at most %lu records",
                        (unsigned long)UINT32_MAX);
    if (!rc && r.set.count && m->count + r.set.count > m->cap) {
        size_t cap = m->cap ? m->cap : 1024;
        while (cap < m->count + r.set.count)
            cap *= 2;
        resident_record *records = tby__realloc(m->records, cap * sizeof(*records));
        if (records)
            m->records = records;
        uint32_t *order = tby__realloc(m->order, cap * sizeof(*order));
        if (order)
            m->order = order;
        if (!records || !order)
            rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
        else
            m->cap = cap;
    }
    if (rc || !r.set.count) {
        if (!rc)
            m->is_registry_read = true;
        tby__monitor_set_dispose(&r.set);
        return rc;
    }
    /* From here nothing fails but parsing out of memory, after which the monitor is closed. */
    size_t old_count = m->count, added = 0;
    resident_record *fresh = m->records + old_count; /* new ones, appended */
    size_t *replaced = tby__malloc(r.set.count * sizeof(*replaced));
    size_t replaced_count = 0;
    if (!replaced) {
        tby__monitor_set_dispose(&r.set);
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    }
    for (size_t i = 0; i < r.set.count; i++) {
        const tby_record *record = tby_record_set_get(r.set.set, i);
        size_t at = old_count ? record_find(m, record->id) : SIZE_MAX;
        resident_record *slot;
        if (at == SIZE_MAX) {
            slot = &fresh[added++];
            memset(slot, 0, sizeof(*slot));
        } else {
            slot = &m->records[at];
            record_dispose(slot);
            replaced[replaced_count++] = at;
        }
        slot->record = record;
        memcpy(slot->identity, r.set.identity[i], TBY_STORE_HASH_LEN);
        slot->identity_import = r.set.identity_import[i];
    }
    m->sets[m->set_count++] = r.set.set;
    r.set.set = NULL;
    m->count = old_count + added;
    rc = parse_records(m, old_count, m->count, tby__monitor_threads(m->opts.threads));
    for (size_t i = 0; !rc && i < replaced_count; i++)
        rc = reparse_record(m, replaced[i]);
    /* The registry is read in order of id: the new records, in order, merged into the order
       from its end. */
    size_t from = old_count, to = m->count;
    while (added && to > 0) {
        size_t last_new = old_count + added - 1;
        if (from == 0 || strcmp(m->records[m->order[from - 1]].record->id,
                                m->records[last_new].record->id) < 0) {
            m->order[--to] = (uint32_t)last_new;
            added--;
        } else {
            m->order[--to] = m->order[--from];
        }
    }
    if (r.max_import > m->registry_import)
        m->registry_import = r.max_import;
    m->is_registry_read = true;
    *changed = r.set.count;
    tby__free(replaced);
    tby__monitor_set_dispose(&r.set);
    return rc ? tby__error(err, rc, -1, "out of memory") : TBY_OK;
}

/* ===== The list ===== */

static void change_dispose(list_change *c)
{
    tby_record_set_free(c->old_side);
    tby__free(c->new_positions);
    memset(c, 0, sizeof(*c));
}

/*
 * The change from `old` to `now` (both read in order of entry id), as the store's diff gives
 * it to tby__monitor_keyset: an entry whose identity hash is the same (a note changed, or
 * nothing) is no change; the old sides in the diff's order (re-identified entries, then
 * removed ones, each in order of id).
 */
static int change_make(list_change *c, const tby__monitor_set *old, const tby__monitor_set *now,
                       tby_error *err)
{
    memset(c, 0, sizeof(*c));
    size_t *removed = tby__malloc((old->count ? old->count : 1) * sizeof(*removed));
    size_t removed_count = 0;
    c->new_positions = tby__malloc((now->count ? now->count : 1) * sizeof(*c->new_positions));
    int rc = removed && c->new_positions ? tby_record_set_new(&c->old_side, err)
                                         : tby__error(err, TBY_ENOMEM, -1, "out of memory");
    size_t i = 0, j = 0;
    while (!rc && (i < old->count || j < now->count)) {
        int cmp = i == old->count   ? 1
                  : j == now->count ? -1
                                    : strcmp(tby_record_set_get(old->set, i)->id,
                                             tby_record_set_get(now->set, j)->id);
        if (cmp < 0) {
            removed[removed_count++] = i++;
            c->changed++;
        } else if (cmp > 0) {
            c->new_positions[c->new_count++] = j++;
            c->changed++;
        } else {
            if (memcmp(old->identity[i], now->identity[j], TBY_STORE_HASH_LEN)) {
                rc = tby_record_set_add(c->old_side, tby_record_set_get(old->set, i), err);
                c->new_positions[c->new_count++] = j;
                c->changed++;
            }
            i++, j++;
        }
    }
    for (size_t k = 0; !rc && k < removed_count; k++)
        rc = tby_record_set_add(c->old_side, tby_record_set_get(old->set, removed[k]), err);
    tby__free(removed);
    if (rc)
        change_dispose(c);
    return rc;
}

/* The key set of the held change (as tby__monitor_keyset builds it from the store's diff). */
static int change_keyset(const tby_monitor *m, tby_keyset **out, size_t *changed, tby_error *err)
{
    const list_change *c = &m->change;
    tby_keyset *ks = NULL;
    int rc = tby_keyset_new(&ks, err);
    for (size_t i = 0; !rc && i < tby_record_set_count(c->old_side); i++)
        rc = tby_keyset_add(ks, tby_record_set_get(c->old_side, i), -1, 0, err);
    for (size_t i = 0; !rc && i < c->new_count; i++)
        rc = tby_keyset_add(ks, tby_record_set_get(m->list.set, c->new_positions[i]), 1,
                            c->new_positions[i], err);
    if (!rc)
        rc = tby_keyset_bind(ks, m->screener, err);
    if (rc) {
        tby_keyset_free(ks);
        return rc;
    }
    *out = ks;
    *changed = c->changed;
    return TBY_OK;
}

/* Builds the screener of `version` under the model held, and swaps it in. */
static int refresh_list(tby_monitor *m, int64_t version, tby_error *err)
{
    tby__monitor_set list;
    tby_screener *screener = NULL;
    int rc = tby__monitor_set_init(&list, err);
    if (!rc)
        rc = tby_store_list_foreach(m->store, m->list_name, version, 0, tby__monitor_set_add, &list,
                                    err);
    if (!rc)
        rc = tby_screener_new(&screener, list.set, err);
    if (!rc && m->model)
        rc = tby_screener_model_load(screener, m->model, m->model_len, err);
    list_change change;
    memset(&change, 0, sizeof(change));
    if (!rc && m->list_version && !(rc = change_make(&change, &m->list, &list, err))) {
        change.from = m->list_version;
        change.to = version;
    }
    if (rc) {
        tby_screener_free(screener);
        tby__monitor_set_dispose(&list);
        return rc;
    }
    change_dispose(&m->change);
    m->change = change;
    tby_screener_free(m->screener);
    tby__monitor_set_dispose(&m->list);
    m->list = list;
    m->screener = screener;
    m->list_version = version;
    return TBY_OK;
}

/* Loads model `model_id` into the screener (kept for the next version's). */
static int load_model(tby_monitor *m, int64_t model_id, tby_error *err)
{
    unsigned char *model = NULL;
    size_t len = 0;
    int rc = tby_store_model_get(m->store, model_id, &model, &len, err);
    if (!rc && m->screener)
        rc = tby_screener_model_load(m->screener, model, len, err);
    if (rc) {
        tby_free(model);
        return rc;
    }
    tby_free(m->model);
    m->model = model;
    m->model_len = len;
    m->model_id = model_id;
    return TBY_OK;
}

int tby_monitor_refresh(tby_monitor *m, size_t *records_read, tby_error *err)
{
    TBY_ASSERT_ARG(m != NULL);
    size_t changed = 0;
    int64_t version = 0;
    int rc = refresh_registry(m, &changed, err);
    if (!rc)
        rc = tby_store_list_latest(m->store, m->list_name, &version, err);
    tby_store_run_info last;
    if (!rc)
        rc = tby_store_run_last(m->store, m->list_name, &last, err);
    /* The model first, so that a new screener is built under it. */
    if (!rc && last.id && last.model_id != m->model_id)
        rc = load_model(m, last.model_id, err);
    if (!rc && version != m->list_version)
        rc = refresh_list(m, version, err);
    if (records_read)
        *records_read = changed;
    return rc;
}

/* ===== Read sets ===== */

/*
 * Computes a record's read set on the screener (its version and model: the monitor's).
 * Under the same model a record's read set changes only when the weight of one of its keys
 * does, so a delta visits a record through the keys of its read set (read_keys), or through
 * all its keys (keys) for the keys whose weight moved. ENOMEM or 0.
 */
static int record_read(const tby_monitor *m, resident_record *r)
{
    record_forget_read(r);
    if (!r->has_person) {
        r->has_read = true; /* never screened: reads nothing */
        return TBY_OK;
    }
    uint64_t keys[TBY__INDEX_MAX_PERSON_KEYS];
    uint8_t groups[TBY__INDEX_MAX_PERSON_KEYS];
    tby__read_key read[TBY__INDEX_MAX_PERSON_KEYS];
    size_t n = tby__index_query_keys(&r->person, keys, groups);
    n = tby__index_read_set_keys(&m->screener->index, keys, groups, n, NULL, NULL, read);
    if (n) {
        r->read = tby__malloc(n * sizeof(*r->read));
        if (!r->read)
            return TBY_ENOMEM;
        memcpy(r->read, read, n * sizeof(*r->read));
    }
    r->read_count = (uint16_t)n;
    r->min_hits = tby__index_min_hits(&r->person);
    r->has_read = true;
    return TBY_OK;
}

typedef struct read_job {
    tby_monitor *m;
    size_t start, end;
    int rc;
} read_job;

static void *read_thread(void *arg)
{
    read_job *job = arg;
    for (size_t i = job->start; i < job->end && !job->rc; i++)
        job->rc = record_read(job->m, &job->m->records[i]);
    return NULL;
}

/* Adds a record's read set to read_keys. ENOMEM or 0. */
static int read_index_add(tby_monitor *m, size_t at)
{
    const resident_record *r = &m->records[at];
    int rc = TBY_OK;
    for (size_t k = 0; !rc && k < r->read_count; k++)
        rc = key_index_add(&m->read_keys, r->read[k].key, (uint32_t)at);
    return rc;
}

/*
 * Every record's read set on the screener, on the monitor's threads, and read_keys built
 * from them: the read sets are then those of the list version held. After a full run, or a
 * delta that could not use them, and when the monitor opens on the version last screened.
 */
static int read_all(tby_monitor *m, tby_error *err)
{
    m->read_version = 0;
    key_index_dispose(&m->read_keys);
    unsigned threads = tby__monitor_threads(m->opts.threads);
    if (threads > m->count / 1024 + 1)
        threads = (unsigned)(m->count / 1024 + 1);
    read_job jobs[64];
    pthread_t ids[64];
    size_t per = (m->count + threads - 1) / threads;
    for (unsigned t = 0; t < threads; t++) {
        jobs[t].m = m;
        jobs[t].start = t * per < m->count ? t * per : m->count;
        jobs[t].end = (t + 1) * per < m->count ? (t + 1) * per : m->count;
        jobs[t].rc = TBY_OK;
    }
    unsigned started = 0;
    for (unsigned t = 1; t < threads; t++) {
        if (pthread_create(&ids[t], NULL, read_thread, &jobs[t]))
            break;
        started = t;
    }
    read_thread(&jobs[0]);
    for (unsigned t = started + 1; t < threads; t++)
        read_thread(&jobs[t]);
    int rc = TBY_OK;
    for (unsigned t = 1; t <= started; t++)
        pthread_join(ids[t], NULL);
    for (unsigned t = 0; t < threads && !rc; t++)
        rc = jobs[t].rc;
    for (size_t i = 0; !rc && i < m->count; i++)
        rc = read_index_add(m, i);
    if (rc)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    m->read_version = m->list_version;
    m->read_model = m->model_id;
    return TBY_OK;
}

/* ===== A run ===== */

static void resident_stop(tby_monitor *m, int rc, const tby_error *err)
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

typedef struct worker {
    tby_monitor *m;
    const resident_record *record;
    size_t whole, pairs, skipped;
    tby_buf json;
    tby_error err;
} worker;

static int worker_alert(const tby_alert *a, void *payload)
{
    worker *w = payload;
    return tby__monitor_found(w->m->run, &w->m->lock, &w->m->list, a, w->record->identity, &w->json,
                              &w->err);
}

static int worker_drop(const tby_record *record, const char *entry_id, void *payload)
{
    worker *w = payload;
    pthread_mutex_lock(&w->m->lock);
    int rc = entry_id ? tby_store_run_drop(w->m->run, record->id, entry_id, &w->err)
                      : tby_store_run_whole(w->m->run, record->id, &w->err);
    pthread_mutex_unlock(&w->m->lock);
    if (!entry_id)
        w->whole++;
    return rc;
}

static int worker_screen(worker *w, tby_screen_worker *screen, const resident_record *r,
                         bool is_read_same);

/* One record of the run, and its read set when it is computed again. A record whose read
   set is not computed again reads what it read at the last run (see delta_todo). */
static int worker_record(worker *w, tby_screen_worker *screen, size_t at)
{
    tby_monitor *m = w->m;
    resident_record *r = &m->records[at];
    bool is_read_same = m->is_read_valid && m->needs_read && r->has_read && !m->needs_read[at];
    int rc = worker_screen(w, screen, r, is_read_same);
    if (!rc && w->m->needs_read && w->m->needs_read[at] && record_read(w->m, r))
        rc = tby__error(&w->err, TBY_ENOMEM, -1, "out of memory");
    return rc;
}

/* One record: whole (a full run, or re-identified since the last run) or its delta. */
static int worker_screen(worker *w, tby_screen_worker *screen, const resident_record *r,
                         bool is_read_same)
{
    tby_monitor *m = w->m;
    w->record = r;
    if (m->is_full || r->identity_import > m->mark) {
        int rc = TBY_OK;
        if (!m->is_full) {
            pthread_mutex_lock(&m->lock);
            rc = tby_store_run_whole(m->run, r->record->id, &w->err);
            pthread_mutex_unlock(&m->lock);
        }
        w->whole++;
        if (!r->has_person) {
            w->skipped++;
            return rc;
        }
        return rc ? rc : tby__screen_worker_person(screen, &r->person, worker_alert, w, &w->err);
    }
    if (!m->keyset || !r->has_person)
        return TBY_OK;
    bool whole = false;
    size_t pairs = 0;
    int rc = is_read_same
                 ? tby__screen_worker_delta_read(screen, m->keyset, &r->person, r->read,
                                                 r->read_count, r->min_hits, &whole, &pairs,
                                                 worker_drop, worker_alert, w, &w->err)
                 : tby__screen_worker_delta_person(screen, m->keyset, &r->person, &whole, &pairs,
                                                   worker_drop, worker_alert, w, &w->err);
    w->pairs += pairs;
    return rc;
}

static void *worker_thread(void *arg)
{
    tby_monitor *m = arg;
    worker w;
    memset(&w, 0, sizeof(w));
    w.m = m;
    tby__buf_init(&w.json, 0);
    tby_error_clear(&w.err);
    tby_screen_worker *screen = NULL;
    int rc = tby_screen_worker_new(&screen, m->screener, &m->screen_opts, &w.err);
    while (!rc) {
        pthread_mutex_lock(&m->lock);
        size_t start = m->next;
        m->next += RESIDENT_CHUNK;
        bool is_stopped = m->stop_rc != 0;
        pthread_mutex_unlock(&m->lock);
        size_t count = m->todo ? m->todo_count : m->count;
        if (is_stopped || start >= count)
            break;
        size_t end = start + RESIDENT_CHUNK < count ? start + RESIDENT_CHUNK : count;
        for (size_t i = start; i < end && !rc; i++)
            rc = worker_record(&w, screen, m->todo ? m->todo[i] : i);
    }
    if (rc)
        resident_stop(m, rc, &w.err);
    pthread_mutex_lock(&m->lock);
    m->whole += w.whole;
    m->pairs += w.pairs;
    m->skipped += w.skipped;
    pthread_mutex_unlock(&m->lock);
    tby_screen_worker_free(screen);
    tby__buf_dispose(&w.json);
    return NULL;
}

static int screen_all(tby_monitor *m, tby_error *err)
{
    unsigned count = tby__monitor_threads(m->opts.threads);
    pthread_t threads[64];
    unsigned started = 0;
    m->next = m->whole = m->pairs = m->skipped = 0;
    for (; started < count; started++) {
        if (pthread_create(&threads[started], NULL, worker_thread, m))
            break;
    }
    if (!started)
        worker_thread(m);
    for (unsigned t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    if (m->stop_rc) {
        if (err)
            *err = m->stop_err;
        return m->stop_rc;
    }
    return TBY_OK;
}

/* The delta of one key, for tby__index_read_set_keys. */
typedef struct one_delta {
    uint64_t key;
    int32_t delta;
} one_delta;

static int32_t one_delta_of(const void *payload, uint64_t key)
{
    const one_delta *d = payload;
    return key == d->key ? d->delta : 0;
}

/*
 * Whether a key of the key set weighs otherwise before the change than after. Not when its
 * postings did not move (delta 0), nor when the pinned model fixes its weight (a pinned key
 * is read whatever its postings; an unpinned one is not read at all with its postings taken
 * away), nor when it is rare both before and after: under a pinned model a rare key that is
 * not a document weighs as rare (RARE_KEY_POSTINGS) however few its postings, and is then
 * the one kind that qualifies alone.
 */
static bool weight_moves(const tby_screener *s, uint64_t key, int32_t delta)
{
    if (!delta)
        return false;
    uint8_t group = 0;
    tby__read_key now, before;
    one_delta gone = {key, INT32_MAX};
    if (tby__index_read_set_keys(&s->index, &key, &group, 1, one_delta_of, &gone, &now))
        return false; /* pinned */
    one_delta d = {key, delta};
    bool is_now = tby__index_read_set_keys(&s->index, &key, &group, 1, NULL, NULL, &now) == 1;
    bool is_before =
        tby__index_read_set_keys(&s->index, &key, &group, 1, one_delta_of, &d, &before) == 1;
    return !(s->index.pin_cap && is_now && is_before && now.qualifies && before.qualifies &&
             !now.document && !before.document);
}

/* Marks the records a key index holds under `key`; returns how many were not marked yet. */
static size_t mark_postings(const key_index *ki, uint64_t key, uint8_t *is_todo,
                            uint8_t *needs_read)
{
    if (!ki->used)
        return 0;
    size_t at = key_slot(ki, key), added = 0;
    if (!ki->keys[at])
        return 0;
    for (uint32_t p = ki->first[at]; p; p = ki->postings[p - 1].next) {
        uint32_t record = ki->postings[p - 1].record;
        added += !is_todo[record];
        is_todo[record] = 1;
        if (needs_read)
            needs_read[record] = 1;
    }
    return added;
}

/*
 * The records a delta visits, into m->todo in order of position; any other one would get
 * nothing from tby__keyset_affected_person:
 *   re-identified since the last run (screened whole), and records whose read set is not
 *     known (added or replaced since it was computed);
 *   with the read sets of the last run's version (read_version): for a key of the key set
 *     whose weight moves, every record holding it (keys), their read sets computed again
 *     after; for any other key, the records whose read set holds it (read_keys). A record
 *     none of whose keys weighs otherwise reads the same keys before and after the change,
 *     and shares with a changed entry only through those;
 *   otherwise: every record holding a key of the key set, and every read set computed again
 *     after the run (read_all).
 */
static int delta_todo(tby_monitor *m, bool is_read_valid, tby_error *err)
{
    uint8_t *is_todo = tby__calloc(m->count ? m->count : 1, 1);
    m->needs_read = tby__calloc(m->count ? m->count : 1, 1);
    uint64_t *keys = NULL;
    int32_t *deltas = NULL;
    size_t key_count = m->keyset ? tby__keyset_keys(m->keyset, NULL, NULL, 0) : 0;
    if (key_count) {
        keys = tby__malloc(key_count * sizeof(*keys));
        deltas = tby__malloc(key_count * sizeof(*deltas));
    }
    if (!is_todo || !m->needs_read || (key_count && (!keys || !deltas))) {
        tby__free(is_todo);
        tby__free(keys);
        tby__free(deltas);
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    }
    size_t todo = 0;
    for (size_t i = 0; i < m->count; i++) {
        const resident_record *r = &m->records[i];
        if (r->identity_import > m->mark || !r->has_read) {
            is_todo[i] = 1;
            m->needs_read[i] = 1;
            todo++;
        }
    }
    key_count = tby__keyset_keys(m->keyset, keys, deltas, key_count);
    for (size_t k = 0; k < key_count; k++) {
        if (!is_read_valid)
            todo += mark_postings(&m->keys, keys[k], is_todo, NULL);
        else if (weight_moves(m->screener, keys[k], deltas[k]))
            todo += mark_postings(&m->keys, keys[k], is_todo, m->needs_read);
        else
            todo += mark_postings(&m->read_keys, keys[k], is_todo, NULL);
    }
    tby__free(keys);
    tby__free(deltas);
    m->todo = tby__malloc((todo ? todo : 1) * sizeof(*m->todo));
    if (!m->todo) {
        tby__free(is_todo);
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    }
    m->todo_count = 0;
    for (size_t i = 0; i < m->count; i++)
        if (is_todo[i])
            m->todo[m->todo_count++] = (uint32_t)i;
    tby__free(is_todo);
    return TBY_OK;
}

/* After a delta committed: the read sets computed again go into read_keys (the postings of
   their old keys stay: a record visited for nothing), or all are computed when the delta
   could not use them. */
static int delta_reads(tby_monitor *m, bool is_read_valid, tby_error *err)
{
    if (!is_read_valid)
        return read_all(m, err);
    for (size_t i = 0; i < m->count; i++) {
        if (m->needs_read[i] && read_index_add(m, i)) {
            m->read_version = 0;
            return tby__error(err, TBY_ENOMEM, -1, "out of memory");
        }
    }
    m->read_version = m->list_version;
    m->read_model = m->model_id;
    return TBY_OK;
}

static int resident_run(tby_monitor *m, unsigned flags, tby_monitor_stats *s, tby_error *err)
{
    double t0 = tby__monitor_now();
    tby_store_run_info last;
    int rc = tby_monitor_refresh(m, NULL, err);
    if (!rc)
        rc = tby_store_run_last(m->store, m->list_name, &last, err);
    if (rc)
        return rc;
    if (!last.id || (flags & TBY_MONITOR_REFIT)) {
        /* A model to fit: the one-shot run fits, pins and screens; its model is loaded here. */
        tby_monitor_options opts = m->opts;
        opts.flags = flags;
        m->read_version = 0;
        rc = tby_monitor_run(m->store, m->list_name, &opts, s, err);
        if (!rc)
            rc = tby_monitor_refresh(m, NULL, err);
        if (!rc && m->list_version == s->list_version)
            rc = read_all(m, err);
        return rc;
    }
    tby__monitor_decide(&last, flags, m->opts.threshold, s); /* no new model: see above */
    s->list_version = m->list_version;
    s->since_version = s->is_full ? 0 : last.list_version;
    m->is_full = s->is_full;
    m->mark = s->is_full ? 0 : last.registry_mark;
    int64_t mark = last.registry_mark;
    for (size_t i = 0; i < m->count; i++) {
        s->records_changed += m->records[i].identity_import > m->mark;
        if (m->records[i].identity_import > mark)
            mark = m->records[i].identity_import;
    }
    s->records = m->count;
    /* The change since the last run's version: held since the refresh when it is the one
       from the version held before, read from the store's diff otherwise. */
    if (!s->is_full && last.list_version != m->list_version) {
        rc = m->change.from == last.list_version && m->change.to == m->list_version
                 ? change_keyset(m, &m->keyset, &s->entries_changed, err)
                 : tby__monitor_keyset(m->store, m->list_name, last.list_version, m->list_version,
                                       &m->list, m->screener, &m->keyset, &s->entries_changed, err);
        if (rc)
            return rc;
    }
    /* The read sets serve when they are those of the version and model of the last run; they
       are not valid again until this run is committed. */
    bool is_read_valid = m->read_version && m->read_version == last.list_version &&
                         m->read_model == m->model_id && last.model_id == m->model_id;
    m->read_version = 0;
    m->is_read_valid = is_read_valid;
    if (!s->is_full && (rc = delta_todo(m, is_read_valid, err)))
        return rc;
    s->seconds_load = tby__monitor_now() - t0;

    tby_store_run_options ro = TBY_STORE_RUN_OPTIONS_INIT;
    ro.actor = m->actor;
    ro.list_name = m->list_name;
    ro.list_version = m->list_version;
    ro.base_run_id = last.id;
    ro.is_full = s->is_full;
    ro.reason = s->is_full ? s->reason : NULL;
    ro.model_id = m->model_id;
    ro.threshold = m->opts.threshold;
    ro.engine_version = tby_version();
    ro.registry_mark = mark;
    if ((rc = tby_store_run_begin(m->store, &ro, &m->run, err)))
        return rc;
    double t1 = tby__monitor_now();
    /* A delta with no list change and no re-identified record has nothing to screen. */
    if (s->is_full || m->keyset || s->records_changed || m->todo_count)
        rc = screen_all(m, err);
    s->seconds_screen = tby__monitor_now() - t1;
    if (rc)
        return rc;
    s->records_whole = m->whole;
    s->pairs_scored = m->pairs;
    s->skipped = m->skipped;
    /* As the one-shot run counts: a full run looked at every record, a delta without a list
       change only at the re-identified ones. */
    if (!s->is_full && !m->keyset)
        s->records = s->records_changed;
    tby_store_run_counts(m->run, s->records, s->records_whole, s->pairs_scored);
    double t2 = tby__monitor_now();
    rc = tby_store_run_commit(m->run, &s->store, err);
    m->run = NULL; /* freed by the commit, whatever it returned */
    s->seconds_commit = tby__monitor_now() - t2;
    if (!rc)
        s->run_id = s->store.run_id;
    /* The read sets of the version now screened, for the next delta (counted in the run). */
    if (!rc)
        rc = s->is_full ? read_all(m, err) : delta_reads(m, is_read_valid, err);
    return rc;
}

int tby_monitor_apply(tby_monitor *m, unsigned flags, tby_monitor_stats *stats, tby_error *err)
{
    TBY_ASSERT_ARG(m != NULL);
    tby_monitor_stats local;
    memset(&local, 0, sizeof(local));
    tby_error_clear(&m->stop_err);
    m->stop_rc = 0;
    double t0 = tby__monitor_now();
    int rc = resident_run(m, flags, &local, err);
    local.seconds = tby__monitor_now() - t0;
    tby_store_run_abort(m->run);
    m->run = NULL;
    tby_keyset_free(m->keyset);
    m->keyset = NULL;
    tby__free(m->todo);
    m->todo = NULL;
    m->todo_count = 0;
    tby__free(m->needs_read);
    m->needs_read = NULL;
    m->is_read_valid = false;
    if (stats)
        *stats = local;
    return rc;
}

const tby_screener *tby_monitor_screener(const tby_monitor *m)
{
    return m && m->model_id ? m->screener : NULL;
}

int64_t tby_monitor_list_version(const tby_monitor *m)
{
    return m ? m->list_version : 0;
}

void tby_monitor_close(tby_monitor *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->count; i++)
        record_dispose(&m->records[i]);
    tby__free(m->records);
    tby__free(m->order);
    key_index_dispose(&m->keys);
    key_index_dispose(&m->read_keys);
    for (size_t i = 0; i < m->set_count; i++)
        tby_record_set_free(m->sets[i]);
    tby__free(m->sets);
    tby_screener_free(m->screener);
    tby__monitor_set_dispose(&m->list);
    change_dispose(&m->change);
    tby_free(m->model);
    tby__free(m->list_name);
    tby__free(m->actor);
    pthread_mutex_destroy(&m->lock);
    tby__free(m);
}

int tby_monitor_open(tby_monitor **out, tby_store *store, const char *list_name,
                     const tby_monitor_options *opts, tby_error *err)
{
    TBY_ASSERT_ARG(out != NULL && store != NULL && list_name != NULL);
    *out = NULL;
    if (!opts || opts->version != TBY_MONITOR_OPTIONS_VERSION)
        return tby__error(err, TBY_EINVALID, -1, "monitor options missing or of another version");
    if (!opts->actor || !opts->actor[0])
        return tby__error(err, TBY_EINVALID, -1, "a screening run needs an actor (who screens)");
    if (!(opts->threshold >= 0.0 && opts->threshold <= 1.0))
        return tby__error(err, TBY_EINVALID, -1, "threshold %g is not in [0, 1]", opts->threshold);
    tby_monitor *m = tby__calloc(1, sizeof(*m));
    if (!m)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    if (pthread_mutex_init(&m->lock, NULL)) {
        tby__free(m);
        return tby__error(err, TBY_ERROR, -1, "cannot create a mutex");
    }
    m->store = store;
    m->opts = *opts;
    m->opts.progress = NULL;
    m->list_name = tby__strndup(list_name, strlen(list_name));
    m->actor = tby__strndup(opts->actor, strlen(opts->actor));
    m->opts.actor = m->actor;
    m->screen_opts = (tby_screen_options)TBY_SCREEN_OPTIONS_INIT;
    m->screen_opts.threshold = opts->threshold;
    m->screen_opts.threads = tby__monitor_threads(opts->threads);
    int rc = m->list_name && m->actor ? tby__monitor_set_init(&m->list, err)
                                      : tby__error(err, TBY_ENOMEM, -1, "out of memory");
    if (!rc)
        rc = tby_monitor_refresh(m, NULL, err);
    /* On the version last screened, under its model, the read sets serve the next delta. */
    tby_store_run_info last;
    if (!rc)
        rc = tby_store_run_last(store, m->list_name, &last, err);
    if (!rc && last.id && last.list_version == m->list_version && last.model_id == m->model_id)
        rc = read_all(m, err);
    if (rc) {
        tby_monitor_close(m);
        return rc;
    }
    *out = m;
    return TBY_OK;
}
