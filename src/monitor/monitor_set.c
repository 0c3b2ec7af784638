// SPDX-License-Identifier: Apache-2.0
// Record sets read from the store for screening with memory (monitor_int.h), and what the
// one-shot run (monitor.c) and the resident monitor (resident.c) share: an alert handed to a
// run, the key set of a list change.
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor/monitor_int.h"
#include "screen/screen_int.h"
#include "util/util_int.h"

int tby__monitor_set_add(const tby_store_entry *e, void *payload)
{
    tby__monitor_set *s = payload;
    if (s->only_after && e->identity_import_id <= s->only_after)
        return TBY_OK;
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint8_t(*identity)[TBY_STORE_HASH_LEN] =
            tby__realloc(s->identity, cap * sizeof(*s->identity));
        if (identity)
            s->identity = identity;
        int64_t *imports = tby__realloc(s->identity_import, cap * sizeof(*imports));
        if (imports)
            s->identity_import = imports;
        if (!identity || !imports)
            return tby__error(s->err, TBY_ENOMEM, -1, "out of memory");
        s->cap = cap;
    }
    int rc = tby_record_set_add(s->set, e->record, s->err);
    if (rc)
        return rc;
    memcpy(s->identity[s->count], e->identity_hash, TBY_STORE_HASH_LEN);
    s->identity_import[s->count] = e->identity_import_id;
    if (e->identity_import_id > s->max_identity_import)
        s->max_identity_import = e->identity_import_id;
    s->count++;
    return TBY_OK;
}

int tby__monitor_set_init(tby__monitor_set *s, tby_error *err)
{
    memset(s, 0, sizeof(*s));
    s->err = err;
    return tby_record_set_new(&s->set, err);
}

void tby__monitor_set_dispose(tby__monitor_set *s)
{
    tby_record_set_free(s->set);
    tby__free(s->identity);
    tby__free(s->identity_import);
    memset(s, 0, sizeof(*s));
}

/* The position of the record with this id in a set read in order of id; SIZE_MAX if none. */
size_t tby__monitor_set_find(const tby__monitor_set *s, const char *id)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(tby_record_set_get(s->set, mid)->id, id);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

/* A JSON value as compact text in `buf` (jansson writes into our buffer, not its own). */
static int json_text(tby_buf *buf, const json_t *value)
{
    const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
    size_t len = json_dumpb(value, NULL, 0, flags);
    tby__buf_clear(buf);
    if (!len)
        return TBY_ENOMEM;
    char *scratch = tby__malloc(len);
    if (!scratch)
        return TBY_ENOMEM;
    int rc = json_dumpb(value, scratch, len, flags) == len && !tby__buf_put(buf, scratch, len)
                 ? TBY_OK
                 : TBY_ENOMEM;
    tby__free(scratch);
    return rc;
}

int tby__monitor_found(tby_store_run *run, pthread_mutex_t *lock, const tby__monitor_set *list,
                       const tby_alert *a, const uint8_t *record_identity, tby_buf *json,
                       tby_error *err)
{
    if (a->entry_index >= list->count)
        return tby__error(err, TBY_ERROR, -1, "alert on entry %zu of a list of %zu", a->entry_index,
                          list->count);
    json_t *explanation = tby_screen__alert_json(a);
    char *text = NULL;
    int rc = explanation && !json_text(json, explanation) && !tby_alert_explain(&text, a)
                 ? TBY_OK
                 : tby__error(err, TBY_ENOMEM, -1, "out of memory");
    json_decref(explanation);
    if (!rc) {
        tby_store_found found;
        found.record_id = a->record->id;
        found.record_identity = record_identity;
        found.entry_id = a->entry->id;
        found.entry_identity = list->identity[a->entry_index];
        found.score = a->score;
        found.grade = tby_grade_name(a->grade);
        found.matched_name = a->matched_name ? a->matched_name : "";
        found.explanation_json = json->ptr;
        found.explanation_text = text;
        pthread_mutex_lock(lock);
        rc = tby_store_run_found(run, &found, err);
        pthread_mutex_unlock(lock);
    }
    tby_free(text);
    return rc;
}

unsigned tby__monitor_threads(unsigned asked)
{
    if (asked)
        return asked > 64 ? 64 : asked;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

/* ----- The key set of a list change ----- */

typedef struct diff_reader {
    tby_buf old_lines; /* old sides (removed, changed) as JSON lines */
    char **new_ids;    /* entries whose new side counts (added, changed) */
    size_t new_count, new_cap;
    size_t changed; /* entries added, removed, re-identified */
    tby_error *err;
} diff_reader;

static int diff_entry(const tby_list_diff_entry *e, void *payload)
{
    diff_reader *d = payload;
    /* A change that leaves the identifying data alone (a note) changes no score. */
    if (e->change == TBY_STORE_CHANGED && !e->is_identity_changed)
        return TBY_OK;
    d->changed++;
    if (e->old_json &&
        (tby__buf_puts(&d->old_lines, e->old_json) || tby__buf_putc(&d->old_lines, '\n')))
        return tby__error(d->err, TBY_ENOMEM, -1, "out of memory");
    if (!e->new_json)
        return TBY_OK;
    if (d->new_count == d->new_cap) {
        size_t cap = d->new_cap ? d->new_cap * 2 : 64;
        char **ids = tby__realloc(d->new_ids, cap * sizeof(*ids));
        if (!ids)
            return tby__error(d->err, TBY_ENOMEM, -1, "out of memory");
        d->new_ids = ids;
        d->new_cap = cap;
    }
    char *id = tby__strndup(e->entry_id, strlen(e->entry_id));
    if (!id)
        return tby__error(d->err, TBY_ENOMEM, -1, "out of memory");
    d->new_ids[d->new_count++] = id;
    return TBY_OK;
}

int tby__monitor_keyset(tby_store *store, const char *list_name, int64_t from, int64_t to,
                        const tby__monitor_set *list, const tby_screener *screener,
                        tby_keyset **out, size_t *changed, tby_error *err)
{
    *out = NULL;
    diff_reader d;
    memset(&d, 0, sizeof(d));
    tby__buf_init(&d.old_lines, 0);
    d.err = err;
    tby_record_set *old_side = NULL;
    tby_keyset *keyset = NULL;
    int rc = tby_store_list_diff(store, list_name, from, to, diff_entry, &d, NULL, err);
    if (!rc)
        rc = tby_keyset_new(&keyset, err);
    if (!rc && d.old_lines.len) {
        tby_reader_options ro = TBY_READER_OPTIONS_INIT;
        ro.format = TBY_FORMAT_JSONL;
        ro.strict = true;
        ro.source_name = "<store>";
        rc = tby_record_set_load_buffer(&old_side, d.old_lines.ptr, d.old_lines.len, &ro, err);
    }
    for (size_t i = 0; !rc && old_side && i < tby_record_set_count(old_side); i++)
        rc = tby_keyset_add(keyset, tby_record_set_get(old_side, i), -1, 0, err);
    for (size_t i = 0; !rc && i < d.new_count; i++) {
        size_t at = tby__monitor_set_find(list, d.new_ids[i]);
        rc = at == SIZE_MAX ? tby__error(err, TBY_ERROR, -1,
                                         "entry %s of the diff is not in the version", d.new_ids[i])
                            : tby_keyset_add(keyset, tby_record_set_get(list->set, at), 1, at, err);
    }
    /* Lets the delta settle pair by pair the records whose queries weigh keys otherwise. */
    if (!rc)
        rc = tby_keyset_bind(keyset, screener, err);
    if (changed)
        *changed = d.changed;
    tby_record_set_free(old_side);
    for (size_t i = 0; i < d.new_count; i++)
        tby__free(d.new_ids[i]);
    tby__free(d.new_ids);
    tby__buf_dispose(&d.old_lines);
    if (rc)
        tby_keyset_free(keyset);
    else
        *out = keyset;
    return rc;
}

void tby__monitor_decide(const tby_store_run_info *last, unsigned flags, double threshold,
                         tby_monitor_stats *s)
{
    s->is_full = true;
    if (!last->id)
        snprintf(s->reason, sizeof(s->reason), "first run of the list");
    else if (flags & TBY_MONITOR_REFIT)
        snprintf(s->reason, sizeof(s->reason), "a new model was asked for");
    else if (flags & TBY_MONITOR_FULL)
        snprintf(s->reason, sizeof(s->reason), "a full run was asked for");
    else if (last->threshold != threshold)
        snprintf(s->reason, sizeof(s->reason), "the threshold changed from %g to %g",
                 last->threshold, threshold);
    else if (strcmp(last->engine_version, tby_version()))
        snprintf(s->reason, sizeof(s->reason), "the engine changed from %s to %s",
                 last->engine_version, tby_version());
    else
        s->is_full = false;
    s->is_new_model = !last->id || (flags & TBY_MONITOR_REFIT);
}

double tby__monitor_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
