/* store_schema.c: the store's schema on each engine and its forward migrations. */
#include <stdio.h>

#include "store_internal.h"

/*
 * An entry's history without its current revision twice (SQLite 5 -> 6, PostgreSQL 3 -> 4).
 * Until then entry_revisions held every revision, the current one included, so each entry's
 * text was stored twice and each new entry cost one more b-tree insert than its row. Now:
 *   - entries carries what its current revision alone knew: when it was made (changed_ms) and by
 *     whom (changed_by; NULL when that is the entry's author, as it is for every entry never
 *     edited by someone else);
 *   - entry_history keeps the superseded revisions: an edit moves the row's state there first;
 *   - entry_revisions is a view of both, every revision as before, for reading one entry's
 *     history (a per-incident scan reads the two tables itself: a join on a compound view would
 *     materialise it).
 * The entries row and its last revision were always written together with the same values, so
 * the move loses nothing (test_migrate compares every revision before and after).
 */
#define STORE_HISTORY_MOVE(int64, without_rowid)                                               \
    "ALTER TABLE entries ADD COLUMN changed_ms " int64 " NOT NULL DEFAULT 0;"                  \
    "ALTER TABLE entries ADD COLUMN changed_by TEXT;"                                          \
    "UPDATE entries SET changed_ms = r.changed_ms, changed_by = nullif(r.author, entries.author)" \
    " FROM entry_revisions r WHERE r.entry_id = entries.id AND r.rev = entries.rev;"           \
    "CREATE TABLE entry_history("                                                              \
    "  entry_id " int64 " NOT NULL REFERENCES entries(id) ON DELETE CASCADE,"                  \
    "  rev INTEGER NOT NULL,"                                                                  \
    "  changed_ms " int64 " NOT NULL,"                                                         \
    "  author TEXT NOT NULL,"                                                                  \
    "  kind TEXT NOT NULL,"                                                                    \
    "  at_ms " int64 " NOT NULL,"                                                              \
    "  text TEXT NOT NULL,"                                                                    \
    "  pinned INTEGER NOT NULL,"                                                               \
    "  deleted INTEGER NOT NULL,"                                                              \
    "  PRIMARY KEY(entry_id, rev))" without_rowid ";"                                          \
    "INSERT INTO entry_history(entry_id, rev, changed_ms, author, kind, at_ms, text, pinned,"  \
    " deleted) SELECT r.entry_id, r.rev, r.changed_ms, r.author, r.kind, r.at_ms, r.text,"     \
    " r.pinned, r.deleted FROM entry_revisions r JOIN entries e ON e.id = r.entry_id"          \
    " WHERE r.rev < e.rev;"                                                                    \
    "DROP TABLE entry_revisions;"                                                              \
    "CREATE VIEW entry_revisions AS"                                                           \
    " SELECT entry_id, rev, changed_ms, author, kind, at_ms, text, pinned, deleted"            \
    " FROM entry_history UNION ALL"                                                            \
    " SELECT id, rev, changed_ms, coalesce(changed_by, author), kind, at_ms, text, pinned,"    \
    " deleted FROM entries;"

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
    /* 3 -> 4: the live entries of an incident by kind and time (the rowid follows at_ms). The
     * cockpit counts its timeline on every reload and the header asks when the last update was
     * sent on every frame: both read this index alone instead of every entry's row. */
    "CREATE INDEX entries_by_kind ON entries(incident_id, deleted, kind, at_ms);",
    /* 4 -> 5: a globally unique id per action item, so one created on a laptop while the team
     * server is unreachable can be edited there and still name the same item once it reaches
     * the server (team mode's journal). A TODO entry's item takes the entry's uid. */
    "ALTER TABLE action_items ADD COLUMN uid TEXT;"
    "UPDATE action_items SET uid = lower(hex(randomblob(16)));"
    "CREATE UNIQUE INDEX action_items_uid ON action_items(uid);",
    /* 5 -> 6: an entry's current revision is its entries row (STORE_HISTORY_MOVE); only the
     * revisions it superseded are kept apart. */
    STORE_HISTORY_MOVE("INTEGER", " WITHOUT ROWID"),
};
_Static_assert(sizeof sqlite_migrations / sizeof sqlite_migrations[0] == STORE_SCHEMA_VERSION,
               "one SQLite migration per schema version");

/*
 * The PostgreSQL schema: the same tables and columns as SQLite's version 3, so every store
 * statement is shared, with PostgreSQL's own means where the engines differ:
 *   - ids are identity columns; flags stay integers 0/1 (the shared SQL compares them so);
 *   - full-text search is a GIN index over to_tsvector('simple', ...) of entries and worksheet
 *     fields, kept by PostgreSQL itself (no lazy index as on SQLite);
 *   - instr() is defined here so the timeline filter stays one statement;
 *   - every row written for an incident notifies channel 'warroom:' || schema with the incident
 *     id as payload (delivered at commit, once per incident and transaction): LISTEN there.
 * Its versions count on their own (STORE_PG_SCHEMA_VERSION); a step added to SQLite's list
 * that changes tables gets its equivalent here.
 */
static const char *const pg_migrations[] = {
    /* 0 -> 1: everything of SQLite's version 3. */
    "CREATE TABLE meta(key text PRIMARY KEY, value bigint NOT NULL);"
    "CREATE FUNCTION instr(haystack text, needle text) RETURNS integer"
    "  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS 'SELECT strpos(haystack, needle)';"
    "CREATE TABLE incidents("
    "  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  uid text NOT NULL UNIQUE,"
    "  title text NOT NULL,"
    "  services text NOT NULL DEFAULT '',"
    "  summary text NOT NULL DEFAULT '',"
    "  impact text NOT NULL DEFAULT '',"
    "  tags text NOT NULL DEFAULT '',"
    "  phase text NOT NULL DEFAULT 'DETECT',"
    "  severity integer NOT NULL DEFAULT 0,"
    "  created_ms bigint NOT NULL,"
    "  updated_ms bigint NOT NULL,"
    "  tz text NOT NULL DEFAULT '');"
    "CREATE TABLE milestones("
    "  incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  name text NOT NULL,"
    "  at_ms bigint NOT NULL,"
    "  PRIMARY KEY(incident_id, name));"
    "CREATE TABLE entries("
    "  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  at_ms bigint NOT NULL,"
    "  recorded_ms bigint NOT NULL,"
    "  kind text NOT NULL,"
    "  author text NOT NULL,"
    "  text text NOT NULL,"
    "  pinned integer NOT NULL DEFAULT 0,"
    "  deleted integer NOT NULL DEFAULT 0,"
    "  rev integer NOT NULL DEFAULT 1,"
    "  data text NOT NULL DEFAULT '',"
    "  uid text UNIQUE);"
    "CREATE INDEX entries_timeline ON entries(incident_id, at_ms, id);"
    "CREATE INDEX entries_search ON entries USING gin (to_tsvector('simple', text));"
    "CREATE TABLE entry_revisions("
    "  entry_id bigint NOT NULL REFERENCES entries(id) ON DELETE CASCADE,"
    "  rev integer NOT NULL,"
    "  changed_ms bigint NOT NULL,"
    "  author text NOT NULL,"
    "  kind text NOT NULL,"
    "  at_ms bigint NOT NULL,"
    "  text text NOT NULL,"
    "  pinned integer NOT NULL,"
    "  deleted integer NOT NULL,"
    "  PRIMARY KEY(entry_id, rev));"
    "CREATE TABLE severity_changes("
    "  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  at_ms bigint NOT NULL,"
    "  severity integer NOT NULL CHECK(severity BETWEEN 1 AND 4),"
    "  rationale text NOT NULL DEFAULT '',"
    "  author text NOT NULL);"
    "CREATE INDEX severity_changes_incident ON severity_changes(incident_id, at_ms);"
    "CREATE TABLE role_assignments("
    "  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  at_ms bigint NOT NULL,"
    "  role text NOT NULL,"
    "  name text NOT NULL,"
    "  note text NOT NULL DEFAULT '',"
    "  author text NOT NULL,"
    "  current integer NOT NULL DEFAULT 1);"
    "CREATE INDEX role_assignments_incident ON role_assignments(incident_id, role);"
    "CREATE TABLE action_items("
    "  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  type text NOT NULL DEFAULT 'prevent',"
    "  description text NOT NULL,"
    "  owner text NOT NULL DEFAULT '',"
    "  priority text NOT NULL DEFAULT 'P1',"
    "  deadline_ms bigint,"
    "  status text NOT NULL DEFAULT 'open',"
    "  ticket text NOT NULL DEFAULT '',"
    "  source_entry_id bigint REFERENCES entries(id),"
    "  created_ms bigint NOT NULL,"
    "  updated_ms bigint NOT NULL);"
    "CREATE INDEX action_items_incident ON action_items(incident_id);"
    "CREATE TABLE outbox("
    "  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  destination text NOT NULL,"
    "  template text NOT NULL DEFAULT '',"
    "  subject text NOT NULL DEFAULT '',"
    "  body text NOT NULL,"
    "  idempotency_key text NOT NULL UNIQUE,"
    "  status text NOT NULL DEFAULT 'queued',"
    "  attempts integer NOT NULL DEFAULT 0,"
    "  created_ms bigint NOT NULL,"
    "  next_attempt_ms bigint NOT NULL DEFAULT 0,"
    "  claimed_ms bigint,"
    "  sent_ms bigint,"
    "  last_error text NOT NULL DEFAULT '',"
    "  author text NOT NULL DEFAULT '');"
    "CREATE INDEX outbox_due ON outbox(status, next_attempt_ms);"
    "CREATE TABLE postmortem_fields("
    "  incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  field text NOT NULL,"
    "  value text NOT NULL,"
    "  updated_ms bigint NOT NULL,"
    "  author text NOT NULL DEFAULT '',"
    "  PRIMARY KEY(incident_id, field));"
    "CREATE INDEX postmortem_fields_search ON postmortem_fields"
    "  USING gin (to_tsvector('simple', value));"
    "CREATE TABLE incident_facts("
    "  incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  field text NOT NULL,"
    "  value text NOT NULL,"
    "  updated_ms bigint NOT NULL,"
    "  author text NOT NULL DEFAULT '',"
    "  PRIMARY KEY(incident_id, field));"
    /* Change notification: any write to an incident's rows, by warroom or by hand. */
    "CREATE FUNCTION warroom_notify_incident() RETURNS trigger LANGUAGE plpgsql AS $$"
    "BEGIN"
    "  PERFORM pg_notify('warroom:' || TG_TABLE_SCHEMA,"
    "    (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text);"
    "  RETURN NULL;"
    "END $$;"
    "CREATE FUNCTION warroom_notify_incident_row() RETURNS trigger LANGUAGE plpgsql AS $$"
    "BEGIN"
    "  PERFORM pg_notify('warroom:' || TG_TABLE_SCHEMA,"
    "    (CASE WHEN TG_OP = 'DELETE' THEN OLD.incident_id ELSE NEW.incident_id END)::text);"
    "  RETURN NULL;"
    "END $$;"
    "CREATE TRIGGER incidents_notify AFTER INSERT OR UPDATE OR DELETE ON incidents"
    "  FOR EACH ROW EXECUTE FUNCTION warroom_notify_incident();"
    "CREATE TRIGGER milestones_notify AFTER INSERT OR UPDATE OR DELETE ON milestones"
    "  FOR EACH ROW EXECUTE FUNCTION warroom_notify_incident_row();"
    "CREATE TRIGGER entries_notify AFTER INSERT OR UPDATE OR DELETE ON entries"
    "  FOR EACH ROW EXECUTE FUNCTION warroom_notify_incident_row();"
    "CREATE TRIGGER severity_changes_notify AFTER INSERT OR UPDATE OR DELETE ON severity_changes"
    "  FOR EACH ROW EXECUTE FUNCTION warroom_notify_incident_row();"
    "CREATE TRIGGER role_assignments_notify AFTER INSERT OR UPDATE OR DELETE ON role_assignments"
    "  FOR EACH ROW EXECUTE FUNCTION warroom_notify_incident_row();"
    "CREATE TRIGGER action_items_notify AFTER INSERT OR UPDATE OR DELETE ON action_items"
    "  FOR EACH ROW EXECUTE FUNCTION warroom_notify_incident_row();"
    "CREATE TRIGGER outbox_notify AFTER INSERT OR UPDATE OR DELETE ON outbox"
    "  FOR EACH ROW EXECUTE FUNCTION warroom_notify_incident_row();"
    "CREATE TRIGGER postmortem_fields_notify AFTER INSERT OR UPDATE OR DELETE ON postmortem_fields"
    "  FOR EACH ROW EXECUTE FUNCTION warroom_notify_incident_row();"
    "CREATE TRIGGER incident_facts_notify AFTER INSERT OR UPDATE OR DELETE ON incident_facts"
    "  FOR EACH ROW EXECUTE FUNCTION warroom_notify_incident_row();",
    /* 1 -> 2: SQLite's 3 -> 4, the live entries by kind and time (id spelled out: PostgreSQL
     * has no rowid to follow at_ms). */
    "CREATE INDEX entries_by_kind ON entries(incident_id, deleted, kind, at_ms, id);",
    /* 2 -> 3 (SQLite's 4 -> 5, plus what team mode's cockpits need from the server):
     *   - action_items.uid, as on SQLite;
     *   - a per-incident change counter giving the incident's writes a commit order: the first
     *     entry row a transaction writes bumps incidents.change_seq (taking the incident row's
     *     lock until commit, so the counter's order is the commit order), and every entry row
     *     it writes carries the value. "Entries with change_seq > N" is then exactly what
     *     committed after a reader saw N: a cockpit fetches only what changed;
     *   - sync_applied: the operations a cockpit's journal has applied, by their uid, written
     *     in the operation's own transaction so a replay after a lost acknowledgement is
     *     recognised and skipped (exactly once);
     *   - an instance id, so a cockpit notices a server that was re-created under the same
     *     address (its local copy then belongs to another database). */
    "ALTER TABLE action_items ADD COLUMN uid text;"
    "UPDATE action_items SET uid = md5(random()::text || id::text);"
    "CREATE UNIQUE INDEX action_items_uid ON action_items(uid);"
    "ALTER TABLE incidents ADD COLUMN change_seq bigint NOT NULL DEFAULT 0;"
    "ALTER TABLE incidents ADD COLUMN change_txid bigint;"
    "ALTER TABLE entries ADD COLUMN change_seq bigint NOT NULL DEFAULT 0;"
    "CREATE INDEX entries_changes ON entries(incident_id, change_seq, id);"
    "CREATE FUNCTION warroom_entry_change_seq() RETURNS trigger LANGUAGE plpgsql AS $$"
    "BEGIN"
    "  UPDATE incidents SET change_seq = change_seq + 1, change_txid = txid_current()"
    "    WHERE id = NEW.incident_id AND change_txid IS DISTINCT FROM txid_current();"
    "  SELECT change_seq INTO NEW.change_seq FROM incidents WHERE id = NEW.incident_id;"
    "  RETURN NEW;"
    "END $$;"
    "CREATE TRIGGER entries_change_seq BEFORE INSERT OR UPDATE ON entries"
    "  FOR EACH ROW EXECUTE FUNCTION warroom_entry_change_seq();"
    "CREATE TABLE sync_applied(uid text PRIMARY KEY, applied_ms bigint NOT NULL);"
    "INSERT INTO meta(key, value) VALUES('instance_id',"
    "  (random() * 9007199254740991)::bigint) ON CONFLICT (key) DO NOTHING;",
    /* 3 -> 4: SQLite's 5 -> 6. Filling the new columns bumps every entry's change_seq, so each
     * team cockpit fetches its timelines once more, with them. */
    STORE_HISTORY_MOVE("bigint", ""),
};
_Static_assert(sizeof pg_migrations / sizeof pg_migrations[0] == STORE_PG_SCHEMA_VERSION,
               "one PostgreSQL migration per schema version");

/* The engine's migration list; *count gets its length, the version this build writes. */
static const char *const *migrations_for(struct store *s, int *count)
{
    if (db_engine(s->db) == DB_POSTGRES) {
        *count = STORE_PG_SCHEMA_VERSION;
        return pg_migrations;
    }
    *count = STORE_SCHEMA_VERSION;
    return sqlite_migrations;
}

int store_schema_check(struct store *s, int *version, struct wr_error *err)
{
    int known;
    migrations_for(s, &known);
    if (db_schema_version(s->db, version) != 0) {
        if (db_failure(s->db) == DB_FAIL_NOT_A_DATABASE)
            return wr_fail(err, WR_E_DB,
                           "%s is not a warroom database (not SQLite, or damaged); pass another "
                           "--db",
                           s->path);
        return store_db_fail(s, err, "reading the schema version");
    }
    if (*version > known)
        return wr_fail(err, WR_E_DB_VERSION,
                       "%s has schema version %d but this warroom knows up to %d; upgrade "
                       "warroom (the database was left untouched)",
                       s->path, *version, known);
    return 0;
}

int store_migrate(struct store *s, struct wr_error *err)
{
    int version, count;
    const char *const *steps = migrations_for(s, &count);
    if (store_schema_check(s, &version, err) != 0)
        return -1;
    if (version == count)
        return 0;
    if (db_begin(s->db) != 0)
        return store_db_fail(s, err, "upgrading the database");
    if (db_lock_schema(s->db) != 0) {
        store_db_fail(s, err, "upgrading the database");
        goto fail;
    }
    /* Re-read under the write lock: another process may have migrated meanwhile. */
    if (store_schema_check(s, &version, err) != 0)
        goto fail;
    for (int v = version; v < count; v++) {
        if (db_exec(s->db, steps[v]) != 0 || db_set_schema_version(s->db, v + 1) != 0) {
            /* A team's everyday role holds data rights only (README): the owner migrates. */
            if (db_engine(s->db) == DB_POSTGRES && db_failure(s->db) == DB_FAIL_DENIED)
                wr_fail(err, WR_E_DB,
                        "%s: this role may not %s warroom's tables (schema version %d, this "
                        "warroom needs %d); run `warroom db info` once as the schema's owner role "
                        "(README: team mode, least privilege)",
                        s->path, version == 0 ? "create" : "upgrade", version, count);
            else
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

int store_schema_info(struct store *s, int *version, const char **engine, struct wr_error *err)
{
    *engine = db_engine(s->db) == DB_POSTGRES ? "postgresql" : "sqlite";
    return store_schema_check(s, version, err);
}
