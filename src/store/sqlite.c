// SPDX-License-Identifier: Apache-2.0
// The SQLite backend of the store (store_int.h): the schema and its migrations, and every SQL
// statement the store runs. One file, WAL journal, foreign keys on, prepared statements kept
// for the life of the connection.
//
// Schema (migration 1; docs/internals/store.md has the picture):
//
//   sites ---< registry >--- registry_imports ---< registry_import_sources
//                 |                 ^
//                 v                 |
//           registry_history -------+
//
//   lists ---< list_versions ---< list_entries >--- list_records (JSON, deduplicated by hash)
//                  |
//                  +---< list_version_sources
//
//   users ---< user_roles >--- roles      users ---< api_tokens, sessions      audit_log
//
// Migration 2, screening with memory:
//
//   lists ---< screening_models
//     |              ^
//     +---< screening_runs ---< alerts ---< decisions ---< clearances (one per clear)
//
// A list version stores one row per entry that points at the entry's record; a record that
// did not change between versions is stored once, so keeping every version of a list costs
// little more than its entry ids.
#define _POSIX_C_SOURCE 200809L /* stat */
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include "store/access_int.h"
#include "store/store_int.h"

/* PRAGMA application_id of a tabayyun database: "TBY1". */
#define SQLITE_APPLICATION_ID 0x54425931

/* ===== Migrations ===== */

/*
 * Each step takes the schema from version k - 1 to k: a NULL-terminated list of statements,
 * run in the transaction that also sets the version. Steps are never edited once released: a
 * change is a new step at the end.
 */
/* 1: sites, registry, lists with versions and entries, users, roles, tokens, audit log */
static const char *const migration_1[] = {
    "PRAGMA application_id = 1413634353", /* SQLITE_APPLICATION_ID */
    "CREATE TABLE sites (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  created_at TEXT NOT NULL\n"
    ")",
    "CREATE TABLE audit_log (\n"
    "  seq INTEGER PRIMARY KEY CHECK (seq >= 1),\n"
    "  at TEXT NOT NULL,\n"
    "  actor TEXT NOT NULL,\n"
    "  action TEXT NOT NULL,\n"
    "  object TEXT NOT NULL,\n"
    "  detail TEXT NOT NULL,\n"
    "  prev_hash BLOB NOT NULL,\n"
    "  hash BLOB NOT NULL\n"
    ")",
    /* The chain detects tampering; these only stop honest mistakes. */
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log\n"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log\n"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TABLE registry_imports (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  imported_at TEXT NOT NULL,\n"
    "  imported_by TEXT NOT NULL,\n"
    "  default_site TEXT,\n"
    "  strict INTEGER NOT NULL,\n"
    "  records INTEGER NOT NULL DEFAULT 0,\n"
    "  added INTEGER NOT NULL DEFAULT 0,\n"
    "  changed INTEGER NOT NULL DEFAULT 0,\n"
    "  unchanged INTEGER NOT NULL DEFAULT 0,\n"
    "  rejected INTEGER NOT NULL DEFAULT 0,\n"
    "  dropped INTEGER NOT NULL DEFAULT 0,\n"
    "  audit_seq INTEGER REFERENCES audit_log(seq)\n"
    ")",
    "CREATE TABLE registry_import_sources (\n"
    "  import_id INTEGER NOT NULL REFERENCES registry_imports(id),\n"
    "  position INTEGER NOT NULL,\n"
    "  file_name TEXT NOT NULL,\n"
    "  size INTEGER NOT NULL,\n"
    "  blake2b BLOB NOT NULL,\n"
    "  sha256 BLOB NOT NULL,\n"
    "  PRIMARY KEY (import_id, position)\n"
    ") WITHOUT ROWID",
    "CREATE TABLE registry (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  record_id TEXT NOT NULL UNIQUE,\n"
    "  site_id INTEGER REFERENCES sites(id),\n"
    "  record TEXT NOT NULL,\n"
    "  content_hash BLOB NOT NULL CHECK (length(content_hash) = 32),\n"
    "  identity_hash BLOB NOT NULL CHECK (length(identity_hash) = 32),\n"
    "  added_by_import INTEGER NOT NULL REFERENCES registry_imports(id),\n"
    "  changed_by_import INTEGER NOT NULL REFERENCES registry_imports(id),\n"
    "  identity_by_import INTEGER NOT NULL REFERENCES registry_imports(id)\n"
    ")",
    "CREATE INDEX registry_site ON registry(site_id)",
    "CREATE INDEX registry_changed ON registry(changed_by_import)",
    "CREATE TABLE registry_history (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  record_id TEXT NOT NULL,\n"
    "  site_id INTEGER REFERENCES sites(id),\n"
    "  record TEXT NOT NULL,\n"
    "  content_hash BLOB NOT NULL,\n"
    "  identity_hash BLOB NOT NULL,\n"
    "  written_by_import INTEGER NOT NULL REFERENCES registry_imports(id),\n"
    "  replaced_by_import INTEGER NOT NULL REFERENCES registry_imports(id)\n"
    ")",
    "CREATE INDEX registry_history_record ON registry_history(record_id)",
    "CREATE TABLE lists (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  created_at TEXT NOT NULL\n"
    ")",
    "CREATE TABLE list_versions (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  list_id INTEGER NOT NULL REFERENCES lists(id),\n"
    "  number INTEGER NOT NULL CHECK (number >= 1),\n"
    "  format TEXT NOT NULL,\n"
    "  imported_at TEXT NOT NULL,\n"
    "  imported_by TEXT NOT NULL,\n"
    "  strict INTEGER NOT NULL,\n"
    "  entry_count INTEGER NOT NULL,\n"
    "  added INTEGER NOT NULL,\n"
    "  removed INTEGER NOT NULL,\n"
    "  changed INTEGER NOT NULL,\n"
    "  unchanged INTEGER NOT NULL,\n"
    "  rejected INTEGER NOT NULL,\n"
    "  audit_seq INTEGER REFERENCES audit_log(seq),\n"
    "  UNIQUE (list_id, number)\n"
    ")",
    "CREATE TABLE list_version_sources (\n"
    "  version_id INTEGER NOT NULL REFERENCES list_versions(id),\n"
    "  position INTEGER NOT NULL,\n"
    "  file_name TEXT NOT NULL,\n"
    "  size INTEGER NOT NULL,\n"
    "  blake2b BLOB NOT NULL,\n"
    "  sha256 BLOB NOT NULL,\n"
    "  PRIMARY KEY (version_id, position)\n"
    ") WITHOUT ROWID",
    "CREATE TABLE list_records (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  content_hash BLOB NOT NULL UNIQUE CHECK (length(content_hash) = 32),\n"
    "  identity_hash BLOB NOT NULL CHECK (length(identity_hash) = 32),\n"
    "  record TEXT NOT NULL\n"
    ")",
    "CREATE TABLE list_entries (\n"
    "  version_id INTEGER NOT NULL REFERENCES list_versions(id),\n"
    "  entry_id TEXT NOT NULL,\n"
    "  record_id INTEGER NOT NULL REFERENCES list_records(id),\n"
    "  PRIMARY KEY (version_id, entry_id)\n"
    ") WITHOUT ROWID",
    "CREATE TABLE users (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  display_name TEXT,\n"
    "  password_hash TEXT,\n" /* crypto_pwhash_str output; NULL: tokens only */
    "  created_at TEXT NOT NULL,\n"
    "  disabled_at TEXT\n"
    ")",
    "CREATE TABLE roles (\n"
    "  name TEXT PRIMARY KEY,\n"
    "  description TEXT NOT NULL\n"
    ") WITHOUT ROWID",
    /* The roles of the server (src/server/server.h, tby_server_role). */
    "INSERT INTO roles (name, description) VALUES\n"
    "  ('registrar', 'submits records for their sites; sees only whether a record needs an "
    "identifier check'),\n"
    "  ('analyst', 'reviews alerts, clears, escalates (own sites)'),\n"
    "  ('supervisor', 'confirms as second reviewer, manages clearances'),\n"
    "  ('auditor', 'reads the audit log and statistics, no personal data'),\n"
    "  ('admin', 'users, sites, lists')",
    /* site_id NULL: the role holds at every site. */
    "CREATE TABLE user_roles (\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  role TEXT NOT NULL REFERENCES roles(name),\n"
    "  site_id INTEGER REFERENCES sites(id),\n"
    "  granted_at TEXT NOT NULL,\n"
    "  granted_by TEXT NOT NULL\n"
    ")",
    "CREATE UNIQUE INDEX user_roles_unique ON user_roles(user_id, role, ifnull(site_id, 0))",
    /* Only a hash of each token is kept; the token itself is shown once, when made. */
    "CREATE TABLE api_tokens (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  token_hash BLOB NOT NULL UNIQUE,\n"
    "  label TEXT,\n"
    "  created_at TEXT NOT NULL,\n"
    "  expires_at TEXT,\n"
    "  revoked_at TEXT,\n"
    "  last_used_at TEXT\n"
    ")",
    /* Browser sessions of the web interface: like tokens, only a hash of the id is kept. */
    "CREATE TABLE sessions (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  user_id INTEGER NOT NULL REFERENCES users(id),\n"
    "  session_hash BLOB NOT NULL UNIQUE,\n"
    "  created_at TEXT NOT NULL,\n"
    "  expires_at TEXT NOT NULL,\n"
    "  last_seen_at TEXT,\n"
    "  revoked_at TEXT\n"
    ")",
    NULL,
};

/*
 * 2: screening with memory: the pinned models, screening runs, the alerts they found,
 * reviewers' decisions and the clearances those make. Alerts, decisions and clearances are
 * never deleted, and an alert's findings never change, only its status.
 */
static const char *const migration_2[] = {
    "CREATE TABLE screening_models (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  list_id INTEGER NOT NULL REFERENCES lists(id),\n"
    "  list_version INTEGER NOT NULL,\n" /* the version it was fitted on */
    "  engine_version TEXT NOT NULL,\n"
    "  model BLOB NOT NULL,\n"
    "  model_hash BLOB NOT NULL CHECK (length(model_hash) = 32),\n"
    "  created_at TEXT NOT NULL,\n"
    "  created_by TEXT NOT NULL\n"
    ")",
    "CREATE TABLE screening_runs (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  list_id INTEGER NOT NULL REFERENCES lists(id),\n"
    "  list_version INTEGER NOT NULL,\n"
    "  model_id INTEGER REFERENCES screening_models(id),\n" /* NULL until a new model lands */
    "  engine_version TEXT NOT NULL,\n"
    "  threshold REAL NOT NULL,\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('full', 'delta')),\n"
    "  reason TEXT,\n"
    "  base_run_id INTEGER REFERENCES screening_runs(id),\n"
    /* the highest registry import whose added or re-identified records the run saw */
    "  registry_mark INTEGER NOT NULL DEFAULT 0,\n"
    "  started_at TEXT NOT NULL,\n"
    "  started_by TEXT NOT NULL,\n"
    "  finished_at TEXT,\n"
    "  status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'abandoned')),\n"
    "  records INTEGER NOT NULL DEFAULT 0,\n"
    "  records_whole INTEGER NOT NULL DEFAULT 0,\n"
    "  pairs_scored INTEGER NOT NULL DEFAULT 0,\n"
    "  alerts_new INTEGER NOT NULL DEFAULT 0,\n"
    "  alerts_kept INTEGER NOT NULL DEFAULT 0,\n"
    "  alerts_superseded INTEGER NOT NULL DEFAULT 0,\n"
    "  alerts_suppressed INTEGER NOT NULL DEFAULT 0,\n"
    "  audit_seq INTEGER REFERENCES audit_log(seq)\n"
    ")",
    "CREATE INDEX screening_runs_list ON screening_runs(list_id, status, id)",
    "CREATE TABLE alerts (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  run_id INTEGER NOT NULL REFERENCES screening_runs(id),\n"
    "  list_id INTEGER NOT NULL REFERENCES lists(id),\n"
    "  list_version INTEGER NOT NULL,\n"
    "  record_id TEXT NOT NULL,\n"
    "  record_identity BLOB NOT NULL CHECK (length(record_identity) = 32),\n"
    "  entry_id TEXT NOT NULL,\n"
    "  entry_identity BLOB NOT NULL CHECK (length(entry_identity) = 32),\n"
    "  score REAL NOT NULL,\n"
    "  grade TEXT NOT NULL CHECK (grade IN ('identifier_check', 'probable')),\n"
    "  matched_name TEXT NOT NULL,\n"
    "  explanation TEXT NOT NULL,\n"
    "  explanation_text TEXT NOT NULL,\n"
    "  engine_version TEXT NOT NULL,\n"
    "  threshold REAL NOT NULL,\n"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'suppressed', 'cleared', 'escalated', "
    "'pending_confirmation', 'confirmed', 'superseded')),\n"
    "  created_at TEXT NOT NULL,\n"
    "  updated_at TEXT NOT NULL,\n"
    "  superseded_by_run INTEGER REFERENCES screening_runs(id)\n"
    ")",
    /* At most one standing alert per pair; also the order a run's commit reads them in. */
    "CREATE UNIQUE INDEX alerts_standing ON alerts(list_id, record_id, entry_id)\n"
    "  WHERE status <> 'superseded'",
    "CREATE INDEX alerts_status ON alerts(status)",
    "CREATE INDEX alerts_run ON alerts(run_id)",
    "CREATE TRIGGER alerts_no_delete BEFORE DELETE ON alerts\n"
    "  BEGIN SELECT RAISE(ABORT, 'alerts are never deleted'); END",
    "CREATE TRIGGER alerts_findings_fixed BEFORE UPDATE OF id, run_id, list_id, list_version, "
    "record_id, record_identity, entry_id, entry_identity, score, grade, matched_name, "
    "explanation, explanation_text, engine_version, threshold, created_at ON alerts\n"
    "  BEGIN SELECT RAISE(ABORT, 'an alert''s findings never change, only its status'); END",
    "CREATE TABLE decisions (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  alert_id INTEGER NOT NULL REFERENCES alerts(id),\n"
    "  action TEXT NOT NULL CHECK (action IN ('clear', 'escalate', 'confirm')),\n"
    "  status_before TEXT NOT NULL,\n"
    "  status_after TEXT NOT NULL,\n"
    "  actor TEXT NOT NULL,\n"
    "  reason TEXT,\n"
    "  at TEXT NOT NULL,\n"
    "  audit_seq INTEGER NOT NULL REFERENCES audit_log(seq)\n"
    ")",
    "CREATE INDEX decisions_alert ON decisions(alert_id)",
    "CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions\n"
    "  BEGIN SELECT RAISE(ABORT, 'decisions are never changed'); END",
    "CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions\n"
    "  BEGIN SELECT RAISE(ABORT, 'decisions are never deleted'); END",
    "CREATE TABLE clearances (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  list_id INTEGER NOT NULL REFERENCES lists(id),\n"
    "  record_id TEXT NOT NULL,\n"
    "  entry_id TEXT NOT NULL,\n"
    "  record_identity BLOB NOT NULL CHECK (length(record_identity) = 32),\n"
    "  entry_identity BLOB NOT NULL CHECK (length(entry_identity) = 32),\n"
    "  reason TEXT NOT NULL CHECK (length(reason) > 0),\n"
    "  actor TEXT NOT NULL,\n"
    "  at TEXT NOT NULL,\n"
    "  alert_id INTEGER NOT NULL REFERENCES alerts(id),\n"
    "  decision_id INTEGER NOT NULL REFERENCES decisions(id),\n"
    "  reference TEXT NOT NULL UNIQUE,\n"
    "  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),\n"
    "  audit_seq INTEGER NOT NULL REFERENCES audit_log(seq)\n"
    ")",
    "CREATE INDEX clearances_pair ON clearances(list_id, record_id, entry_id)",
    "CREATE TRIGGER clearances_no_delete BEFORE DELETE ON clearances\n"
    "  BEGIN SELECT RAISE(ABORT, 'clearances are never deleted'); END",
    NULL,
};

/*
 * 3: people and access for the server (src/store/access.c). A token or a session acts in one
 * role of its user (a user may hold several, each at some sites), so both carry the role; a
 * password set by someone else (a one-time password) must be changed at first login. Existing
 * tokens take their user's first role; sessions without a role are ended.
 */
static const char *const migration_3[] = {
    "ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE api_tokens ADD COLUMN role TEXT REFERENCES roles(name)",
    "ALTER TABLE sessions ADD COLUMN role TEXT REFERENCES roles(name)",
    "UPDATE api_tokens SET role = (SELECT min(r.role) FROM user_roles r\n"
    "  WHERE r.user_id = api_tokens.user_id) WHERE role IS NULL",
    "UPDATE sessions SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')\n"
    "  WHERE role IS NULL AND revoked_at IS NULL",
    "CREATE INDEX api_tokens_user ON api_tokens(user_id)",
    "CREATE INDEX sessions_user ON sessions(user_id)",
    NULL,
};

/*
 * 4: alert queries in SQL (GET /v1/alerts and the statistics): the review queue by status in
 * order of id (keyset pages), by list, by record (a site's alerts through the registry), by
 * creation time, and the counts by status, grade and record without reading alert rows.
 */
static const char *const migration_4[] = {
    "DROP INDEX alerts_status",
    "CREATE INDEX alerts_status ON alerts(status, id)",
    "CREATE INDEX alerts_list ON alerts(list_id, status, id)",
    "CREATE INDEX alerts_record ON alerts(record_id)",
    "CREATE INDEX alerts_created ON alerts(created_at)",
    "CREATE INDEX alerts_tally ON alerts(status, grade, record_id)",
    NULL,
};

/*
 * 5: a delta's commit reads only the standing alerts it can change: those of the records it
 * screened (alerts_standing) and those of the entries whose pairs it dropped (a changed or
 * removed entry's, alerts_standing_entry). And the records that left the registry. tabayyun never
 * deletes a registry record, but a record deleted behind its back must lose its standing alerts at
 * the next run; a delta looks for them among these record ids (a trigger notes every deletion, and
 * a change of id as the deletion of the old one) instead of checking every standing alert against
 * the registry. The records already gone when the database is migrated are noted here.
 */
static const char *const migration_5[] = {
    "CREATE INDEX alerts_standing_entry ON alerts(list_id, entry_id, record_id)\n"
    "  WHERE status <> 'superseded'",
    "CREATE TABLE registry_removed (record_id TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TRIGGER registry_removed_delete AFTER DELETE ON registry\n"
    "  BEGIN INSERT OR IGNORE INTO registry_removed (record_id) VALUES (old.record_id); END",
    "CREATE TRIGGER registry_removed_rename AFTER UPDATE OF record_id ON registry\n"
    "  WHEN old.record_id <> new.record_id\n"
    "  BEGIN INSERT OR IGNORE INTO registry_removed (record_id) VALUES (old.record_id); END",
    "INSERT OR IGNORE INTO registry_removed (record_id) SELECT DISTINCT a.record_id\n"
    "  FROM alerts a WHERE a.status <> 'superseded'\n"
    "  AND NOT EXISTS (SELECT 1 FROM registry r WHERE r.record_id = a.record_id)",
    NULL,
};

static const char *const *const migrations[] = {migration_1, migration_2, migration_3, migration_4,
                                                migration_5};

#define MIGRATION_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ===== Statements ===== */

#define SQLITE_STATEMENTS(X)                                                                       \
    X(AUDIT_LAST, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")                     \
    X(AUDIT_INSERT, "INSERT INTO audit_log (seq, at, actor, action, object, detail, prev_hash, "   \
                    "hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")                               \
    X(AUDIT_SCAN, "SELECT seq, at, actor, action, object, detail, prev_hash, hash "                \
                  "FROM audit_log WHERE seq >= ?1 ORDER BY seq")                                   \
    X(SITE_FIND, "SELECT id FROM sites WHERE name = ?1")                                           \
    X(SITE_INSERT, "INSERT INTO sites (name, created_at) "                                         \
                   "VALUES (?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))")                           \
    X(REG_IMPORT_CREATE, "INSERT INTO registry_imports (imported_at, imported_by, default_site, "  \
                         "strict) VALUES (?1, ?2, ?3, ?4)")                                        \
    X(REG_IMPORT_SOURCE, "INSERT INTO registry_import_sources (import_id, position, file_name, "   \
                         "size, blake2b, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                 \
    X(REG_IMPORT_FINISH, "UPDATE registry_imports SET records = ?2, added = ?3, changed = ?4, "    \
                         "unchanged = ?5, rejected = ?6, dropped = ?7, audit_seq = ?8 "            \
                         "WHERE id = ?1")                                                          \
    X(REG_LOOKUP, "SELECT content_hash, identity_hash, changed_by_import FROM registry "           \
                  "WHERE record_id = ?1")                                                          \
    X(REG_INSERT, "INSERT INTO registry (record_id, site_id, record, content_hash, "               \
                  "identity_hash, added_by_import, changed_by_import, identity_by_import) "        \
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6)")                                       \
    X(REG_HISTORY, "INSERT INTO registry_history (record_id, site_id, record, content_hash, "      \
                   "identity_hash, written_by_import, replaced_by_import) "                        \
                   "SELECT record_id, site_id, record, content_hash, identity_hash, "              \
                   "changed_by_import, ?2 FROM registry WHERE record_id = ?1")                     \
    X(REG_UPDATE, "UPDATE registry SET site_id = ?2, record = ?3, content_hash = ?4, "             \
                  "identity_hash = ?5, changed_by_import = ?6, "                                   \
                  "identity_by_import = CASE WHEN ?7 THEN ?6 ELSE identity_by_import END "         \
                  "WHERE record_id = ?1")                                                          \
    X(REG_SCAN, "SELECT record, content_hash, identity_hash, added_by_import, "                    \
                "changed_by_import, identity_by_import FROM registry "                             \
                "WHERE changed_by_import >= ?1 "                                                   \
                "AND (?2 IS NULL OR site_id = (SELECT id FROM sites WHERE name = ?2)) "            \
                "ORDER BY record_id")                                                              \
    X(REG_SCAN_SINCE, "SELECT record, content_hash, identity_hash, added_by_import, "              \
                      "changed_by_import, identity_by_import FROM registry "                       \
                      "INDEXED BY registry_changed WHERE changed_by_import >= ?1 "                 \
                      "AND (?2 IS NULL OR site_id = (SELECT id FROM sites WHERE name = ?2)) "      \
                      "ORDER BY record_id")                                                        \
    X(LIST_FIND, "SELECT id FROM lists WHERE name = ?1")                                           \
    X(LIST_INSERT, "INSERT INTO lists (name, created_at) VALUES (?1, ?2)")                         \
    X(VERSION_FIND, "SELECT id, number, entry_count FROM list_versions "                           \
                    "WHERE list_id = ?1 AND number = ?2")                                          \
    X(VERSION_LATEST, "SELECT id, number, entry_count FROM list_versions WHERE list_id = ?1 "      \
                      "ORDER BY number DESC LIMIT 1")                                              \
    X(VERSION_INSERT, "INSERT INTO list_versions (list_id, number, format, imported_at, "          \
                      "imported_by, strict, entry_count, added, removed, changed, unchanged, "     \
                      "rejected) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, 0, 0, 0, 0)")               \
    X(VERSION_SOURCE, "INSERT INTO list_version_sources (version_id, position, file_name, size, "  \
                      "blake2b, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                          \
    X(VERSION_FINISH, "UPDATE list_versions SET entry_count = ?2, added = ?3, removed = ?4, "      \
                      "changed = ?5, unchanged = ?6, rejected = ?7, audit_seq = ?8 WHERE id = ?1") \
    X(RECORD_FIND, "SELECT id FROM list_records WHERE content_hash = ?1")                          \
    X(RECORD_INSERT, "INSERT INTO list_records (content_hash, identity_hash, record) "             \
                     "VALUES (?1, ?2, ?3)")                                                        \
    X(ENTRY_INSERT, "INSERT INTO list_entries (version_id, entry_id, record_id) "                  \
                    "VALUES (?1, ?2, ?3)")                                                         \
    X(ROWS_NEW, "SELECT n.entry_id, nr.record, nr.content_hash, nr.identity_hash, "                \
                "CASE WHEN p.record_id != n.record_id THEN pr.record END, "                        \
                "pr.content_hash, pr.identity_hash "                                               \
                "FROM list_entries n JOIN list_records nr ON nr.id = n.record_id "                 \
                "LEFT JOIN list_entries p ON p.version_id = ?1 AND p.entry_id = n.entry_id "       \
                "LEFT JOIN list_records pr ON pr.id = p.record_id "                                \
                "WHERE n.version_id = ?2 "                                                         \
                "AND (?3 = 0 OR p.record_id IS NULL OR p.record_id != n.record_id) "               \
                "ORDER BY n.entry_id")                                                             \
    X(ROWS_REMOVED, "SELECT p.entry_id, pr.record, pr.content_hash, pr.identity_hash "             \
                    "FROM list_entries p JOIN list_records pr ON pr.id = p.record_id "             \
                    "WHERE p.version_id = ?1 AND NOT EXISTS (SELECT 1 FROM list_entries n "        \
                    "WHERE n.version_id = ?2 AND n.entry_id = p.entry_id) ORDER BY p.entry_id")    \
    X(VERSIONS_SCAN, "SELECT l.name, v.id, v.number, v.format, v.imported_at, v.imported_by, "     \
                     "v.entry_count, v.added, v.removed, v.changed, v.unchanged, v.rejected, "     \
                     "v.audit_seq FROM list_versions v JOIN lists l ON l.id = v.list_id "          \
                     "WHERE ?1 IS NULL OR l.name = ?1 ORDER BY l.name, v.number")                  \
    X(VERSION_SOURCES, "SELECT file_name, size, blake2b, sha256 FROM list_version_sources "        \
                       "WHERE version_id = ?1 ORDER BY position")                                  \
    X(MODEL_INSERT, "INSERT INTO screening_models (list_id, list_version, engine_version, model, " \
                    "model_hash, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")     \
    X(MODEL_GET, "SELECT model FROM screening_models WHERE id = ?1")                               \
    X(RUN_INSERT, "INSERT INTO screening_runs (list_id, list_version, model_id, engine_version, "  \
                  "threshold, kind, reason, base_run_id, registry_mark, started_at, started_by, "  \
                  "status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'running')")      \
    X(RUN_FINISH, "UPDATE screening_runs SET status = 'complete', finished_at = ?2, "              \
                  "model_id = ?3, records = ?4, records_whole = ?5, pairs_scored = ?6, "           \
                  "alerts_new = ?7, alerts_kept = ?8, alerts_superseded = ?9, "                    \
                  "alerts_suppressed = ?10, audit_seq = ?11 WHERE id = ?1 AND status = 'running'") \
    X(RUN_ABANDON, "UPDATE screening_runs SET status = 'abandoned' "                               \
                   "WHERE id = ?1 AND status = 'running'")                                         \
    X(RUN_LAST, "SELECT id, list_version, model_id, registry_mark, threshold, kind, "              \
                "engine_version, started_at, finished_at, records, records_whole, pairs_scored, "  \
                "alerts_new, alerts_kept, alerts_superseded, alerts_suppressed, audit_seq "        \
                "FROM screening_runs WHERE list_id = ?1 AND status = 'complete' "                  \
                "ORDER BY id DESC LIMIT 1")                                                        \
    X(ALERTS_CURRENT, "SELECT id, record_id, entry_id, score, grade, record_identity, "            \
                      "entry_identity FROM alerts INDEXED BY alerts_standing "                     \
                      "WHERE list_id = ?1 AND status <> 'superseded' "                             \
                      "ORDER BY record_id, entry_id")                                              \
    X(ALERTS_CURRENT_RECORD, "SELECT id, record_id, entry_id, score, grade, record_identity, "     \
                             "entry_identity FROM alerts INDEXED BY alerts_standing "              \
                             "WHERE list_id = ?1 AND record_id = ?2 AND status <> 'superseded' "   \
                             "ORDER BY entry_id")                                                  \
    X(ALERTS_CURRENT_ENTRY, "SELECT id, record_id, entry_id FROM alerts "                          \
                            "INDEXED BY alerts_standing_entry WHERE list_id = ?1 AND "             \
                            "entry_id = ?2 AND status <> 'superseded' ORDER BY record_id")         \
    X(ALERT_SUPERSEDE, "UPDATE alerts SET status = 'superseded', superseded_by_run = ?2, "         \
                       "updated_at = ?3 WHERE id = ?1 AND status <> 'superseded'")                 \
    X(ALERTS_UNREGISTERED, "UPDATE alerts SET status = 'superseded', superseded_by_run = ?2, "     \
                           "updated_at = ?3 WHERE list_id = ?1 AND status <> 'superseded' "        \
                           "AND NOT EXISTS (SELECT 1 FROM registry r "                             \
                           "WHERE r.record_id = alerts.record_id)")                                \
    X(ALERTS_REMOVED, "UPDATE alerts INDEXED BY alerts_standing SET status = 'superseded', "       \
                      "superseded_by_run = ?2, updated_at = ?3 WHERE list_id = ?1 "                \
                      "AND status <> 'superseded' AND record_id IN (SELECT g.record_id "           \
                      "FROM registry_removed g WHERE NOT EXISTS (SELECT 1 FROM registry r "        \
                      "WHERE r.record_id = g.record_id))")                                         \
    X(ALERT_INSERT, "INSERT INTO alerts (run_id, list_id, list_version, record_id, "               \
                    "record_identity, entry_id, entry_identity, score, grade, matched_name, "      \
                    "explanation, explanation_text, engine_version, threshold, status, "           \
                    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "    \
                    "?11, ?12, ?13, ?14, ?15, ?16, ?16)")                                          \
    X(CLEARANCE_APPLIES, "SELECT 1 FROM clearances WHERE list_id = ?1 AND record_id = ?2 "         \
                         "AND entry_id = ?3 AND record_identity = ?4 AND entry_identity = ?5 "     \
                         "AND active = 1 LIMIT 1")                                                 \
    X(ALERT_READ, "SELECT a.id, a.run_id, l.name, a.list_version, a.record_id, a.entry_id, "       \
                  "a.record_identity, a.entry_identity, a.score, a.grade, a.matched_name, "        \
                  "a.explanation, a.explanation_text, a.engine_version, a.threshold, a.status, "   \
                  "a.created_at, a.updated_at, s.name FROM alerts a "                              \
                  "JOIN lists l ON l.id = a.list_id "                                              \
                  "LEFT JOIN registry r ON r.record_id = a.record_id "                             \
                  "LEFT JOIN sites s ON s.id = r.site_id WHERE a.id = ?1")                         \
    X(ALERT_FIND, "SELECT a.list_id, l.name, a.status, a.record_id, a.entry_id, "                  \
                  "a.record_identity, a.entry_identity FROM alerts a "                             \
                  "JOIN lists l ON l.id = a.list_id WHERE a.id = ?1")                              \
    X(ALERT_SET_STATUS, "UPDATE alerts SET status = ?2, updated_at = ?3 WHERE id = ?1")            \
    X(FIRST_CONFIRMER, "SELECT actor FROM decisions WHERE alert_id = ?1 "                          \
                       "AND status_after = 'pending_confirmation' ORDER BY id DESC LIMIT 1")       \
    X(DECISION_INSERT, "INSERT INTO decisions (alert_id, action, status_before, status_after, "    \
                       "actor, reason, at, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")    \
    X(CLEARANCE_INSERT, "INSERT INTO clearances (list_id, record_id, entry_id, record_identity, "  \
                        "entry_identity, reason, actor, at, alert_id, decision_id, reference, "    \
                        "audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")   \
    X(DECISIONS_SCAN, "SELECT d.id, d.action, d.status_before, d.status_after, d.actor, "          \
                      "d.reason, d.at, c.reference, d.audit_seq FROM decisions d "                 \
                      "LEFT JOIN clearances c ON c.decision_id = d.id "                            \
                      "WHERE d.alert_id = ?1 ORDER BY d.id")                                       \
    X(REDRESS_FIND, "SELECT (SELECT a.status FROM alerts a WHERE a.list_id = c.list_id "           \
                    "AND a.record_id = c.record_id AND a.entry_id = c.entry_id "                   \
                    "AND a.status <> 'superseded') FROM clearances c WHERE c.reference = ?1")      \
    X(CLEARANCES_SCAN, "SELECT c.id, l.name, c.record_id, c.entry_id, s.name, c.reason, c.actor, " \
                       "c.at, c.alert_id, c.reference, c.active FROM clearances c "                \
                       "JOIN lists l ON l.id = c.list_id "                                         \
                       "LEFT JOIN registry r ON r.record_id = c.record_id "                        \
                       "LEFT JOIN sites s ON s.id = r.site_id "                                    \
                       "WHERE c.id > ?1 AND (?2 = 0 OR c.id = ?2) AND (?3 = 0 OR c.active = 1) "   \
                       "ORDER BY c.id")                                                            \
    X(CLEARANCE_DEACTIVATE, "UPDATE clearances SET active = 0 WHERE id = ?1 AND active = 1")       \
    X(CLEARANCE_REOPEN, "UPDATE alerts SET status = 'open', updated_at = ?4 WHERE list_id = "      \
                        "(SELECT list_id FROM clearances WHERE id = ?1) AND record_id = ?2 "       \
                        "AND entry_id = ?3 AND status IN ('cleared', 'suppressed')")

typedef enum stmt_id {
#define STMT_ENUM(name, sql) STMT_##name,
    SQLITE_STATEMENTS(STMT_ENUM)
#undef STMT_ENUM
        STMT_COUNT
} stmt_id;

static const char *const stmt_sql[STMT_COUNT] = {
#define STMT_SQL(name, sql) sql,
    SQLITE_STATEMENTS(STMT_SQL)
#undef STMT_SQL
};

/* Sites a registry import looked up, so that a million records do not mean a million
   lookups. Cleared on rollback, which may have undone a site's insertion. */
#define SITE_CACHE_SIZE 16

/* The conditions an alert query has (tby_store__alert_query), which pick its statement. */
enum {
    ALERT_Q_LIST = 1u << 0,
    ALERT_Q_GRADE = 1u << 1,
    ALERT_Q_SITE = 1u << 2,
    ALERT_Q_SITES = 1u << 3,
    ALERT_Q_FROM = 1u << 4,
    ALERT_Q_TO = 1u << 5,
    ALERT_Q_COUNTS = 1u << 6, /* the counts rather than the rows */
    ALERT_Q_SLOTS = 1u << 7,
    ALERT_Q_STREAMS = 8 /* statuses a scan merges, at most */
};

struct tby_store__conn {
    sqlite3 *db;
    sqlite3_stmt *stmts[STMT_COUNT]; /* prepared on first use */
    /* ... and each alert query's shape: the counts, or the rows of one status (a scan
       merges one stream per status) */
    sqlite3_stmt *alert_stmts[ALERT_Q_SLOTS][ALERT_Q_STREAMS];
    struct {
        char *name;
        int64_t id;
    } sites[SITE_CACHE_SIZE];
    size_t site_count;
};

/* ===== Errors ===== */

static int db_error(tby_store__conn *conn, int sqlite_rc, const char *what, tby_error *err)
{
    int code;
    switch (sqlite_rc & 0xFF) {
    case SQLITE_NOMEM:
        code = TBY_ENOMEM;
        break;
    case SQLITE_NOTADB:
        code = TBY_EINVALID;
        break;
    case SQLITE_CONSTRAINT:
        code = (sqlite_rc == SQLITE_CONSTRAINT_PRIMARYKEY || sqlite_rc == SQLITE_CONSTRAINT_UNIQUE)
                   ? TBY_EEXISTS
                   : TBY_EIO;
        break;
    default:
        code = TBY_EIO;
        break;
    }
    const char *message = conn && conn->db ? sqlite3_errmsg(conn->db) : sqlite3_errstr(sqlite_rc);
    if ((sqlite_rc & 0xFF) == SQLITE_BUSY || (sqlite_rc & 0xFF) == SQLITE_LOCKED)
        return tby__error(err, code, -1, "%s: the database is busy (another process is writing)",
                          what);
    return tby__error(err, code, -1, "%s: %s", what, message);
}

/* ===== Statement helpers ===== */

static int stmt_get(tby_store__conn *conn, stmt_id id, sqlite3_stmt **out, tby_error *err)
{
    if (!conn->stmts[id]) {
        int rc = sqlite3_prepare_v3(conn->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &conn->stmts[id], NULL);
        if (rc != SQLITE_OK)
            return db_error(conn, rc, "prepare", err);
    }
    *out = conn->stmts[id];
    return TBY_OK;
}

static void stmt_done(sqlite3_stmt *stmt)
{
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

static int bind_text(sqlite3_stmt *stmt, int index, const char *s)
{
    return s ? sqlite3_bind_text(stmt, index, s, -1, SQLITE_STATIC)
             : sqlite3_bind_null(stmt, index);
}

static int bind_hash(sqlite3_stmt *stmt, int index, const uint8_t *hash)
{
    return sqlite3_bind_blob(stmt, index, hash, TBY_STORE_HASH_LEN, SQLITE_STATIC);
}

/* Copies a 32-byte blob column; zeros when it is not 32 bytes (a damaged row). */
static void column_hash(sqlite3_stmt *stmt, int column, uint8_t out[TBY_STORE_HASH_LEN])
{
    const void *blob = sqlite3_column_blob(stmt, column);
    if (blob && sqlite3_column_bytes(stmt, column) == TBY_STORE_HASH_LEN)
        memcpy(out, blob, TBY_STORE_HASH_LEN);
    else
        memset(out, 0, TBY_STORE_HASH_LEN);
}

static const char *column_text(sqlite3_stmt *stmt, int column)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    return text ? (const char *)text : "";
}

/* Runs a statement that returns no rows and resets it. */
static int stmt_run(tby_store__conn *conn, sqlite3_stmt *stmt, const char *what, tby_error *err)
{
    int rc = sqlite3_step(stmt);
    int result = rc == SQLITE_DONE ? TBY_OK : db_error(conn, rc, what, err);
    stmt_done(stmt);
    return result;
}

static int exec(tby_store__conn *conn, const char *sql, const char *what, tby_error *err)
{
    int rc = sqlite3_exec(conn->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? TBY_OK : db_error(conn, rc, what, err);
}

static int query_int(tby_store__conn *conn, const char *sql, int64_t *out, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(conn->db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return db_error(conn, rc, sql, err);
    rc = sqlite3_step(stmt);
    int result = TBY_OK;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    else
        result = db_error(conn, rc, sql, err);
    sqlite3_finalize(stmt);
    return result;
}

/* ===== Connection ===== */

static void site_cache_clear(tby_store__conn *conn)
{
    for (size_t i = 0; i < conn->site_count; i++)
        tby__free(conn->sites[i].name);
    conn->site_count = 0;
}

static void sqlite_close(tby_store__conn *conn)
{
    if (!conn)
        return;
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(conn->stmts[i]);
    for (unsigned i = 0; i < ALERT_Q_SLOTS; i++) {
        for (unsigned j = 0; j < ALERT_Q_STREAMS; j++)
            sqlite3_finalize(conn->alert_stmts[i][j]);
    }
    site_cache_clear(conn);
    sqlite3_close_v2(conn->db);
    tby__free(conn);
}

static int sqlite_open(tby_store__conn **out, const char *target, bool create, int busy_timeout_ms,
                       tby_error *err)
{
    *out = NULL;
    struct stat info;
    if (!create && stat(target, &info) != 0)
        return tby__error(err, TBY_ENOTFOUND, -1, "%s: no such database", target);
    tby_store__conn *conn = tby__calloc(1, sizeof(*conn));
    if (!conn)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(target, &conn->db, flags, NULL);
    if (rc != SQLITE_OK) {
        db_error(conn, rc, target, err);
        sqlite_close(conn);
        return err ? err->code : TBY_EIO;
    }
    sqlite3_extended_result_codes(conn->db, 1);
    sqlite3_busy_timeout(conn->db, busy_timeout_ms);
    /* journal_mode is the first statement that reads the file: a file that is not a database
       fails here. WAL lets readers go on while an import writes; synchronous=NORMAL is safe
       in WAL (a power cut may lose the last commits, never consistency). */
    sqlite3_stmt *stmt = NULL;
    rc = sqlite3_prepare_v2(conn->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    bool is_wal = rc == SQLITE_ROW && !strcmp(column_text(stmt, 0), "wal");
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW || !is_wal) {
        int code = rc == SQLITE_ROW ? TBY_EIO : db_error(conn, rc, target, err);
        if (rc == SQLITE_ROW)
            tby__error(err, code, -1, "%s: cannot switch the journal to WAL", target);
        else if ((rc & 0xFF) == SQLITE_NOTADB)
            tby__error(err, code, -1, "%s: not a database", target);
        sqlite_close(conn);
        return code;
    }
    int result = exec(conn,
                      "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; "
                      "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
                      target, err);
    if (result) {
        sqlite_close(conn);
        return result;
    }
    *out = conn;
    return TBY_OK;
}

static int sqlite_begin_write(tby_store__conn *conn, tby_error *err)
{
    return exec(conn, "BEGIN IMMEDIATE", "begin", err);
}

static int sqlite_begin_read(tby_store__conn *conn, tby_error *err)
{
    return exec(conn, "BEGIN", "begin", err);
}

static int sqlite_commit(tby_store__conn *conn, tby_error *err)
{
    return exec(conn, "COMMIT", "commit", err);
}

static void sqlite_rollback(tby_store__conn *conn)
{
    site_cache_clear(conn);
    if (!sqlite3_get_autocommit(conn->db))
        sqlite3_exec(conn->db, "ROLLBACK", NULL, NULL, NULL);
}

/* The connection's SQLite handle, for the statements of sqlite_access.c. */
sqlite3 *tby_store__sqlite_handle(tby_store__conn *conn)
{
    return conn->db;
}

/* ===== Schema ===== */

static int sqlite_schema_version(tby_store__conn *conn, int *out, tby_error *err)
{
    int64_t version = 0, application = 0, objects = 0;
    int rc;
    if ((rc = query_int(conn, "PRAGMA user_version", &version, err)) ||
        (rc = query_int(conn, "PRAGMA application_id", &application, err)) ||
        (rc = query_int(conn, "SELECT count(*) FROM sqlite_master", &objects, err)))
        return rc;
    if (version == 0 && objects > 0)
        return tby__error(err, TBY_EINVALID, -1,
                          "not a tabayyun database (it has tables but no schema version)");
    if (version != 0 && application != SQLITE_APPLICATION_ID)
        return tby__error(err, TBY_EINVALID, -1,
                          "not a tabayyun database (application id %lld, schema version %lld)",
                          (long long)application, (long long)version);
    if (version < 0 || version > 1000000)
        return tby__error(err, TBY_EINVALID, -1, "impossible schema version %lld",
                          (long long)version);
    *out = (int)version;
    return TBY_OK;
}

static int sqlite_migrate_step(tby_store__conn *conn, int step, tby_error *err)
{
    TBY_ASSERT(step >= 1 && step <= MIGRATION_COUNT);
    char what[64];
    snprintf(what, sizeof(what), "migration %d", step);
    for (const char *const *sql = migrations[step - 1]; *sql; sql++) {
        int rc = exec(conn, *sql, what, err);
        if (rc)
            return rc;
    }
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", step);
    return exec(conn, sql, what, err);
}

/* ===== Audit ===== */

static int sqlite_audit_last(tby_store__conn *conn, int64_t *seq_out, uint8_t hash_out[32],
                             tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_AUDIT_LAST, &stmt, err);
    if (rc)
        return rc;
    *seq_out = 0;
    memset(hash_out, 0, TBY_STORE_HASH_LEN);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        *seq_out = sqlite3_column_int64(stmt, 0);
        column_hash(stmt, 1, hash_out);
    } else if (step != SQLITE_DONE) {
        rc = db_error(conn, step, "audit log", err);
    }
    stmt_done(stmt);
    return rc;
}

static int sqlite_audit_insert(tby_store__conn *conn, const tby_audit_entry *entry, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_AUDIT_INSERT, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, entry->seq);
    bind_text(stmt, 2, entry->at);
    bind_text(stmt, 3, entry->actor);
    bind_text(stmt, 4, entry->action);
    bind_text(stmt, 5, entry->object);
    bind_text(stmt, 6, entry->detail);
    bind_hash(stmt, 7, entry->prev_hash);
    bind_hash(stmt, 8, entry->hash);
    return stmt_run(conn, stmt, "audit log", err);
}

static int sqlite_audit_scan(tby_store__conn *conn, int64_t from_seq, tby_audit_cb cb,
                             void *payload, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_AUDIT_SCAN, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, from_seq);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        tby_audit_entry entry;
        entry.seq = sqlite3_column_int64(stmt, 0);
        entry.at = column_text(stmt, 1);
        entry.actor = column_text(stmt, 2);
        entry.action = column_text(stmt, 3);
        entry.object = column_text(stmt, 4);
        entry.detail = column_text(stmt, 5);
        column_hash(stmt, 6, entry.prev_hash);
        column_hash(stmt, 7, entry.hash);
        if ((rc = cb(&entry, payload)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_error(conn, step, "audit log", err);
    stmt_done(stmt);
    return rc;
}

/* ===== Registry ===== */

static int site_id(tby_store__conn *conn, const char *name, int64_t *out, tby_error *err)
{
    for (size_t i = 0; i < conn->site_count; i++) {
        if (!strcmp(conn->sites[i].name, name)) {
            *out = conn->sites[i].id;
            return TBY_OK;
        }
    }
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_SITE_FIND, &stmt, err);
    if (rc)
        return rc;
    bind_text(stmt, 1, name);
    int step = sqlite3_step(stmt);
    bool is_found = step == SQLITE_ROW;
    if (is_found)
        *out = sqlite3_column_int64(stmt, 0);
    else if (step != SQLITE_DONE)
        rc = db_error(conn, step, "sites", err);
    stmt_done(stmt);
    if (rc)
        return rc;
    if (!is_found) {
        if ((rc = stmt_get(conn, STMT_SITE_INSERT, &stmt, err)))
            return rc;
        bind_text(stmt, 1, name);
        if ((rc = stmt_run(conn, stmt, "sites", err)))
            return rc;
        *out = sqlite3_last_insert_rowid(conn->db);
    }
    if (conn->site_count < SITE_CACHE_SIZE) {
        char *copy = tby__strndup(name, strlen(name));
        if (!copy)
            return tby__error(err, TBY_ENOMEM, -1, "out of memory");
        conn->sites[conn->site_count].name = copy;
        conn->sites[conn->site_count].id = *out;
        conn->site_count++;
    }
    return TBY_OK;
}

static int sqlite_registry_import_create(tby_store__conn *conn, const char *at, const char *actor,
                                         const char *default_site, bool strict, int64_t *id_out,
                                         tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_REG_IMPORT_CREATE, &stmt, err);
    if (rc)
        return rc;
    bind_text(stmt, 1, at);
    bind_text(stmt, 2, actor);
    bind_text(stmt, 3, default_site);
    sqlite3_bind_int(stmt, 4, strict);
    if ((rc = stmt_run(conn, stmt, "registry import", err)))
        return rc;
    *id_out = sqlite3_last_insert_rowid(conn->db);
    return TBY_OK;
}

static int bind_source(sqlite3_stmt *stmt, int64_t owner, int position,
                       const tby_store__source *source)
{
    sqlite3_bind_int64(stmt, 1, owner);
    sqlite3_bind_int(stmt, 2, position);
    bind_text(stmt, 3, source->file_name);
    sqlite3_bind_int64(stmt, 4, source->size);
    bind_hash(stmt, 5, source->blake2b);
    return bind_hash(stmt, 6, source->sha256);
}

static int sqlite_registry_import_source(tby_store__conn *conn, int64_t import_id, int position,
                                         const tby_store__source *source, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_REG_IMPORT_SOURCE, &stmt, err);
    if (rc)
        return rc;
    bind_source(stmt, import_id, position, source);
    return stmt_run(conn, stmt, "registry import source", err);
}

static int sqlite_registry_import_finish(tby_store__conn *conn, int64_t import_id,
                                         const tby_store_import_stats *stats, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_REG_IMPORT_FINISH, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, import_id);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)stats->records);
    sqlite3_bind_int64(stmt, 3, (sqlite3_int64)stats->added);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64)stats->changed);
    sqlite3_bind_int64(stmt, 5, (sqlite3_int64)stats->unchanged);
    sqlite3_bind_int64(stmt, 6, (sqlite3_int64)stats->rejected);
    sqlite3_bind_int64(stmt, 7, (sqlite3_int64)stats->dropped);
    sqlite3_bind_int64(stmt, 8, stats->audit_seq);
    return stmt_run(conn, stmt, "registry import", err);
}

static int sqlite_registry_lookup(tby_store__conn *conn, const char *record_id,
                                  tby_store__registry_found *out, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_REG_LOOKUP, &stmt, err);
    if (rc)
        return rc;
    memset(out, 0, sizeof(*out));
    bind_text(stmt, 1, record_id);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        out->is_found = true;
        column_hash(stmt, 0, out->content_hash);
        column_hash(stmt, 1, out->identity_hash);
        out->changed_by_import = sqlite3_column_int64(stmt, 2);
    } else if (step != SQLITE_DONE) {
        rc = db_error(conn, step, "registry", err);
    }
    stmt_done(stmt);
    return rc;
}

static int sqlite_registry_put(tby_store__conn *conn, const tby_store__registry_row *row,
                               bool is_update, tby_error *err)
{
    int64_t site = 0;
    int rc;
    if (row->site && (rc = site_id(conn, row->site, &site, err)))
        return rc;
    sqlite3_stmt *stmt = NULL;
    if (is_update) {
        if ((rc = stmt_get(conn, STMT_REG_HISTORY, &stmt, err)))
            return rc;
        bind_text(stmt, 1, row->record_id);
        sqlite3_bind_int64(stmt, 2, row->import_id);
        if ((rc = stmt_run(conn, stmt, "registry history", err)))
            return rc;
    }
    if ((rc = stmt_get(conn, is_update ? STMT_REG_UPDATE : STMT_REG_INSERT, &stmt, err)))
        return rc;
    bind_text(stmt, 1, row->record_id);
    if (row->site)
        sqlite3_bind_int64(stmt, 2, site);
    else
        sqlite3_bind_null(stmt, 2);
    sqlite3_bind_text(stmt, 3, row->json, (int)row->json_len, SQLITE_STATIC);
    bind_hash(stmt, 4, row->content_hash);
    bind_hash(stmt, 5, row->identity_hash);
    sqlite3_bind_int64(stmt, 6, row->import_id);
    if (is_update)
        sqlite3_bind_int(stmt, 7, row->is_identity_changed);
    return stmt_run(conn, stmt, "registry", err);
}

static int sqlite_registry_scan(tby_store__conn *conn, const char *site, int64_t since_import,
                                tby_store__registry_cb cb, void *payload, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    /* A delta (since an import) reads the index of changes, not the whole registry. */
    int rc = stmt_get(conn, since_import > 0 ? STMT_REG_SCAN_SINCE : STMT_REG_SCAN, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, since_import);
    bind_text(stmt, 2, site);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        uint8_t content[TBY_STORE_HASH_LEN], identity[TBY_STORE_HASH_LEN];
        column_hash(stmt, 1, content);
        column_hash(stmt, 2, identity);
        tby_store__registry_read row;
        row.json = column_text(stmt, 0);
        row.json_len = (size_t)sqlite3_column_bytes(stmt, 0);
        row.content_hash = content;
        row.identity_hash = identity;
        row.added_by_import = sqlite3_column_int64(stmt, 3);
        row.changed_by_import = sqlite3_column_int64(stmt, 4);
        row.identity_by_import = sqlite3_column_int64(stmt, 5);
        if ((rc = cb(&row, payload)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_error(conn, step, "registry", err);
    stmt_done(stmt);
    return rc;
}

/* ===== Lists ===== */

/* Finds version `number` (0: latest) of list_id; *found false when there is none. */
static int version_find(tby_store__conn *conn, int64_t list_id, int64_t number, int64_t *id_out,
                        int64_t *number_out, size_t *entries_out, bool *found, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, number ? STMT_VERSION_FIND : STMT_VERSION_LATEST, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, list_id);
    if (number)
        sqlite3_bind_int64(stmt, 2, number);
    int step = sqlite3_step(stmt);
    *found = step == SQLITE_ROW;
    if (*found) {
        *id_out = sqlite3_column_int64(stmt, 0);
        *number_out = sqlite3_column_int64(stmt, 1);
        if (entries_out)
            *entries_out = (size_t)sqlite3_column_int64(stmt, 2);
    } else if (step != SQLITE_DONE) {
        rc = db_error(conn, step, "list versions", err);
    }
    stmt_done(stmt);
    return rc;
}

static int list_id_find(tby_store__conn *conn, const char *name, int64_t *out, bool *found,
                        tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_LIST_FIND, &stmt, err);
    if (rc)
        return rc;
    bind_text(stmt, 1, name);
    int step = sqlite3_step(stmt);
    *found = step == SQLITE_ROW;
    if (*found)
        *out = sqlite3_column_int64(stmt, 0);
    else if (step != SQLITE_DONE)
        rc = db_error(conn, step, "lists", err);
    stmt_done(stmt);
    return rc;
}

static int sqlite_list_find(tby_store__conn *conn, const char *list_name, int64_t number,
                            tby_store__version_ref *out, tby_error *err)
{
    memset(out, 0, sizeof(*out));
    bool found;
    int rc = list_id_find(conn, list_name, &out->list_id, &found, err);
    if (rc)
        return rc;
    if (!found)
        return tby__error(err, TBY_ENOTFOUND, -1, "no list named \"%s\"", list_name);
    if ((rc = version_find(conn, out->list_id, number, &out->version_id, &out->number,
                           &out->entries, &found, err)))
        return rc;
    if (!found)
        return number ? tby__error(err, TBY_ENOTFOUND, -1, "list \"%s\" has no version %lld",
                                   list_name, (long long)number)
                      : tby__error(err, TBY_ENOTFOUND, -1, "list \"%s\" has no version", list_name);
    if (out->number > 1) {
        int64_t prev_number;
        if ((rc = version_find(conn, out->list_id, out->number - 1, &out->prev_version_id,
                               &prev_number, NULL, &found, err)))
            return rc;
        if (!found)
            out->prev_version_id = 0;
    }
    return TBY_OK;
}

static int sqlite_list_version_create(tby_store__conn *conn, const char *list_name,
                                      const char *format, const char *at, const char *actor,
                                      bool strict, tby_store__version_ref *out, tby_error *err)
{
    memset(out, 0, sizeof(*out));
    bool found;
    sqlite3_stmt *stmt = NULL;
    int rc = list_id_find(conn, list_name, &out->list_id, &found, err);
    if (rc)
        return rc;
    if (!found) {
        if ((rc = stmt_get(conn, STMT_LIST_INSERT, &stmt, err)))
            return rc;
        bind_text(stmt, 1, list_name);
        bind_text(stmt, 2, at);
        if ((rc = stmt_run(conn, stmt, "lists", err)))
            return rc;
        out->list_id = sqlite3_last_insert_rowid(conn->db);
    }
    int64_t prev_number = 0;
    if ((rc = version_find(conn, out->list_id, 0, &out->prev_version_id, &prev_number, NULL, &found,
                           err)))
        return rc;
    if (!found)
        out->prev_version_id = 0;
    out->number = found ? prev_number + 1 : 1;
    if ((rc = stmt_get(conn, STMT_VERSION_INSERT, &stmt, err)))
        return rc;
    sqlite3_bind_int64(stmt, 1, out->list_id);
    sqlite3_bind_int64(stmt, 2, out->number);
    bind_text(stmt, 3, format);
    bind_text(stmt, 4, at);
    bind_text(stmt, 5, actor);
    sqlite3_bind_int(stmt, 6, strict);
    if ((rc = stmt_run(conn, stmt, "list versions", err)))
        return rc;
    out->version_id = sqlite3_last_insert_rowid(conn->db);
    return TBY_OK;
}

static int sqlite_list_version_source(tby_store__conn *conn, int64_t version_id, int position,
                                      const tby_store__source *source, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_VERSION_SOURCE, &stmt, err);
    if (rc)
        return rc;
    bind_source(stmt, version_id, position, source);
    return stmt_run(conn, stmt, "list version source", err);
}

static int sqlite_list_entry_put(tby_store__conn *conn, int64_t version_id, const char *entry_id,
                                 const char *json, size_t json_len, const uint8_t *content_hash,
                                 const uint8_t *identity_hash, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_RECORD_FIND, &stmt, err);
    if (rc)
        return rc;
    bind_hash(stmt, 1, content_hash);
    int step = sqlite3_step(stmt);
    int64_t record_id = 0;
    bool is_found = step == SQLITE_ROW;
    if (is_found)
        record_id = sqlite3_column_int64(stmt, 0);
    else if (step != SQLITE_DONE)
        rc = db_error(conn, step, "list records", err);
    stmt_done(stmt);
    if (rc)
        return rc;
    if (!is_found) {
        if ((rc = stmt_get(conn, STMT_RECORD_INSERT, &stmt, err)))
            return rc;
        bind_hash(stmt, 1, content_hash);
        bind_hash(stmt, 2, identity_hash);
        sqlite3_bind_text(stmt, 3, json, (int)json_len, SQLITE_STATIC);
        if ((rc = stmt_run(conn, stmt, "list records", err)))
            return rc;
        record_id = sqlite3_last_insert_rowid(conn->db);
    }
    if ((rc = stmt_get(conn, STMT_ENTRY_INSERT, &stmt, err)))
        return rc;
    sqlite3_bind_int64(stmt, 1, version_id);
    bind_text(stmt, 2, entry_id);
    sqlite3_bind_int64(stmt, 3, record_id);
    return stmt_run(conn, stmt, "list entries", err);
}

static int sqlite_list_version_finish(tby_store__conn *conn, int64_t version_id,
                                      const tby_store__version_counts *counts, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_VERSION_FINISH, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, version_id);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)counts->entries);
    sqlite3_bind_int64(stmt, 3, (sqlite3_int64)counts->added);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64)counts->removed);
    sqlite3_bind_int64(stmt, 5, (sqlite3_int64)counts->changed);
    sqlite3_bind_int64(stmt, 6, (sqlite3_int64)counts->unchanged);
    sqlite3_bind_int64(stmt, 7, (sqlite3_int64)counts->rejected);
    sqlite3_bind_int64(stmt, 8, counts->audit_seq);
    return stmt_run(conn, stmt, "list versions", err);
}

static int sqlite_list_rows(tby_store__conn *conn, int64_t from_id, int64_t to_id,
                            bool only_different, bool with_removed, tby_store__list_row_cb cb,
                            void *payload, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_ROWS_NEW, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, from_id);
    sqlite3_bind_int64(stmt, 2, to_id);
    sqlite3_bind_int(stmt, 3, only_different);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        uint8_t new_content[TBY_STORE_HASH_LEN], new_identity[TBY_STORE_HASH_LEN];
        uint8_t old_content[TBY_STORE_HASH_LEN], old_identity[TBY_STORE_HASH_LEN];
        tby_store__list_row row;
        memset(&row, 0, sizeof(row));
        row.entry_id = column_text(stmt, 0);
        row.new_json = column_text(stmt, 1);
        row.new_json_len = (size_t)sqlite3_column_bytes(stmt, 1);
        column_hash(stmt, 2, new_content);
        column_hash(stmt, 3, new_identity);
        row.new_content = new_content;
        row.new_identity = new_identity;
        if (sqlite3_column_type(stmt, 4) != SQLITE_NULL) {
            row.old_json = column_text(stmt, 4);
            row.old_json_len = (size_t)sqlite3_column_bytes(stmt, 4);
        }
        if (sqlite3_column_type(stmt, 5) != SQLITE_NULL) {
            column_hash(stmt, 5, old_content);
            column_hash(stmt, 6, old_identity);
            row.old_content = old_content;
            row.old_identity = old_identity;
        }
        if ((rc = cb(&row, payload)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_error(conn, step, "list entries", err);
    stmt_done(stmt);
    if (rc || !with_removed || !from_id)
        return rc;

    if ((rc = stmt_get(conn, STMT_ROWS_REMOVED, &stmt, err)))
        return rc;
    sqlite3_bind_int64(stmt, 1, from_id);
    sqlite3_bind_int64(stmt, 2, to_id);
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        uint8_t old_content[TBY_STORE_HASH_LEN], old_identity[TBY_STORE_HASH_LEN];
        tby_store__list_row row;
        memset(&row, 0, sizeof(row));
        row.entry_id = column_text(stmt, 0);
        row.old_json = column_text(stmt, 1);
        row.old_json_len = (size_t)sqlite3_column_bytes(stmt, 1);
        column_hash(stmt, 2, old_content);
        column_hash(stmt, 3, old_identity);
        row.old_content = old_content;
        row.old_identity = old_identity;
        if ((rc = cb(&row, payload)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_error(conn, step, "list entries", err);
    stmt_done(stmt);
    return rc;
}

/* Most source files one version lists (OFAC has three). */
#define VERSION_SOURCES_MAX 8

static int sqlite_list_versions_scan(tby_store__conn *conn, const char *list_name,
                                     tby_store__version_cb cb, void *payload, tby_error *err)
{
    sqlite3_stmt *stmt = NULL, *sources_stmt = NULL;
    int rc = stmt_get(conn, STMT_VERSIONS_SCAN, &stmt, err);
    if (!rc)
        rc = stmt_get(conn, STMT_VERSION_SOURCES, &sources_stmt, err);
    if (rc)
        return rc;
    bind_text(stmt, 1, list_name);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        tby_list_version version;
        memset(&version, 0, sizeof(version));
        version.list = column_text(stmt, 0);
        int64_t version_id = sqlite3_column_int64(stmt, 1);
        version.number = sqlite3_column_int64(stmt, 2);
        version.format = column_text(stmt, 3);
        version.imported_at = column_text(stmt, 4);
        version.imported_by = column_text(stmt, 5);
        version.entries = (size_t)sqlite3_column_int64(stmt, 6);
        version.added = (size_t)sqlite3_column_int64(stmt, 7);
        version.removed = (size_t)sqlite3_column_int64(stmt, 8);
        version.changed = (size_t)sqlite3_column_int64(stmt, 9);
        version.unchanged = (size_t)sqlite3_column_int64(stmt, 10);
        version.rejected = (size_t)sqlite3_column_int64(stmt, 11);
        version.audit_seq = sqlite3_column_int64(stmt, 12);

        tby_store_source sources[VERSION_SOURCES_MAX];
        char *names[VERSION_SOURCES_MAX] = {0};
        size_t count = 0;
        sqlite3_bind_int64(sources_stmt, 1, version_id);
        int source_step;
        while ((source_step = sqlite3_step(sources_stmt)) == SQLITE_ROW &&
               count < VERSION_SOURCES_MAX) {
            uint8_t hash[TBY_STORE_HASH_LEN];
            const char *name = column_text(sources_stmt, 0);
            names[count] = tby__strndup(name, strlen(name));
            sources[count].file_name = names[count] ? names[count] : "";
            sources[count].size = sqlite3_column_int64(sources_stmt, 1);
            column_hash(sources_stmt, 2, hash);
            tby_store_hash_hex(sources[count].blake2b, hash);
            column_hash(sources_stmt, 3, hash);
            tby_store_hash_hex(sources[count].sha256, hash);
            count++;
        }
        if (source_step != SQLITE_ROW && source_step != SQLITE_DONE)
            rc = db_error(conn, source_step, "list version sources", err);
        stmt_done(sources_stmt);
        version.sources = sources;
        version.source_count = count;
        if (!rc)
            rc = cb(&version, payload);
        for (size_t i = 0; i < count; i++)
            tby__free(names[i]);
        if (rc)
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_error(conn, step, "list versions", err);
    stmt_done(stmt);
    return rc;
}

/* ===== Screening runs and models ===== */

static int sqlite_model_insert(tby_store__conn *conn, int64_t list_id, int64_t list_version,
                               const char *engine_version, const unsigned char *data, size_t len,
                               const uint8_t *hash, const char *at, const char *actor,
                               int64_t *id_out, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_MODEL_INSERT, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, list_id);
    sqlite3_bind_int64(stmt, 2, list_version);
    bind_text(stmt, 3, engine_version);
    sqlite3_bind_blob64(stmt, 4, data, (sqlite3_uint64)len, SQLITE_STATIC);
    bind_hash(stmt, 5, hash);
    bind_text(stmt, 6, at);
    bind_text(stmt, 7, actor);
    if ((rc = stmt_run(conn, stmt, "screening models", err)))
        return rc;
    *id_out = sqlite3_last_insert_rowid(conn->db);
    return TBY_OK;
}

static int sqlite_model_get(tby_store__conn *conn, int64_t model_id, unsigned char **out,
                            size_t *len, tby_error *err)
{
    *out = NULL;
    *len = 0;
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_MODEL_GET, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, model_id);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        const void *blob = sqlite3_column_blob(stmt, 0);
        size_t size = (size_t)sqlite3_column_bytes(stmt, 0);
        unsigned char *copy = tby__malloc(size ? size : 1);
        if (!copy) {
            rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
        } else {
            if (size)
                memcpy(copy, blob, size);
            *out = copy;
            *len = size;
        }
    } else if (step == SQLITE_DONE) {
        rc = tby__error(err, TBY_ENOTFOUND, -1, "no model %lld", (long long)model_id);
    } else {
        rc = db_error(conn, step, "screening models", err);
    }
    stmt_done(stmt);
    return rc;
}

static void bind_id_or_null(sqlite3_stmt *stmt, int index, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(stmt, index, id);
    else
        sqlite3_bind_null(stmt, index);
}

static int sqlite_run_insert(tby_store__conn *conn, const tby_store__run_row *row, int64_t *id_out,
                             tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_RUN_INSERT, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, row->list_id);
    sqlite3_bind_int64(stmt, 2, row->list_version);
    bind_id_or_null(stmt, 3, row->model_id);
    bind_text(stmt, 4, row->engine_version);
    sqlite3_bind_double(stmt, 5, row->threshold);
    bind_text(stmt, 6, row->is_full ? "full" : "delta");
    bind_text(stmt, 7, row->reason);
    bind_id_or_null(stmt, 8, row->base_run_id);
    sqlite3_bind_int64(stmt, 9, row->registry_mark);
    bind_text(stmt, 10, row->at);
    bind_text(stmt, 11, row->actor);
    if ((rc = stmt_run(conn, stmt, "screening runs", err)))
        return rc;
    *id_out = sqlite3_last_insert_rowid(conn->db);
    return TBY_OK;
}

static int sqlite_run_finish(tby_store__conn *conn, int64_t run_id, const tby_store__run_row *row,
                             tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_RUN_FINISH, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, run_id);
    bind_text(stmt, 2, row->at);
    bind_id_or_null(stmt, 3, row->model_id);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64)row->records);
    sqlite3_bind_int64(stmt, 5, (sqlite3_int64)row->records_whole);
    sqlite3_bind_int64(stmt, 6, (sqlite3_int64)row->pairs_scored);
    sqlite3_bind_int64(stmt, 7, (sqlite3_int64)row->alerts_new);
    sqlite3_bind_int64(stmt, 8, (sqlite3_int64)row->alerts_kept);
    sqlite3_bind_int64(stmt, 9, (sqlite3_int64)row->alerts_superseded);
    sqlite3_bind_int64(stmt, 10, (sqlite3_int64)row->alerts_suppressed);
    sqlite3_bind_int64(stmt, 11, row->audit_seq);
    if ((rc = stmt_run(conn, stmt, "screening runs", err)))
        return rc;
    if (sqlite3_changes(conn->db) != 1)
        return tby__error(err, TBY_ENOTFOUND, -1, "run %lld is not running", (long long)run_id);
    return TBY_OK;
}

static void sqlite_run_abandon(tby_store__conn *conn, int64_t run_id)
{
    sqlite3_stmt *stmt = NULL;
    if (stmt_get(conn, STMT_RUN_ABANDON, &stmt, NULL))
        return;
    sqlite3_bind_int64(stmt, 1, run_id);
    stmt_run(conn, stmt, "screening runs", NULL);
}

static void column_copy(sqlite3_stmt *stmt, int column, char *out, size_t size)
{
    snprintf(out, size, "%s", column_text(stmt, column));
}

static int sqlite_run_last(tby_store__conn *conn, int64_t list_id, tby_store_run_info *out,
                           tby_error *err)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_RUN_LAST, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, list_id);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        out->id = sqlite3_column_int64(stmt, 0);
        out->list_version = sqlite3_column_int64(stmt, 1);
        out->model_id = sqlite3_column_int64(stmt, 2);
        out->registry_mark = sqlite3_column_int64(stmt, 3);
        out->threshold = sqlite3_column_double(stmt, 4);
        out->is_full = !strcmp(column_text(stmt, 5), "full");
        column_copy(stmt, 6, out->engine_version, sizeof(out->engine_version));
        column_copy(stmt, 7, out->started_at, sizeof(out->started_at));
        column_copy(stmt, 8, out->finished_at, sizeof(out->finished_at));
        size_t *counts[] = {&out->records,          &out->records_whole, &out->pairs_scored,
                            &out->alerts_new,       &out->alerts_kept,   &out->alerts_superseded,
                            &out->alerts_suppressed};
        for (int i = 0; i < 7; i++)
            *counts[i] = (size_t)sqlite3_column_int64(stmt, 9 + i);
        out->audit_seq = sqlite3_column_int64(stmt, 16);
    } else if (step != SQLITE_DONE) {
        rc = db_error(conn, step, "screening runs", err);
    }
    stmt_done(stmt);
    return rc;
}

/*
 * Steps a bound statement over standing alerts, one callback per row: id, record, entry and,
 * when `full`, score, grade and the identity hashes (columns 3 to 6); else those are zero.
 */
static int current_rows(tby_store__conn *conn, sqlite3_stmt *stmt, bool full,
                        tby_store__current_cb cb, void *payload, tby_error *err)
{
    int rc = TBY_OK, step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        uint8_t record_identity[TBY_STORE_HASH_LEN], entry_identity[TBY_STORE_HASH_LEN];
        tby_store__current row;
        memset(&row, 0, sizeof(row));
        row.id = sqlite3_column_int64(stmt, 0);
        row.record_id = column_text(stmt, 1);
        row.entry_id = column_text(stmt, 2);
        if (full) {
            column_hash(stmt, 5, record_identity);
            column_hash(stmt, 6, entry_identity);
            row.score = sqlite3_column_double(stmt, 3);
            row.grade = column_text(stmt, 4);
            row.record_identity = record_identity;
            row.entry_identity = entry_identity;
        }
        if ((rc = cb(&row, payload)))
            return rc;
    }
    return step == SQLITE_DONE ? TBY_OK : db_error(conn, step, "alerts", err);
}

static int sqlite_alerts_current(tby_store__conn *conn, int64_t list_id, tby_store__current_cb cb,
                                 void *payload, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_ALERTS_CURRENT, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, list_id);
    rc = current_rows(conn, stmt, true, cb, payload, err);
    stmt_done(stmt);
    return rc;
}

/* The standing alerts of each of `ids` (records, or entries read from the index alone). */
static int alerts_current_by(tby_store__conn *conn, stmt_id statement, bool full, int64_t list_id,
                             const char *const *ids, size_t count, tby_store__current_cb cb,
                             void *payload, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, statement, &stmt, err);
    if (rc)
        return rc;
    for (size_t i = 0; !rc && i < count; i++) {
        sqlite3_bind_int64(stmt, 1, list_id);
        bind_text(stmt, 2, ids[i]);
        rc = current_rows(conn, stmt, full, cb, payload, err);
        sqlite3_reset(stmt);
    }
    stmt_done(stmt);
    return rc;
}

static int sqlite_alerts_current_records(tby_store__conn *conn, int64_t list_id,
                                         const char *const *record_ids, size_t count,
                                         tby_store__current_cb cb, void *payload, tby_error *err)
{
    return alerts_current_by(conn, STMT_ALERTS_CURRENT_RECORD, true, list_id, record_ids, count, cb,
                             payload, err);
}

/* Read from the index alone: id, record and entry; no score, grade or hashes. */
static int sqlite_alerts_current_entries(tby_store__conn *conn, int64_t list_id,
                                         const char *const *entry_ids, size_t count,
                                         tby_store__current_cb cb, void *payload, tby_error *err)
{
    return alerts_current_by(conn, STMT_ALERTS_CURRENT_ENTRY, false, list_id, entry_ids, count, cb,
                             payload, err);
}

static int sqlite_alert_supersede(tby_store__conn *conn, int64_t alert_id, int64_t run_id,
                                  const char *at, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_ALERT_SUPERSEDE, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, alert_id);
    sqlite3_bind_int64(stmt, 2, run_id);
    bind_text(stmt, 3, at);
    return stmt_run(conn, stmt, "alerts", err);
}

static int sqlite_alerts_supersede_unregistered(tby_store__conn *conn, int64_t list_id,
                                                int64_t run_id, const char *at, size_t *count_out,
                                                tby_error *err)
{
    *count_out = 0;
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_ALERTS_UNREGISTERED, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, list_id);
    sqlite3_bind_int64(stmt, 2, run_id);
    bind_text(stmt, 3, at);
    if ((rc = stmt_run(conn, stmt, "alerts", err)))
        return rc;
    *count_out = (size_t)sqlite3_changes(conn->db);
    return TBY_OK;
}

static int sqlite_alerts_supersede_removed(tby_store__conn *conn, int64_t list_id, int64_t run_id,
                                           const char *at, size_t *count_out, tby_error *err)
{
    *count_out = 0;
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_ALERTS_REMOVED, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, list_id);
    sqlite3_bind_int64(stmt, 2, run_id);
    bind_text(stmt, 3, at);
    if ((rc = stmt_run(conn, stmt, "alerts", err)))
        return rc;
    *count_out = (size_t)sqlite3_changes(conn->db);
    return TBY_OK;
}

static int sqlite_alert_insert(tby_store__conn *conn, const tby_store__alert_row *row,
                               tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_ALERT_INSERT, &stmt, err);
    if (rc)
        return rc;
    const tby_store_found *f = row->found;
    sqlite3_bind_int64(stmt, 1, row->run_id);
    sqlite3_bind_int64(stmt, 2, row->list_id);
    sqlite3_bind_int64(stmt, 3, row->list_version);
    bind_text(stmt, 4, f->record_id);
    bind_hash(stmt, 5, f->record_identity);
    bind_text(stmt, 6, f->entry_id);
    bind_hash(stmt, 7, f->entry_identity);
    sqlite3_bind_double(stmt, 8, f->score);
    bind_text(stmt, 9, f->grade);
    bind_text(stmt, 10, f->matched_name);
    bind_text(stmt, 11, f->explanation_json);
    bind_text(stmt, 12, f->explanation_text);
    bind_text(stmt, 13, row->engine_version);
    sqlite3_bind_double(stmt, 14, row->threshold);
    bind_text(stmt, 15, row->status);
    bind_text(stmt, 16, row->at);
    return stmt_run(conn, stmt, "alerts", err);
}

static int sqlite_clearance_applies(tby_store__conn *conn, int64_t list_id, const char *record_id,
                                    const char *entry_id, const uint8_t *record_identity,
                                    const uint8_t *entry_identity, bool *out, tby_error *err)
{
    *out = false;
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_CLEARANCE_APPLIES, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, list_id);
    bind_text(stmt, 2, record_id);
    bind_text(stmt, 3, entry_id);
    bind_hash(stmt, 4, record_identity);
    bind_hash(stmt, 5, entry_identity);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        *out = true;
    else if (step != SQLITE_DONE)
        rc = db_error(conn, step, "clearances", err);
    stmt_done(stmt);
    return rc;
}

/*
 * A statement of an alert query of this shape, made on first use and kept: only the
 * conditions the query has are in its WHERE clause, so that SQLite plans each shape with the
 * indexes of migration 4 (a "(?x IS NULL OR ...)" for every filter would defeat them).
 * Parameters: ?1 after_id, ?2 the status (a scan) or the statuses as a JSON array (counts),
 * ?3 list, ?4 grade, ?5 site, ?6 sites, ?7 from, ?8 to, ?9 limit.
 *
 * A scan reads each status apart: "status = ? AND id > ? ORDER BY id LIMIT n" walks the
 * (status, id) index in order and stops after n rows, where "status IN (...)" would read
 * every alert of those statuses into a sort. `stream` is the status's place in the merge.
 */
static int alert_query_stmt(tby_store__conn *conn, const tby_store__alert_query *query,
                            bool is_counts, size_t stream, sqlite3_stmt **out, tby_error *err)
{
    unsigned shape = (query->list_id ? ALERT_Q_LIST : 0u) | (query->grade ? ALERT_Q_GRADE : 0u) |
                     (query->site ? ALERT_Q_SITE : 0u) | (query->sites_json ? ALERT_Q_SITES : 0u) |
                     (query->created_from ? ALERT_Q_FROM : 0u) |
                     (query->created_to ? ALERT_Q_TO : 0u) | (is_counts ? ALERT_Q_COUNTS : 0u);
    TBY_ASSERT(stream < ALERT_Q_STREAMS);
    sqlite3_stmt **slot = &conn->alert_stmts[shape][stream];
    if (!*slot) {
        tby_buf sql = TBY_BUF_INIT(8192);
        int rc = tby__buf_puts(
            &sql, is_counts
                      ? "SELECT s.name, a.grade, a.status, count(*) FROM alerts a "
                        "LEFT JOIN registry r ON r.record_id = a.record_id "
                        "LEFT JOIN sites s ON s.id = r.site_id "
                        "WHERE a.status IN (SELECT value FROM json_each(?2))"
                      : "SELECT a.id, a.run_id, l.name, a.list_version, a.record_id, a.entry_id, "
                        "a.record_identity, a.entry_identity, a.score, a.grade, a.matched_name, "
                        "a.explanation, a.explanation_text, a.engine_version, a.threshold, "
                        "a.status, a.created_at, a.updated_at, s.name FROM alerts a "
                        "JOIN lists l ON l.id = a.list_id "
                        "LEFT JOIN registry r ON r.record_id = a.record_id "
                        "LEFT JOIN sites s ON s.id = r.site_id "
                        "WHERE a.status = ?2 AND a.id > ?1");
        static const struct {
            unsigned bit;
            const char *sql;
        } conditions[] = {
            {ALERT_Q_LIST, " AND a.list_id = ?3"},
            {ALERT_Q_GRADE, " AND a.grade = ?4"},
            {ALERT_Q_SITE, " AND r.site_id = (SELECT id FROM sites WHERE name = ?5)"},
            {ALERT_Q_SITES, " AND r.site_id IN (SELECT id FROM sites WHERE name IN "
                            "(SELECT value FROM json_each(?6)))"},
            {ALERT_Q_FROM, " AND a.created_at >= ?7"},
            {ALERT_Q_TO, " AND a.created_at < ?8"},
        };
        for (size_t i = 0; !rc && i < sizeof(conditions) / sizeof(conditions[0]); i++) {
            if (shape & conditions[i].bit)
                rc = tby__buf_puts(&sql, conditions[i].sql);
        }
        if (!rc)
            rc = tby__buf_puts(&sql, is_counts ? " GROUP BY s.name, a.grade, a.status"
                                               : " ORDER BY a.id LIMIT ?9");
        if (rc) {
            tby__buf_dispose(&sql);
            return tby__error(err, TBY_ENOMEM, -1, "out of memory");
        }
        int prepared =
            sqlite3_prepare_v3(conn->db, sql.ptr, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
        tby__buf_dispose(&sql);
        if (prepared != SQLITE_OK)
            return db_error(conn, prepared, "prepare", err);
    }
    sqlite3_stmt *stmt = *slot;
    sqlite3_bind_int64(stmt, 1, query->after_id);
    bind_text(stmt, 2, is_counts ? query->statuses_json : query->statuses[stream]);
    sqlite3_bind_int64(stmt, 3, query->list_id);
    bind_text(stmt, 4, query->grade);
    bind_text(stmt, 5, query->site);
    bind_text(stmt, 6, query->sites_json);
    bind_text(stmt, 7, query->created_from);
    bind_text(stmt, 8, query->created_to);
    sqlite3_bind_int64(stmt, 9, query->limit > 0 ? query->limit : -1);
    *out = stmt;
    return TBY_OK;
}

/* Calls cb with the alert of the statement's current row. */
static int alert_row(sqlite3_stmt *stmt, tby_store__alert_cb cb, void *payload)
{
    uint8_t record_identity[TBY_STORE_HASH_LEN], entry_identity[TBY_STORE_HASH_LEN];
    column_hash(stmt, 6, record_identity);
    column_hash(stmt, 7, entry_identity);
    tby_store_alert a;
    memset(&a, 0, sizeof(a));
    a.id = sqlite3_column_int64(stmt, 0);
    a.run_id = sqlite3_column_int64(stmt, 1);
    a.list = column_text(stmt, 2);
    a.list_version = sqlite3_column_int64(stmt, 3);
    a.record_id = column_text(stmt, 4);
    a.entry_id = column_text(stmt, 5);
    a.record_identity = record_identity;
    a.entry_identity = entry_identity;
    a.score = sqlite3_column_double(stmt, 8);
    a.grade = column_text(stmt, 9);
    a.matched_name = column_text(stmt, 10);
    a.explanation_json = column_text(stmt, 11);
    a.explanation_text = column_text(stmt, 12);
    a.engine_version = column_text(stmt, 13);
    a.threshold = sqlite3_column_double(stmt, 14);
    a.created_at = column_text(stmt, 16);
    a.updated_at = column_text(stmt, 17);
    a.site = sqlite3_column_type(stmt, 18) == SQLITE_NULL ? NULL : column_text(stmt, 18);
    return cb(&a, column_text(stmt, 15), payload);
}

static int sqlite_alerts_scan(tby_store__conn *conn, const tby_store__alert_query *query,
                              tby_store__alert_cb cb, void *payload, tby_error *err)
{
    int rc;
    int step = SQLITE_DONE;
    if (query->alert_id) {
        sqlite3_stmt *stmt = NULL;
        if ((rc = stmt_get(conn, STMT_ALERT_READ, &stmt, err)))
            return rc;
        sqlite3_bind_int64(stmt, 1, query->alert_id);
        if ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
            rc = alert_row(stmt, cb, payload);
            step = SQLITE_DONE;
        }
        if (!rc && step != SQLITE_DONE)
            rc = db_error(conn, step, "alerts", err);
        stmt_done(stmt);
        return rc;
    }
    /* One stream per status, each in order of id; merged by taking the lowest id each time. */
    sqlite3_stmt *streams[ALERT_Q_STREAMS] = {NULL};
    bool has_row[ALERT_Q_STREAMS] = {false};
    size_t count = query->status_count < ALERT_Q_STREAMS ? query->status_count : ALERT_Q_STREAMS;
    rc = TBY_OK;
    for (size_t i = 0; !rc && i < count; i++) {
        if ((rc = alert_query_stmt(conn, query, false, i, &streams[i], err)))
            break;
        step = sqlite3_step(streams[i]);
        has_row[i] = step == SQLITE_ROW;
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            rc = db_error(conn, step, "alerts", err);
    }
    for (int64_t emitted = 0; !rc && (query->limit <= 0 || emitted < query->limit); emitted++) {
        size_t next = count;
        for (size_t i = 0; i < count; i++) {
            if (has_row[i] && (next == count || sqlite3_column_int64(streams[i], 0) <
                                                    sqlite3_column_int64(streams[next], 0)))
                next = i;
        }
        if (next == count)
            break;
        if ((rc = alert_row(streams[next], cb, payload)))
            break;
        step = sqlite3_step(streams[next]);
        has_row[next] = step == SQLITE_ROW;
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            rc = db_error(conn, step, "alerts", err);
    }
    for (size_t i = 0; i < count; i++) {
        if (streams[i])
            stmt_done(streams[i]);
    }
    return rc;
}

static int sqlite_alert_counts(tby_store__conn *conn, const tby_store__alert_query *query,
                               int (*cb)(const char *site, const char *grade, const char *status,
                                         int64_t count, void *payload),
                               void *payload, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = alert_query_stmt(conn, query, true, 0, &stmt, err);
    if (rc)
        return rc;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *site =
            sqlite3_column_type(stmt, 0) == SQLITE_NULL ? NULL : column_text(stmt, 0);
        if ((rc = cb(site, column_text(stmt, 1), column_text(stmt, 2),
                     sqlite3_column_int64(stmt, 3), payload)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_error(conn, step, "alerts", err);
    stmt_done(stmt);
    return rc;
}

/* ===== WAL housekeeping ===== */

static int sqlite_checkpoint(tby_store__conn *conn, int64_t *wal_pages, int64_t *moved_pages,
                             tby_error *err)
{
    int log = 0, moved = 0;
    int rc = sqlite3_wal_checkpoint_v2(conn->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &moved);
    *wal_pages = log > 0 ? log : 0;
    *moved_pages = moved > 0 ? moved : 0;
    /* A passive checkpoint does not wait: BUSY only says another checkpoint was running. */
    return rc == SQLITE_OK || rc == SQLITE_BUSY ? TBY_OK : db_error(conn, rc, "checkpoint", err);
}

static void sqlite_autocheckpoint(tby_store__conn *conn, int pages)
{
    sqlite3_wal_autocheckpoint(conn->db, pages);
}

/* ===== Decisions and clearances ===== */

static int sqlite_alert_find(tby_store__conn *conn, int64_t alert_id, tby_store__alert_state *out,
                             tby_error *err)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_ALERT_FIND, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, alert_id);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        out->is_found = true;
        out->list_id = sqlite3_column_int64(stmt, 0);
        column_copy(stmt, 1, out->list, sizeof(out->list));
        column_copy(stmt, 2, out->status, sizeof(out->status));
        const char *record_id = column_text(stmt, 3), *entry_id = column_text(stmt, 4);
        out->record_id = tby__strndup(record_id, strlen(record_id));
        out->entry_id = tby__strndup(entry_id, strlen(entry_id));
        column_hash(stmt, 5, out->record_identity);
        column_hash(stmt, 6, out->entry_identity);
        if (!out->record_id || !out->entry_id)
            rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
    } else if (step != SQLITE_DONE) {
        rc = db_error(conn, step, "alerts", err);
    }
    stmt_done(stmt);
    return rc;
}

static int sqlite_alert_set_status(tby_store__conn *conn, int64_t alert_id, const char *status,
                                   const char *at, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_ALERT_SET_STATUS, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, alert_id);
    bind_text(stmt, 2, status);
    bind_text(stmt, 3, at);
    return stmt_run(conn, stmt, "alerts", err);
}

static int sqlite_alert_first_confirmer(tby_store__conn *conn, int64_t alert_id, char *out,
                                        size_t size, tby_error *err)
{
    out[0] = '\0';
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_FIRST_CONFIRMER, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, alert_id);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        column_copy(stmt, 0, out, size);
    else if (step != SQLITE_DONE)
        rc = db_error(conn, step, "decisions", err);
    stmt_done(stmt);
    return rc;
}

static int sqlite_decision_insert(tby_store__conn *conn, const tby_store__decision_row *row,
                                  int64_t *id_out, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_DECISION_INSERT, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, row->alert_id);
    bind_text(stmt, 2, row->action);
    bind_text(stmt, 3, row->status_before);
    bind_text(stmt, 4, row->status_after);
    bind_text(stmt, 5, row->actor);
    bind_text(stmt, 6, row->reason);
    bind_text(stmt, 7, row->at);
    sqlite3_bind_int64(stmt, 8, row->audit_seq);
    if ((rc = stmt_run(conn, stmt, "decisions", err)))
        return rc;
    *id_out = sqlite3_last_insert_rowid(conn->db);
    if (!row->reference)
        return TBY_OK;
    if ((rc = stmt_get(conn, STMT_CLEARANCE_INSERT, &stmt, err)))
        return rc;
    const tby_store__alert_state *alert = row->alert;
    sqlite3_bind_int64(stmt, 1, alert->list_id);
    bind_text(stmt, 2, alert->record_id);
    bind_text(stmt, 3, alert->entry_id);
    bind_hash(stmt, 4, alert->record_identity);
    bind_hash(stmt, 5, alert->entry_identity);
    bind_text(stmt, 6, row->reason);
    bind_text(stmt, 7, row->actor);
    bind_text(stmt, 8, row->at);
    sqlite3_bind_int64(stmt, 9, row->alert_id);
    sqlite3_bind_int64(stmt, 10, *id_out);
    bind_text(stmt, 11, row->reference);
    sqlite3_bind_int64(stmt, 12, row->audit_seq);
    return stmt_run(conn, stmt, "clearances", err);
}

static int sqlite_decisions_scan(tby_store__conn *conn, int64_t alert_id, tby_store__decision_cb cb,
                                 void *payload, tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_DECISIONS_SCAN, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, alert_id);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        tby_store__decision_read row;
        row.id = sqlite3_column_int64(stmt, 0);
        row.action = column_text(stmt, 1);
        row.status_before = column_text(stmt, 2);
        row.status_after = column_text(stmt, 3);
        row.actor = column_text(stmt, 4);
        row.reason = column_text(stmt, 5);
        row.at = column_text(stmt, 6);
        row.reference = sqlite3_column_type(stmt, 7) == SQLITE_NULL ? NULL : column_text(stmt, 7);
        row.audit_seq = sqlite3_column_int64(stmt, 8);
        if ((rc = cb(&row, payload)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_error(conn, step, "decisions", err);
    stmt_done(stmt);
    return rc;
}

static int sqlite_redress_find(tby_store__conn *conn, const char *reference, bool *is_found,
                               char *status, size_t size, tby_error *err)
{
    *is_found = false;
    status[0] = '\0';
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_REDRESS_FIND, &stmt, err);
    if (rc)
        return rc;
    bind_text(stmt, 1, reference);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        *is_found = true;
        column_copy(stmt, 0, status, size);
    } else if (step != SQLITE_DONE) {
        rc = db_error(conn, step, "clearances", err);
    }
    stmt_done(stmt);
    return rc;
}

static int sqlite_clearances_scan(tby_store__conn *conn, int64_t after_id, int64_t clearance_id,
                                  bool active_only, tby_store_clearance_cb cb, void *payload,
                                  tby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_CLEARANCES_SCAN, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, after_id);
    sqlite3_bind_int64(stmt, 2, clearance_id);
    sqlite3_bind_int(stmt, 3, active_only);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        tby_store_clearance c;
        memset(&c, 0, sizeof(c));
        c.id = sqlite3_column_int64(stmt, 0);
        c.list = column_text(stmt, 1);
        c.record_id = column_text(stmt, 2);
        c.entry_id = column_text(stmt, 3);
        c.site = sqlite3_column_type(stmt, 4) == SQLITE_NULL ? NULL : column_text(stmt, 4);
        c.reason = column_text(stmt, 5);
        c.actor = column_text(stmt, 6);
        c.at = column_text(stmt, 7);
        c.alert_id = sqlite3_column_int64(stmt, 8);
        c.reference = column_text(stmt, 9);
        c.is_active = sqlite3_column_int(stmt, 10) != 0;
        if ((rc = cb(&c, payload)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_error(conn, step, "clearances", err);
    stmt_done(stmt);
    return rc;
}

static int sqlite_clearance_revoke(tby_store__conn *conn, int64_t clearance_id,
                                   const char *record_id, const char *entry_id, const char *at,
                                   size_t *reopened_out, tby_error *err)
{
    *reopened_out = 0;
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(conn, STMT_CLEARANCE_DEACTIVATE, &stmt, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, clearance_id);
    if ((rc = stmt_run(conn, stmt, "clearances", err)))
        return rc;
    if (sqlite3_changes(conn->db) != 1)
        return tby__error(err, TBY_EINVALID, -1, "clearance %lld is revoked already",
                          (long long)clearance_id);
    if ((rc = stmt_get(conn, STMT_CLEARANCE_REOPEN, &stmt, err)))
        return rc;
    sqlite3_bind_int64(stmt, 1, clearance_id);
    bind_text(stmt, 2, record_id);
    bind_text(stmt, 3, entry_id);
    bind_text(stmt, 4, at);
    if ((rc = stmt_run(conn, stmt, "alerts", err)))
        return rc;
    *reopened_out = (size_t)sqlite3_changes(conn->db);
    return TBY_OK;
}

/* ===== The backend ===== */

const tby_store__backend tby_store__sqlite = {
    "sqlite",
    sqlite_open,
    sqlite_close,
    sqlite_begin_write,
    sqlite_begin_read,
    sqlite_commit,
    sqlite_rollback,
    MIGRATION_COUNT,
    sqlite_schema_version,
    sqlite_migrate_step,
    sqlite_audit_last,
    sqlite_audit_insert,
    sqlite_audit_scan,
    sqlite_registry_import_create,
    sqlite_registry_import_source,
    sqlite_registry_import_finish,
    sqlite_registry_lookup,
    sqlite_registry_put,
    sqlite_registry_scan,
    sqlite_list_find,
    sqlite_list_version_create,
    sqlite_list_version_source,
    sqlite_list_entry_put,
    sqlite_list_version_finish,
    sqlite_list_rows,
    sqlite_list_versions_scan,
    sqlite_model_insert,
    sqlite_model_get,
    sqlite_run_insert,
    sqlite_run_finish,
    sqlite_run_abandon,
    sqlite_run_last,
    sqlite_alerts_current,
    sqlite_alerts_current_records,
    sqlite_alerts_current_entries,
    sqlite_alert_supersede,
    sqlite_alerts_supersede_unregistered,
    sqlite_alerts_supersede_removed,
    sqlite_alert_insert,
    sqlite_clearance_applies,
    sqlite_alerts_scan,
    sqlite_alert_find,
    sqlite_alert_set_status,
    sqlite_alert_first_confirmer,
    sqlite_decision_insert,
    sqlite_decisions_scan,
    sqlite_redress_find,
    sqlite_clearances_scan,
    sqlite_clearance_revoke,
    sqlite_alert_counts,
    sqlite_checkpoint,
    sqlite_autocheckpoint,
};
