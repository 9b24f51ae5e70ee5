/* store_schema.c: the store's schema on each engine and its forward migrations. */
#include <stdio.h>

#include "store_internal.h"

/*
 * Schema migrations. migrations[i] takes a database from schema version i to i+1 (PRAGMA user_version). Never edit a
 * released step: add a new one. Each runs inside the same transaction as the version bump.
 */
static const char *const sqlite_migrations[] = {
    /* 0 -> 1: the foundation tables. */
    "CREATE TABLE incidents("
    "  id INTEGER PRIMARY KEY,"
    "  uid TEXT NOT NULL UNIQUE,"
    "  title TEXT NOT NULL,"
    "  services TEXT NOT NULL DEFAULT '',"
    "  summary TEXT NOT NULL DEFAULT '',"
    "  impact TEXT NOT NULL DEFAULT '',"
    "  tags TEXT NOT NULL DEFAULT '',"
    "  phase TEXT NOT NULL DEFAULT 'DETECT',"
    "  severity INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL);"
    "CREATE TABLE milestones("
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  at_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(incident_id, name)) WITHOUT ROWID;"
    "CREATE TABLE entries("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  at_ms INTEGER NOT NULL,"
    "  recorded_ms INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  author TEXT NOT NULL,"
    "  text TEXT NOT NULL,"
    "  pinned INTEGER NOT NULL DEFAULT 0,"
    "  deleted INTEGER NOT NULL DEFAULT 0,"
    "  rev INTEGER NOT NULL DEFAULT 1);"
    "CREATE INDEX entries_timeline ON entries(incident_id, at_ms, id);"
    /* Every revision, the original included: edits and deletions never destroy text. */
    "CREATE TABLE entry_revisions("
    "  entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,"
    "  rev INTEGER NOT NULL,"
    "  changed_ms INTEGER NOT NULL,"
    "  author TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  at_ms INTEGER NOT NULL,"
    "  text TEXT NOT NULL,"
    "  pinned INTEGER NOT NULL,"
    "  deleted INTEGER NOT NULL,"
    "  PRIMARY KEY(entry_id, rev)) WITHOUT ROWID;"
    "CREATE TABLE severity_changes("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  at_ms INTEGER NOT NULL,"
    "  severity INTEGER NOT NULL CHECK(severity BETWEEN 1 AND 4),"
    "  rationale TEXT NOT NULL DEFAULT '',"
    "  author TEXT NOT NULL);"
    "CREATE INDEX severity_changes_incident ON severity_changes(incident_id, at_ms);"
    "CREATE TABLE role_assignments("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  at_ms INTEGER NOT NULL,"
    "  role TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  note TEXT NOT NULL DEFAULT '',"
    "  author TEXT NOT NULL,"
    "  current INTEGER NOT NULL DEFAULT 1);"
    "CREATE INDEX role_assignments_incident ON role_assignments(incident_id, role);"
    "CREATE TABLE action_items("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  type TEXT NOT NULL DEFAULT 'prevent',"
    "  description TEXT NOT NULL,"
    "  owner TEXT NOT NULL DEFAULT '',"
    "  priority TEXT NOT NULL DEFAULT 'P1',"
    "  deadline_ms INTEGER,"
    "  status TEXT NOT NULL DEFAULT 'open',"
    "  ticket TEXT NOT NULL DEFAULT '',"
    "  source_entry_id INTEGER REFERENCES entries(id),"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL);",
    /* 1 -> 2: the outbox, the postmortem worksheet, and full-text search over timelines. */
    "CREATE TABLE outbox("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  destination TEXT NOT NULL,"
    "  template TEXT NOT NULL DEFAULT '',"
    "  subject TEXT NOT NULL DEFAULT '',"
    "  body TEXT NOT NULL,"
    "  idempotency_key TEXT NOT NULL UNIQUE,"
    "  status TEXT NOT NULL DEFAULT 'queued',"   /* queued, sending, sent, failed */
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL,"
    "  next_attempt_ms INTEGER NOT NULL DEFAULT 0,"
    "  claimed_ms INTEGER,"
    "  sent_ms INTEGER,"
    "  last_error TEXT NOT NULL DEFAULT '',"
    "  author TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX outbox_due ON outbox(status, next_attempt_ms);"
    "CREATE TABLE postmortem_fields("
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  field TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  author TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY(incident_id, field)) WITHOUT ROWID;"
    /* Structured payload of entries warroom records itself (an SLI snapshot's values, as JSON). */
    "ALTER TABLE entries ADD COLUMN data TEXT NOT NULL DEFAULT '';"
    /* Full-text search is indexed lazily (store_fts_sync) up to a high-water mark, so appends
     * and bulk imports pay nothing for it; edits and deletes of already indexed rows keep the
     * index exact through the triggers. */
    /* The worksheet is small and rarely written: its index is kept exact by triggers. */
    "CREATE VIRTUAL TABLE postmortem_fts USING fts5(incident_id UNINDEXED, field UNINDEXED,"
    "  value);"
    "CREATE TRIGGER postmortem_fts_insert AFTER INSERT ON postmortem_fields BEGIN"
    "  INSERT INTO postmortem_fts(incident_id, field, value)"
    "  VALUES (new.incident_id, new.field, new.value); END;"
    "CREATE TRIGGER postmortem_fts_update AFTER UPDATE ON postmortem_fields BEGIN"
    "  DELETE FROM postmortem_fts WHERE incident_id = old.incident_id AND field = old.field;"
    "  INSERT INTO postmortem_fts(incident_id, field, value)"
    "  VALUES (new.incident_id, new.field, new.value); END;"
    "CREATE TRIGGER postmortem_fts_delete AFTER DELETE ON postmortem_fields BEGIN"
    "  DELETE FROM postmortem_fts WHERE incident_id = old.incident_id AND field = old.field; END;"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT INTO meta(key, value) VALUES('fts_indexed_upto', 0);"
    "CREATE VIRTUAL TABLE entries_fts USING fts5(text, content='entries', content_rowid='id');"
    "CREATE TRIGGER entries_fts_update AFTER UPDATE OF text ON entries"
    "  WHEN old.id <= (SELECT value FROM meta WHERE key = 'fts_indexed_upto') BEGIN"
    "  INSERT INTO entries_fts(entries_fts, rowid, text) VALUES ('delete', old.id, old.text);"
    "  INSERT INTO entries_fts(rowid, text) VALUES (new.id, new.text); END;"
    "CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries"
    "  WHEN old.id <= (SELECT value FROM meta WHERE key = 'fts_indexed_upto') BEGIN"
    "  INSERT INTO entries_fts(entries_fts, rowid, text) VALUES ('delete', old.id, old.text); END;",
    /* 2 -> 3: a globally unique id per entry (the idempotency key when an entry travels between
     * databases or waits in a journal), the incident's own time zone, and the live incident
     * facts the IC keeps current (symptom, impact, cause, mitigation, next step). */
    "ALTER TABLE entries ADD COLUMN uid TEXT;"
    "UPDATE entries SET uid = lower(hex(randomblob(16)));"
    "CREATE UNIQUE INDEX entries_uid ON entries(uid);"
    /* '' = not set: local times use the viewer's zone. Otherwise an IANA name or +-HH:MM. */
    "ALTER TABLE incidents ADD COLUMN tz TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE incident_facts("
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  field TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  author TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY(incident_id, field)) WITHOUT ROWID;",
};
_Static_assert(sizeof sqlite_migrations / sizeof sqlite_migrations[0] == STORE_SCHEMA_VERSION,
               "one SQLite migration per schema version");

/* The engine's migration list; *count gets its length (always STORE_SCHEMA_VERSION). */
static const char *const *migrations_for(struct store *s, int *count)
{
    *count = STORE_SCHEMA_VERSION;
    (void)s;
    return sqlite_migrations;
}

int store_schema_check(struct store *s, int *version, struct wr_error *err)
{
    if (db_schema_version(s->db, version) != 0) {
        if (db_failure(s->db) == DB_FAIL_NOT_A_DATABASE)
            return wr_fail(err, WR_E_DB,
                           "%s is not a warroom database (not SQLite, or damaged); pass another "
                           "--db",
                           s->path);
        return store_db_fail(s, err, "reading the schema version");
    }
    if (*version > STORE_SCHEMA_VERSION)
        return wr_fail(err, WR_E_DB_VERSION,
                       "%s has schema version %d but this warroom knows up to %d; upgrade "
                       "warroom (the database was left untouched)",
                       s->path, *version, STORE_SCHEMA_VERSION);
    return 0;
}

int store_migrate(struct store *s, struct wr_error *err)
{
    int version, count;
    const char *const *steps = migrations_for(s, &count);
    if (store_schema_check(s, &version, err) != 0)
        return -1;
    if (version == STORE_SCHEMA_VERSION)
        return 0;
    if (db_begin(s->db) != 0)
        return store_db_fail(s, err, "upgrading the database");
    /* Re-read under the write lock: another process may have migrated meanwhile. */
    if (store_schema_check(s, &version, err) != 0)
        goto fail;
    for (int v = version; v < count; v++) {
        if (db_exec(s->db, steps[v]) != 0 || db_set_schema_version(s->db, v + 1) != 0) {
            store_db_fail(s, err, "upgrading the database schema");
            goto fail;
        }
    }
    if (db_commit(s->db) != 0) {
        store_db_fail(s, err, "upgrading the database");
        goto fail;
    }
    return 0;
fail:
    db_rollback(s->db);
    return -1;
}
