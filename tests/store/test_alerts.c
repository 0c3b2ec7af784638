// SPDX-License-Identifier: Apache-2.0
// Tests of screening runs, alerts, decisions, clearances and redress at the store's level
// (src/store/runs.c, review.c), with runs whose findings the test makes up: what a commit
// keeps, supersedes and suppresses, that a run that lost a race stores nothing, the
// decision rules (a reason to clear, two different reviewers to confirm), what a redress
// reference says, and that nothing deletes or rewrites an alert.
#define _POSIX_C_SOURCE 200809L
#include "harness/test.h"
#include "store/store_test.h"

static char db_path[300];
static const uint8_t hash_a[TBY_STORE_HASH_LEN] = {1};
static const uint8_t hash_b[TBY_STORE_HASH_LEN] = {2};

static tby_store *fresh_store(void)
{
    store_test_path(db_path, sizeof(db_path), "alerts.db");
    store_test_remove_db(db_path);
    tby_store *store = store_test_open(db_path, true);
    tby_error err;
    TEST_INT_EQ(store_test_registry(store, "id,name\nR1,Ali Hasan\nR2,Omar Salih\nR3,Zaid Amer\n",
                                    NULL, true, NULL, &err),
                0);
    TEST_INT_EQ(
        store_test_list(store, "UN", "id,name\nE1,Ali Hasan\nE2,Omar Salih\n", true, NULL, &err),
        0);
    return store;
}

static tby_store_run *begin(tby_store *store, bool is_full)
{
    tby_store_run_info last;
    tby_error err;
    TEST_INT_EQ(tby_store_run_last(store, "UN", &last, &err), 0);
    tby_store_run_options opts = TBY_STORE_RUN_OPTIONS_INIT;
    opts.actor = "test";
    opts.list_name = "UN";
    opts.list_version = 1;
    opts.base_run_id = last.id;
    opts.is_full = is_full;
    static const unsigned char model[] = "a model";
    if (last.model_id) {
        opts.model_id = last.model_id;
    } else {
        opts.model = model;
        opts.model_len = sizeof(model);
    }
    opts.threshold = 0.001;
    opts.engine_version = "test-engine";
    tby_store_run *run = NULL;
    TEST_INT_EQ(tby_store_run_begin(store, &opts, &run, &err), 0);
    return run;
}

static void found(tby_store_run *run, const char *record, const char *entry, double score,
                  const uint8_t *record_hash)
{
    tby_store_found f;
    f.record_id = record;
    f.record_identity = record_hash;
    f.entry_id = entry;
    f.entry_identity = hash_b;
    f.score = score;
    f.grade = score > 0.5 ? "probable" : "identifier_check";
    f.matched_name = "Matched Name";
    f.explanation_json = "{\"score\":1}";
    f.explanation_text = "score 1";
    TEST_INT_EQ(tby_store_run_found(run, &f, NULL), 0);
}

static tby_store_run_stats commit(tby_store_run *run)
{
    tby_store_run_stats stats;
    memset(&stats, 0, sizeof(stats));
    tby_error err;
    int rc = tby_store_run_commit(run, &stats, &err);
    if (rc)
        TEST__FAIL("commit: %s", err.message);
    return stats;
}

/* Status of the standing alert of a pair ("" when none), by SQL. */
static const char *standing(const char *record, const char *entry)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT status FROM alerts WHERE record_id = '%s' AND entry_id = '%s' AND status "
             "<> 'superseded'",
             record, entry);
    return store_test_sql_text(db_path, sql);
}

static int64_t standing_id(const char *record, const char *entry)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT id FROM alerts WHERE record_id = '%s' AND entry_id = '%s' AND status <> "
             "'superseded'",
             record, entry);
    return store_test_sql_int(db_path, sql);
}

static void test_alerts__runs_keep_supersede_and_add(void)
{
    tby_store *store = fresh_store();
    tby_store_run *run = begin(store, true);
    found(run, "R1", "E1", 0.9, hash_a);
    found(run, "R1", "E2", 0.2, hash_a);
    found(run, "R2", "E1", 0.3, hash_a);
    found(run, "R2", "E1", 0.3, hash_a); /* the same pair twice is stored once */
    tby_store_run_counts(run, 3, 3, 0);
    tby_store_run_stats stats = commit(run);
    TEST_INT_EQ(stats.alerts_new, 3);
    TEST_INT_EQ(stats.alerts_superseded, 0);
    TEST_CHECK(stats.model_id > 0);
    int64_t first_r1e1 = standing_id("R1", "E1");

    /* A delta: R1 screened whole finds E1 again unchanged (kept) but not E2 (superseded); the
       pair (R2, E1) is dropped and not found again; (R3, E2) is new. */
    run = begin(store, false);
    TEST_INT_EQ(tby_store_run_whole(run, "R1", NULL), 0);
    TEST_INT_EQ(tby_store_run_drop(run, "R2", "E1", NULL), 0);
    found(run, "R1", "E1", 0.9, hash_a);
    found(run, "R3", "E2", 0.6, hash_a);
    stats = commit(run);
    TEST_INT_EQ(stats.alerts_new, 1);
    TEST_INT_EQ(stats.alerts_kept, 1);
    TEST_INT_EQ(stats.alerts_superseded, 2);
    TEST_INT_EQ(standing_id("R1", "E1"), first_r1e1);
    TEST_STR_EQ(standing("R1", "E2"), "");
    TEST_STR_EQ(standing("R2", "E1"), "");
    TEST_STR_EQ(standing("R3", "E2"), "open");

    /* A delta that touches nothing leaves everything; a changed score replaces the alert. */
    run = begin(store, false);
    found(run, "R3", "E2", 0.7, hash_a);
    stats = commit(run);
    TEST_INT_EQ(stats.alerts_new, 1);
    TEST_INT_EQ(stats.alerts_superseded, 1);
    TEST_STR_EQ(standing("R1", "E1"), "open");
    TEST_INT_EQ(store_test_sql_int(db_path, "SELECT count(*) FROM alerts"), 5);

    /* A record that left the registry loses its standing alerts at the next run. */
    store_test_sql(db_path, "DELETE FROM registry WHERE record_id = 'R3'");
    run = begin(store, false);
    stats = commit(run);
    TEST_INT_EQ(stats.alerts_unregistered, 1);
    TEST_STR_EQ(standing("R3", "E2"), "");

    /* Every run is complete with its audit entry; alerts carry what made them. */
    TEST_INT_EQ(store_test_sql_int(db_path,
                                   "SELECT count(*) FROM screening_runs r JOIN audit_log a ON "
                                   "a.seq = r.audit_seq WHERE r.status = 'complete' AND "
                                   "a.action = 'screen.run' AND a.object = 'list:UN@1'"),
                4);
    TEST_INT_EQ(store_test_sql_int(db_path, "SELECT count(*) FROM screening_models"), 1);
    TEST_INT_EQ(store_test_sql_int(db_path,
                                   "SELECT count(*) FROM alerts WHERE engine_version = "
                                   "'test-engine' AND threshold = 0.001 AND list_version = 1"),
                5);
    tby_store_run_info last;
    TEST_INT_EQ(tby_store_run_last(store, "UN", &last, NULL), 0);
    TEST_INT_EQ(last.alerts_superseded, 1);
    TEST_CHECK(!last.is_full && last.finished_at[0]);
    TEST_INT_EQ(tby_store_run_last(store, "nope", &last, NULL), TBY_ENOTFOUND);
    tby_audit_report report;
    TEST_INT_EQ(tby_store_audit_verify(store, &report, NULL), 0);
    tby_store_close(store);
}

static void test_alerts__a_run_that_lost_the_race_stores_nothing(void)
{
    tby_store *store = fresh_store();
    commit(begin(store, true));
    tby_store_run *slow = begin(store, false);
    tby_store_run *fast = begin(store, false);
    found(fast, "R1", "E1", 0.9, hash_a);
    commit(fast);
    found(slow, "R2", "E2", 0.9, hash_a);
    tby_error err;
    TEST_INT_EQ(tby_store_run_commit(slow, NULL, &err), TBY_EEXISTS);
    TEST_CHECK(strstr(err.message, "screen again") != NULL);
    TEST_STR_EQ(standing("R2", "E2"), "");
    TEST_INT_EQ(store_test_sql_int(db_path, "SELECT count(*) FROM screening_runs WHERE status = "
                                            "'abandoned'"),
                1);
    /* A run given up before its commit is marked so, and stores nothing. */
    tby_store_run *given_up = begin(store, false);
    found(given_up, "R2", "E2", 0.9, hash_a);
    tby_store_run_abort(given_up);
    TEST_STR_EQ(standing("R2", "E2"), "");
    TEST_INT_EQ(store_test_sql_int(db_path, "SELECT count(*) FROM screening_runs WHERE status = "
                                            "'abandoned'"),
                2);
    tby_store_close(store);
}

static void test_alerts__options_refused(void)
{
    tby_store *store = fresh_store();
    tby_store_run_options opts = TBY_STORE_RUN_OPTIONS_INIT;
    tby_store_run *run = NULL;
    tby_error err;
    TEST_INT_EQ(tby_store_run_begin(store, &opts, &run, &err), TBY_EINVALID);
    opts.actor = "test";
    opts.list_name = "UN";
    opts.engine_version = "e";
    opts.list_version = 1;
    TEST_INT_EQ(tby_store_run_begin(store, &opts, &run, &err), TBY_EINVALID); /* no model */
    opts.model_id = 42;
    TEST_INT_EQ(tby_store_run_begin(store, &opts, &run, &err), TBY_ENOTFOUND);
    opts.list_name = "nope";
    TEST_INT_EQ(tby_store_run_begin(store, &opts, &run, &err), TBY_ENOTFOUND);
    TEST_CHECK(run == NULL);
    run = begin(store, true);
    tby_store_found f;
    memset(&f, 0, sizeof(f));
    TEST_INT_EQ(tby_store_run_found(run, &f, &err), TBY_EINVALID);
    f.record_id = "R1";
    f.entry_id = "E1";
    f.record_identity = f.entry_identity = hash_a;
    f.matched_name = f.explanation_json = f.explanation_text = "x";
    f.grade = "none";
    TEST_INT_EQ(tby_store_run_found(run, &f, &err), TBY_EINVALID);
    tby_store_run_abort(run);
    tby_store_close(store);
}

static void test_alerts__decisions(void)
{
    tby_store *store = fresh_store();
    tby_store_run *run = begin(store, true);
    found(run, "R1", "E1", 0.9, hash_a);
    found(run, "R1", "E2", 0.2, hash_a);
    found(run, "R2", "E2", 0.8, hash_a);
    commit(run);
    int64_t a1 = standing_id("R1", "E1"), a2 = standing_id("R1", "E2"),
            a3 = standing_id("R2", "E2");
    tby_alert_decision d;
    tby_error err;

    /* Clearing needs a reason; a cleared alert takes no other decision. */
    TEST_INT_EQ(tby_store_alert_decide(store, a1, TBY_ALERT_CLEAR, "amal", NULL, &d, &err),
                TBY_EINVALID);
    TEST_CHECK(strstr(err.message, "reason") != NULL);
    TEST_INT_EQ(tby_store_alert_decide(store, a1, TBY_ALERT_CLEAR, "amal", "", &d, &err),
                TBY_EINVALID);
    TEST_INT_EQ(
        tby_store_alert_decide(store, a1, TBY_ALERT_CLEAR, "amal", "born 1950, not 1990", &d, &err),
        0);
    TEST_INT_EQ(d.from, TBY_ALERT_OPEN);
    TEST_INT_EQ(d.to, TBY_ALERT_CLEARED);
    TEST_INT_EQ(strlen(d.reference), TBY_REDRESS_REF_LEN - 1);
    TEST_CHECK(!strncmp(d.reference, "TBY-", 4) && d.reference[8] == '-' && d.reference[13] == '-');
    char reference[TBY_REDRESS_REF_LEN];
    snprintf(reference, sizeof(reference), "%s", d.reference);
    TEST_INT_EQ(tby_store_alert_decide(store, a1, TBY_ALERT_ESCALATE, "omar", NULL, &d, &err),
                TBY_EINVALID);
    TEST_CHECK(strstr(err.message, "cleared") != NULL);

    /* Confirmation needs two different reviewers. */
    TEST_INT_EQ(tby_store_alert_decide(store, a2, TBY_ALERT_ESCALATE, "omar", NULL, &d, &err), 0);
    TEST_INT_EQ(d.to, TBY_ALERT_ESCALATED);
    TEST_INT_EQ(tby_store_alert_decide(store, a2, TBY_ALERT_ESCALATE, "omar", NULL, &d, &err),
                TBY_EINVALID);
    TEST_INT_EQ(
        tby_store_alert_decide(store, a2, TBY_ALERT_CONFIRM, "amal", "same passport", &d, &err), 0);
    TEST_INT_EQ(d.to, TBY_ALERT_PENDING_CONFIRMATION);
    TEST_INT_EQ(tby_store_alert_decide(store, a2, TBY_ALERT_CONFIRM, "amal", NULL, &d, &err),
                TBY_EINVALID);
    TEST_CHECK(strstr(err.message, "second reviewer") != NULL);
    TEST_STR_EQ(standing("R1", "E2"), "pending_confirmation");
    TEST_INT_EQ(tby_store_alert_decide(store, a2, TBY_ALERT_CONFIRM, "omar", NULL, &d, &err), 0);
    TEST_INT_EQ(d.to, TBY_ALERT_CONFIRMED);
    TEST_INT_EQ(tby_store_alert_decide(store, a2, TBY_ALERT_CONFIRM, "zaid", NULL, &d, &err),
                TBY_EINVALID);
    TEST_INT_EQ(tby_store_alert_decide(store, 999, TBY_ALERT_CONFIRM, "zaid", NULL, &d, &err),
                TBY_ENOTFOUND);
    TEST_INT_EQ(tby_store_alert_decide(store, a3, TBY_ALERT_CONFIRM, "", NULL, &d, &err),
                TBY_EINVALID);

    /* Each decision is in the audit log and the decisions table; refused ones are not. */
    TEST_INT_EQ(store_test_sql_int(db_path, "SELECT count(*) FROM decisions"), 4);
    TEST_INT_EQ(store_test_sql_int(db_path,
                                   "SELECT count(*) FROM decisions d JOIN audit_log a ON a.seq = "
                                   "d.audit_seq WHERE a.action = 'alert.' || d.action AND "
                                   "a.object = 'alert:' || d.alert_id AND a.actor = d.actor"),
                4);
    TEST_INT_EQ(store_test_sql_int(db_path, "SELECT count(*) FROM clearances WHERE active = 1"), 1);

    /* The redress reference: cleared, in any spelling; an unknown one; a malformed one. */
    tby_redress_status status;
    TEST_INT_EQ(tby_store_redress_status(store, reference, &status, &err), 0);
    TEST_INT_EQ(status, TBY_REDRESS_CLEARED);
    char sloppy[64];
    snprintf(sloppy, sizeof(sloppy), " tby%.4s %.4s%.4s", reference + 4, reference + 9,
             reference + 14);
    for (char *c = sloppy; *c; c++)
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    TEST_INT_EQ(tby_store_redress_status(store, sloppy, &status, &err), 0);
    TEST_INT_EQ(status, TBY_REDRESS_CLEARED);
    TEST_INT_EQ(tby_store_redress_status(store, "TBY-0000-0000-000O", &status, &err), 0);
    TEST_INT_EQ(status, TBY_REDRESS_UNKNOWN);
    TEST_INT_EQ(tby_store_redress_status(store, "TBY-0000-0000", &status, &err), TBY_EINVALID);
    TEST_INT_EQ(tby_store_redress_status(store, "TBY-UUUU-0000-0000", &status, &err), TBY_EINVALID);
    tby_store_close(store);
}

typedef struct decisions_seen {
    int count;
    char first_reference[TBY_REDRESS_REF_LEN];
    tby_alert_action last_action;
    tby_alert_status last_to;
} decisions_seen;

static int see_decision(const tby_store_decision *d, void *payload)
{
    decisions_seen *seen = payload;
    if (!seen->count && d->reference)
        snprintf(seen->first_reference, sizeof(seen->first_reference), "%s", d->reference);
    seen->last_action = d->action;
    seen->last_to = d->to;
    seen->count++;
    return 0;
}

static void test_alerts__clearance_suppresses_until_identity_changes(void)
{
    tby_store *store = fresh_store();
    tby_store_run *run = begin(store, true);
    found(run, "R1", "E1", 0.9, hash_a);
    commit(run);
    int64_t cleared = standing_id("R1", "E1");
    tby_alert_decision d;
    TEST_INT_EQ(
        tby_store_alert_decide(store, cleared, TBY_ALERT_CLEAR, "amal", "not him", &d, NULL), 0);
    char reference[TBY_REDRESS_REF_LEN];
    snprintf(reference, sizeof(reference), "%s", d.reference);
    decisions_seen seen = {0, "", 0, 0};
    TEST_INT_EQ(tby_store_alert_decisions(store, cleared, see_decision, &seen, NULL), 0);
    TEST_INT_EQ(seen.count, 1);
    TEST_STR_EQ(seen.first_reference, reference);

    /* Found again unchanged: the cleared alert stays as it is. */
    run = begin(store, true);
    found(run, "R1", "E1", 0.9, hash_a);
    tby_store_run_stats stats = commit(run);
    TEST_INT_EQ(stats.alerts_kept, 1);
    TEST_INT_EQ(standing_id("R1", "E1"), cleared);

    /* Another score (a new model) with the same identifying data: suppressed, not open. */
    run = begin(store, true);
    found(run, "R1", "E1", 0.8, hash_a);
    stats = commit(run);
    TEST_INT_EQ(stats.alerts_suppressed, 1);
    TEST_INT_EQ(stats.alerts_new, 0);
    TEST_STR_EQ(standing("R1", "E1"), "suppressed");
    tby_redress_status status;
    TEST_INT_EQ(tby_store_redress_status(store, reference, &status, NULL), 0);
    TEST_INT_EQ(status, TBY_REDRESS_CLEARED);
    /* A suppressed alert is not in the queue and takes no decision. */
    int64_t suppressed = standing_id("R1", "E1");
    TEST_INT_EQ(
        tby_store_alert_decide(store, suppressed, TBY_ALERT_CONFIRM, "amal", NULL, &d, NULL),
        TBY_EINVALID);

    /* The record's identifying data changed: the clearance no longer applies. */
    run = begin(store, true);
    found(run, "R1", "E1", 0.8, hash_b);
    stats = commit(run);
    TEST_INT_EQ(stats.alerts_new, 1);
    TEST_INT_EQ(stats.alerts_superseded, 1);
    TEST_STR_EQ(standing("R1", "E1"), "open");
    TEST_INT_EQ(tby_store_redress_status(store, reference, &status, NULL), 0);
    TEST_INT_EQ(status, TBY_REDRESS_UNDER_REVIEW);

    /* No longer found at all: the old clearance stands again. */
    commit(begin(store, true));
    TEST_INT_EQ(tby_store_redress_status(store, reference, &status, NULL), 0);
    TEST_INT_EQ(status, TBY_REDRESS_CLEARED);
    TEST_INT_EQ(store_test_sql_int(db_path, "SELECT count(*) FROM alerts WHERE status <> "
                                            "'superseded'"),
                0);
    tby_store_close(store);
}

typedef struct clearances_seen {
    size_t count, active;
    int64_t last_id;
    char site[32];
} clearances_seen;

static int see_clearance(const tby_store_clearance *c, void *payload)
{
    clearances_seen *seen = payload;
    seen->count++;
    seen->active += c->is_active;
    seen->last_id = c->id;
    snprintf(seen->site, sizeof(seen->site), "%s", c->site ? c->site : "(none)");
    return 0;
}

static void test_alerts__revoking_a_clearance(void)
{
    tby_store *store = fresh_store();
    tby_store_run *run = begin(store, true);
    found(run, "R1", "E1", 0.9, hash_a);
    commit(run);
    int64_t alert = standing_id("R1", "E1");
    tby_alert_decision d;
    TEST_INT_EQ(tby_store_alert_decide(store, alert, TBY_ALERT_CLEAR, "amal", "not him", &d, NULL),
                0);
    clearances_seen seen = {0, 0, 0, ""};
    TEST_INT_EQ(tby_store_clearances_foreach(store, 0, 0, true, see_clearance, &seen, NULL), 0);
    TEST_INT_EQ(seen.count, 1);
    TEST_STR_EQ(seen.site, "(none)"); /* the registry of this test names no sites */
    int64_t id = seen.last_id;
    tby_error err;
    TEST_INT_EQ(tby_store_clearance_revoke(store, id, "zaid", NULL, NULL, NULL, &err),
                TBY_EINVALID);
    TEST_INT_EQ(tby_store_clearance_revoke(store, id + 1, "zaid", "x", NULL, NULL, &err),
                TBY_ENOTFOUND);
    size_t reopened = 0;
    int64_t seq = 0;
    TEST_INT_EQ(
        tby_store_clearance_revoke(store, id, "zaid", "new evidence", &reopened, &seq, &err), 0);
    TEST_INT_EQ(reopened, 1);
    TEST_CHECK(seq > 0);
    TEST_INT_EQ(tby_store_clearance_revoke(store, id, "zaid", "again", NULL, NULL, &err),
                TBY_EINVALID);
    /* The alert is back in the queue, and the reference says so. */
    TEST_STR_EQ(standing("R1", "E1"), "open");
    TEST_INT_EQ(standing_id("R1", "E1"), alert);
    tby_redress_status status;
    TEST_INT_EQ(tby_store_redress_status(store, d.reference, &status, NULL), 0);
    TEST_INT_EQ(status, TBY_REDRESS_UNDER_REVIEW);
    memset(&seen, 0, sizeof(seen));
    TEST_INT_EQ(tby_store_clearances_foreach(store, 0, 0, true, see_clearance, &seen, NULL), 0);
    TEST_INT_EQ(seen.count, 0);
    TEST_INT_EQ(tby_store_clearances_foreach(store, 0, 0, false, see_clearance, &seen, NULL), 0);
    TEST_INT_EQ(seen.count, 1);
    TEST_INT_EQ(seen.active, 0);
    /* A later run with another score and the same identifying data: open, not suppressed. */
    run = begin(store, true);
    found(run, "R1", "E1", 0.8, hash_a);
    tby_store_run_stats stats = commit(run);
    TEST_INT_EQ(stats.alerts_suppressed, 0);
    TEST_INT_EQ(stats.alerts_new, 1);
    TEST_STR_EQ(standing("R1", "E1"), "open");
    TEST_INT_EQ(store_test_sql_int(db_path, "SELECT count(*) FROM audit_log WHERE action = "
                                            "'clearance.revoke'"),
                1);
    tby_audit_report report;
    TEST_INT_EQ(tby_store_audit_verify(store, &report, NULL), 0);
    tby_store_close(store);
}

typedef struct alert_count {
    size_t count;
    int64_t last_id;
    tby_alert_status last_status;
} alert_count;

static int count_alert(const tby_store_alert *a, void *payload)
{
    alert_count *c = payload;
    c->count++;
    c->last_id = a->id;
    c->last_status = a->status;
    return 0;
}

static void test_alerts__reading_and_append_only(void)
{
    tby_store *store = fresh_store();
    tby_store_run *run = begin(store, true);
    found(run, "R1", "E1", 0.9, hash_a);
    found(run, "R2", "E2", 0.3, hash_a);
    commit(run);
    tby_alert_decision d;
    TEST_INT_EQ(tby_store_alert_decide(store, standing_id("R1", "E1"), TBY_ALERT_CLEAR, "amal",
                                       "not him", &d, NULL),
                0);
    alert_count c = {0, 0, 0};
    TEST_INT_EQ(tby_store_alerts_foreach(store, NULL, count_alert, &c, NULL), 0);
    TEST_INT_EQ(c.count, 1); /* the queue: the open one */
    TEST_INT_EQ(c.last_status, TBY_ALERT_OPEN);
    tby_store_alert_filter filter = TBY_STORE_ALERT_FILTER_INIT;
    filter.statuses = TBY_ALERT_STATUS_BIT(TBY_ALERT_CLEARED);
    memset(&c, 0, sizeof(c));
    TEST_INT_EQ(tby_store_alerts_foreach(store, &filter, count_alert, &c, NULL), 0);
    TEST_INT_EQ(c.count, 1);
    TEST_INT_EQ(c.last_status, TBY_ALERT_CLEARED);
    filter.statuses = TBY_ALERT_CURRENT;
    filter.list_name = "UN";
    memset(&c, 0, sizeof(c));
    TEST_INT_EQ(tby_store_alerts_foreach(store, &filter, count_alert, &c, NULL), 0);
    TEST_INT_EQ(c.count, 2);
    filter.alert_id = c.last_id;
    memset(&c, 0, sizeof(c));
    TEST_INT_EQ(tby_store_alerts_foreach(store, &filter, count_alert, &c, NULL), 0);
    TEST_INT_EQ(c.count, 1);
    filter.alert_id = 0;
    filter.list_name = "nope";
    TEST_INT_EQ(tby_store_alerts_foreach(store, &filter, count_alert, &c, NULL), TBY_ENOTFOUND);
    filter.list_name = NULL;
    filter.statuses = 1u << 30;
    TEST_INT_EQ(tby_store_alerts_foreach(store, &filter, count_alert, &c, NULL), TBY_EINVALID);
    tby_store_close(store);

    /* Nothing deletes an alert, a decision or a clearance, or rewrites what an alert found. */
    static const char *const refused[] = {
        "DELETE FROM alerts",
        "DELETE FROM decisions",
        "DELETE FROM clearances",
        "UPDATE decisions SET reason = 'edited'",
        "UPDATE alerts SET score = 0.1",
        "UPDATE alerts SET record_id = 'R9'",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        sqlite3 *db = NULL;
        TEST_INT_EQ(sqlite3_open(db_path, &db), SQLITE_OK);
        TEST_CHECK(sqlite3_exec(db, refused[i], NULL, NULL, NULL) == SQLITE_CONSTRAINT);
        sqlite3_close(db);
    }
    TEST_INT_EQ(store_test_sql_int(db_path, "SELECT count(*) FROM alerts"), 2);
    /* Two standing alerts of one pair cannot exist. */
    sqlite3 *db = NULL;
    TEST_INT_EQ(sqlite3_open(db_path, &db), SQLITE_OK);
    TEST_CHECK(sqlite3_exec(db,
                            "INSERT INTO alerts (run_id, list_id, list_version, record_id, "
                            "record_identity, entry_id, entry_identity, score, grade, "
                            "matched_name, explanation, explanation_text, engine_version, "
                            "threshold, status, created_at, updated_at) SELECT run_id, list_id, "
                            "list_version, record_id, record_identity, entry_id, entry_identity, "
                            "score, grade, matched_name, explanation, explanation_text, "
                            "engine_version, threshold, 'open', created_at, updated_at FROM "
                            "alerts WHERE record_id = 'R2'",
                            NULL, NULL, NULL) == SQLITE_CONSTRAINT);
    sqlite3_close(db);
}

static void test_alerts__names_and_references(void)
{
    for (int s = TBY_ALERT_OPEN; s <= TBY_ALERT_SUPERSEDED; s++) {
        tby_alert_status back;
        TEST_INT_EQ(tby_alert_status_parse(&back, tby_alert_status_name((tby_alert_status)s)), 0);
        TEST_INT_EQ(back, s);
    }
    tby_alert_status back;
    TEST_INT_EQ(tby_alert_status_parse(&back, "closed"), TBY_EINVALID);
    TEST_STR_EQ(tby_alert_status_name((tby_alert_status)0), "");
    TEST_STR_EQ(tby_alert_action_name(TBY_ALERT_CONFIRM), "confirm");
    TEST_STR_EQ(tby_redress_status_name(TBY_REDRESS_UNDER_REVIEW), "under review");

    char out[TBY_REDRESS_REF_LEN];
    TEST_INT_EQ(tby_redress_ref_normalize(out, "tby-7k3q-9xmd-2fhr"), 0);
    TEST_STR_EQ(out, "TBY-7K3Q-9XMD-2FHR");
    TEST_INT_EQ(tby_redress_ref_normalize(out, "7K3Q 9XMD 2FHR"), 0);
    TEST_STR_EQ(out, "TBY-7K3Q-9XMD-2FHR");
    TEST_INT_EQ(tby_redress_ref_normalize(out, "TBY-OIL0-0000-0000"), 0);
    TEST_STR_EQ(out, "TBY-0110-0000-0000");
    /* The reference's own characters may spell TBY: with or without the prefix, it reads. */
    TEST_INT_EQ(tby_redress_ref_normalize(out, "TBY-TBY0-0000-0000"), 0);
    TEST_STR_EQ(out, "TBY-TBY0-0000-0000");
    TEST_INT_EQ(tby_redress_ref_normalize(out, "tby000000000"), 0);
    TEST_STR_EQ(out, "TBY-TBY0-0000-0000");
    TEST_INT_EQ(tby_redress_ref_normalize(out, "TBY-7K3Q-9XMD-2FHRX"), TBY_EINVALID);
    TEST_INT_EQ(tby_redress_ref_normalize(out, "XYZ-7K3Q-9XMD-2FHR"), TBY_EINVALID);
    TEST_INT_EQ(tby_redress_ref_normalize(out, "TBY-7K3Q-9XMD-2FH"), TBY_EINVALID);
    TEST_INT_EQ(tby_redress_ref_normalize(out, "TBY-7K3Q-9XMD-2FH!"), TBY_EINVALID);
    TEST_INT_EQ(tby_redress_ref_normalize(out, NULL), TBY_EINVALID);
    TEST_STR_EQ(out, "");
}

/*
 * One scenario of a delta's commit, run on a database of its own. `records` is what the run
 * says it covered: 100 lets the commit read only the standing alerts its scope can change
 * (the records found or screened whole, the entries of the pairs dropped: ranges of
 * indexes), 0 makes it read all of the list's. Writes the alerts afterwards (id, pair,
 * status, superseding run) and the run's counts into `out`.
 */
static void merge_scenario(const char *name, size_t records, char *out, size_t size)
{
    store_test_path(db_path, sizeof(db_path), name);
    store_test_remove_db(db_path);
    tby_store *store = store_test_open(db_path, true);
    tby_error err;
    TEST_INT_EQ(store_test_registry(store,
                                    "id,name\nR1,Ali Hasan\nR2,Omar Salih\nR3,Zaid Amer\n"
                                    "R4,Huda Karim\nR5,Laila Nasser\nR6,Sami Fadel\n",
                                    NULL, true, NULL, &err),
                0);
    TEST_INT_EQ(store_test_list(store, "UN",
                                "id,name\nE1,Ali Hasan\nE2,Omar Salih\nE3,Huda Karim\n"
                                "E4,Laila Nasser\n",
                                true, NULL, &err),
                0);
    tby_store_run *run = begin(store, true);
    found(run, "R1", "E1", 0.9, hash_a);
    found(run, "R1", "E2", 0.2, hash_a);
    found(run, "R2", "E1", 0.3, hash_a);
    found(run, "R3", "E2", 0.4, hash_a);
    found(run, "R4", "E3", 0.8, hash_a);
    found(run, "R5", "E4", 0.8, hash_a);
    found(run, "R6", "E1", 0.3, hash_a);
    tby_store_run_counts(run, 6, 6, 0);
    commit(run);
    int64_t untouched = standing_id("R6", "E1");

    /* R5 leaves the registry behind tabayyun's back; R6 leaves and comes back. */
    store_test_sql(db_path, "DELETE FROM registry WHERE record_id IN ('R5', 'R6')");
    TEST_INT_EQ(store_test_registry(store, "id,name\nR6,Sami Fadel\n", NULL, true, NULL, &err), 0);

    /* R1 screened whole finds (R1, E1) as it was and not (R1, E2); the dropped pairs (R2, E1)
       (R2 has a new alert) and (R3, E2) (R3 has nothing else in the run) are not found
       again; the dropped pair (R6, E3) has no alert; (R4, E3) is dropped and found again with
       another score; (R2, E4) is new. */
    run = begin(store, false);
    TEST_INT_EQ(tby_store_run_whole(run, "R1", NULL), 0);
    TEST_INT_EQ(tby_store_run_drop(run, "R2", "E1", NULL), 0);
    TEST_INT_EQ(tby_store_run_drop(run, "R3", "E2", NULL), 0);
    TEST_INT_EQ(tby_store_run_drop(run, "R6", "E3", NULL), 0);
    TEST_INT_EQ(tby_store_run_drop(run, "R4", "E3", NULL), 0);
    found(run, "R1", "E1", 0.9, hash_a);
    found(run, "R4", "E3", 0.7, hash_a);
    found(run, "R2", "E4", 0.6, hash_a);
    tby_store_run_counts(run, records, 1, 3);
    tby_store_run_stats stats = commit(run);
    TEST_INT_EQ(stats.alerts_new, 2);
    TEST_INT_EQ(stats.alerts_kept, 1);
    TEST_INT_EQ(stats.alerts_unregistered, 1);
    TEST_INT_EQ(stats.alerts_superseded, 5); /* (R1, E2), (R2, E1), (R3, E2), (R4, E3), R5's */
    TEST_STR_EQ(standing("R1", "E1"), "open");
    TEST_STR_EQ(standing("R1", "E2"), "");
    TEST_STR_EQ(standing("R2", "E1"), "");
    TEST_STR_EQ(standing("R3", "E2"), "");
    TEST_STR_EQ(standing("R5", "E4"), "");
    TEST_INT_EQ(standing_id("R6", "E1"), untouched); /* back in the registry, not touched */
    snprintf(out, size, "new %zu kept %zu superseded %zu unregistered %zu\n%s", stats.alerts_new,
             stats.alerts_kept, stats.alerts_superseded, stats.alerts_unregistered,
             store_test_sql_text(db_path, "SELECT group_concat(id || ' ' || record_id || '>' || "
                                          "entry_id || ' ' || status || ' ' || "
                                          "ifnull(superseded_by_run, '-'), char(10)) FROM "
                                          "(SELECT * FROM alerts ORDER BY id)"));
    tby_audit_report report;
    TEST_INT_EQ(tby_store_audit_verify(store, &report, NULL), 0);
    tby_store_close(store);
}

/* A delta's commit that reads only what its scope can change leaves the same alerts as one
   that reads all the list's standing alerts. */
static void test_alerts__a_delta_merges_only_its_scope(void)
{
    static char ranges[8192], whole[8192];
    merge_scenario("merge_ranges.db", 100, ranges, sizeof(ranges));
    merge_scenario("merge_whole.db", 0, whole, sizeof(whole));
    TEST_CHECK(strstr(ranges, "R6>E1 open -") != NULL);
    TEST_STR_EQ(ranges, whole);
}

TEST_LIST = {
    TEST(test_alerts__runs_keep_supersede_and_add),
    TEST(test_alerts__a_run_that_lost_the_race_stores_nothing),
    TEST(test_alerts__options_refused),
    TEST(test_alerts__decisions),
    TEST(test_alerts__clearance_suppresses_until_identity_changes),
    TEST(test_alerts__revoking_a_clearance),
    TEST(test_alerts__reading_and_append_only),
    TEST(test_alerts__names_and_references),
    TEST(test_alerts__a_delta_merges_only_its_scope),
    TEST_END,
};

TEST_MAIN()
