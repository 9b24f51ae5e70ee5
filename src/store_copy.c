/* store_copy.c: copying incidents from one store to another, whatever their engines
 * (`warroom db copy`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_internal.h"

/*
 * One table's rows of an incident. The select takes ?1 = the source incident id; the insert
 * takes ?1 = the target incident id and ?2, ?3, ... = the selected columns in order, except
 * key columns. Column types, one letter per selected column:
 *   k  the row's id in the source (not inserted; entries map it to the id the insert returns)
 *   i  integer          n  integer or NULL
 *   t  text             T  text or NULL
 *   e  an entry id, mapped to the target's      E  the same, or NULL
 */
struct copy_table {
    const char *what;
    const char *conflict; /* what is already in the target when a unique key collides */
    const char *select;
    const char *insert;
    const char *types;
};

/* Every table that belongs to an incident, parents first. A column added to the schema must be
 * added here too (the round-trip test compares exports, so a forgotten one shows there). */
static const struct copy_table copy_tables[] = {
    {"the incident", "the incident (same uid) is",
     "SELECT uid, title, services, summary, impact, tags, phase, severity, created_ms,"
     " updated_ms, tz FROM incidents WHERE id = ?1",
     "INSERT INTO incidents(uid, title, services, summary, impact, tags, phase, severity,"
     " created_ms, updated_ms, tz) VALUES(?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
     " RETURNING id",
     "tttttttiiit"},
    {"milestones", "a milestone is", "SELECT name, at_ms FROM milestones WHERE incident_id = ?1 ORDER BY name",
     "INSERT INTO milestones(incident_id, name, at_ms) VALUES(?1, ?2, ?3)", "ti"},
    {"entries", "an entry (same uid) is",
     "SELECT id, at_ms, recorded_ms, kind, author, text, pinned, deleted, rev, data, uid,"
     " changed_ms, changed_by FROM entries WHERE incident_id = ?1 ORDER BY id",
     "INSERT INTO entries(incident_id, at_ms, recorded_ms, kind, author, text, pinned, deleted,"
     " rev, data, uid, changed_ms, changed_by) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
     " ?11, ?12, ?13) RETURNING id",
     "kiitttiiitTiT"},
    {"entry history", "an entry revision is",
     "SELECT h.entry_id, h.rev, h.changed_ms, h.author, h.kind, h.at_ms, h.text, h.pinned,"
     " h.deleted FROM entry_history h JOIN entries e ON e.id = h.entry_id"
     " WHERE e.incident_id = ?1 ORDER BY h.entry_id, h.rev",
     "INSERT INTO entry_history(entry_id, rev, changed_ms, author, kind, at_ms, text, pinned,"
     " deleted) VALUES(?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
     "eiittitii"},
    {"severity history", "a severity change is",
     "SELECT at_ms, severity, rationale, author FROM severity_changes WHERE incident_id = ?1"
     " ORDER BY id",
     "INSERT INTO severity_changes(incident_id, at_ms, severity, rationale, author)"
     " VALUES(?1, ?2, ?3, ?4, ?5)",
     "iitt"},
    {"roles", "a role assignment is",
     "SELECT at_ms, role, name, note, author, current FROM role_assignments"
     " WHERE incident_id = ?1 ORDER BY id",
     "INSERT INTO role_assignments(incident_id, at_ms, role, name, note, author, current)"
     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
     "itttti"},
    {"action items", "an action item (same uid) is",
     "SELECT type, description, owner, priority, deadline_ms, status, ticket, source_entry_id,"
     " created_ms, updated_ms, uid FROM action_items WHERE incident_id = ?1 ORDER BY id",
     "INSERT INTO action_items(incident_id, type, description, owner, priority, deadline_ms,"
     " status, ticket, source_entry_id, created_ms, updated_ms, uid)"
     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
     "ttttnttEiiT"},
    {"the postmortem worksheet", "a worksheet field is",
     "SELECT field, value, updated_ms, author FROM postmortem_fields WHERE incident_id = ?1"
     " ORDER BY field",
     "INSERT INTO postmortem_fields(incident_id, field, value, updated_ms, author)"
     " VALUES(?1, ?2, ?3, ?4, ?5)",
     "ttit"},
    {"incident facts", "a fact is",
     "SELECT field, value, updated_ms, author FROM incident_facts WHERE incident_id = ?1"
     " ORDER BY field",
     "INSERT INTO incident_facts(incident_id, field, value, updated_ms, author)"
     " VALUES(?1, ?2, ?3, ?4, ?5)",
     "ttit"},
    {"the outbox", "an outbox message (same idempotency key) is",
     "SELECT destination, template, subject, body, idempotency_key, status, attempts,"
     " created_ms, next_attempt_ms, claimed_ms, sent_ms, last_error, author FROM outbox"
     " WHERE incident_id = ?1 ORDER BY id",
     "INSERT INTO outbox(incident_id, destination, template, subject, body, idempotency_key,"
     " status, attempts, created_ms, next_attempt_ms, claimed_ms, sent_ms, last_error, author)"
     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
     "ttttttiiinntt"},
};
#define COPY_TABLES ((int)(sizeof copy_tables / sizeof copy_tables[0]))
_Static_assert(COPY_TABLES * 2 + 2 <= STORE_SLOTS_REPLICA - STORE_SLOTS_SYNC,
               "db copy's statements fit the team slot range");

enum { COPY_SLOT_LIST = STORE_SLOTS_SYNC, COPY_SLOT_TABLES };

/* Source entry id -> target entry id, in increasing source order (entries are read by id). */
struct id_map {
    int64_t (*pairs)[2];
    size_t n, cap;
};

static int64_t id_map_find(const struct id_map *m, int64_t from)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->pairs[mid][0] < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->n && m->pairs[lo][0] == from ? m->pairs[lo][1] : 0;
}

static int copy_fail(struct store *s, struct wr_error *err, const char *what, const char *table)
{
    char buf[160];
    snprintf(buf, sizeof buf, "%s (%s)", what, table);
    return store_db_fail(s, err, buf);
}

/* Copy one table's rows of incident `from_id` as rows of `to_id`. For the incident row itself
 * (to_id 0 in), *to_id gets the new id. */
static int copy_table(struct store *from, struct store *to, int t, int64_t from_id,
                      int64_t *to_id, struct id_map *entries, struct wr_error *err)
{
    const struct copy_table *ct = &copy_tables[t];
    int rc = -1;
    struct db_stmt *sel = store_stmt(from, COPY_SLOT_TABLES + 2 * t, ct->select, err);
    if (!sel)
        return -1;
    struct db_stmt *ins = store_stmt(to, COPY_SLOT_TABLES + 2 * t + 1, ct->insert, err);
    if (!ins)
        return -1;
    db_bind_int64(sel, 1, from_id);
    int r;
    while ((r = db_step(sel)) == DB_ROW) {
        int64_t key = 0;
        int param = 2;
        db_bind_int64(ins, 1, *to_id);
        for (int c = 0; ct->types[c]; c++) {
            bool null = db_col_null(sel, c);
            switch (ct->types[c]) {
            case 'k': key = db_col_int64(sel, c); continue;
            case 'i': db_bind_int64(ins, param, db_col_int64(sel, c)); break;
            case 'n':
                if (null)
                    db_bind_null_int64(ins, param);
                else
                    db_bind_int64(ins, param, db_col_int64(sel, c));
                break;
            case 't': {
                const char *v = db_col_text(sel, c);
                db_bind_text(ins, param, v ? v : "");
                break;
            }
            case 'T': db_bind_text(ins, param, db_col_text(sel, c)); break;
            case 'e':
            case 'E': {
                int64_t mapped = null ? 0 : id_map_find(entries, db_col_int64(sel, c));
                if (mapped)
                    db_bind_int64(ins, param, mapped);
                else if (ct->types[c] == 'E')
                    db_bind_null_int64(ins, param);
                else {
                    wr_fail(err, WR_E_DB, "copying %s: a row names entry %lld, which is not in "
                                          "incident %lld",
                            ct->what, (long long)db_col_int64(sel, c), (long long)from_id);
                    goto out;
                }
                break;
            }
            }
            param++;
        }
        int w = db_step(ins);
        int64_t new_id = w == DB_ROW ? db_col_int64(ins, 0) : 0;
        db_reset(ins);
        if (w == DB_ERROR) {
            if (db_failure(to->db) == DB_FAIL_UNIQUE)
                wr_fail(err, WR_E_CONFLICT,
                        "copying incident %lld: %s already in %s; nothing was copied",
                        (long long)from_id, ct->conflict, to->path);
            else
                copy_fail(to, err, "writing the copy", ct->what);
            goto out;
        }
        if (*to_id == 0) {
            *to_id = new_id;
        } else if (key) {
            void *grown = store_array_grow(entries->pairs, &entries->cap, entries->n + 1,
                                           sizeof *entries->pairs);
            if (!grown) {
                wr_fail(err, WR_E_NOMEM, "out of memory copying entries");
                goto out;
            }
            entries->pairs = grown;
            entries->pairs[entries->n][0] = key;
            entries->pairs[entries->n][1] = new_id;
            entries->n++;
        }
    }
    if (r == DB_ERROR) {
        copy_fail(from, err, "reading what to copy", ct->what);
        goto out;
    }
    rc = 0;
out:
    db_reset(sel);
    db_reset(ins);
    return rc;
}

static int copy_incident(struct store *from, struct store *to, int64_t id, int64_t *entries_n,
                         struct wr_error *err)
{
    struct id_map map = {0};
    int64_t to_id = 0;
    int rc = -1;
    for (int t = 0; t < COPY_TABLES; t++) {
        if (copy_table(from, to, t, id, &to_id, &map, err) != 0)
            goto out;
        if (t == 0 && to_id == 0) {
            wr_fail(err, WR_E_NOT_FOUND, "no incident %lld in %s; `warroom list --all` shows the ids",
                    (long long)id, from->path);
            goto out;
        }
    }
    *entries_n += (int64_t)map.n;
    rc = 0;
out:
    free(map.pairs);
    return rc;
}

/* The same SQLite file (by inode, however it is named) or the same connection string. */
static bool same_database(struct store *a, struct store *b)
{
    if (a == b || strcmp(db_target(a->db), db_target(b->db)) == 0)
        return true;
    struct stat sa, sb;
    return db_engine(a->db) == DB_SQLITE && db_engine(b->db) == DB_SQLITE &&
           stat(db_target(a->db), &sa) == 0 && stat(db_target(b->db), &sb) == 0 &&
           sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int store_copy(struct store *from, struct store *to, const int64_t *ids, size_t n,
               struct store_copy_result *result, struct wr_error *err)
{
    int rc = -1;
    int64_t *all = NULL;
    memset(result, 0, sizeof *result);
    if (same_database(from, to))
        return wr_fail(err, WR_E_USAGE, "the source and the target are the same database (%s)",
                       from->path);
    /* One snapshot of the source, so a copy taken while others write is consistent. */
    if (db_begin_read(from->db) != 0)
        return store_db_fail(from, err, "reading the source database");
    if (n == 0) {
        struct db_stmt *st =
            store_stmt(from, COPY_SLOT_LIST, "SELECT id FROM incidents ORDER BY id", err);
        if (!st)
            goto out;
        size_t cap = 0;
        int r;
        while ((r = db_step(st)) == DB_ROW) {
            int64_t *grown = store_array_grow(all, &cap, n + 1, sizeof *all);
            if (!grown) {
                db_reset(st);
                wr_fail(err, WR_E_NOMEM, "out of memory listing incidents");
                goto out;
            }
            all = grown;
            all[n++] = db_col_int64(st, 0);
        }
        db_reset(st);
        if (r == DB_ERROR) {
            store_db_fail(from, err, "listing incidents");
            goto out;
        }
        ids = all;
    }
    if (store_begin(to, err) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (copy_incident(from, to, ids[i], &result->entries, err) != 0) {
            store_rollback(to);
            goto out;
        }
        result->incidents++;
    }
    if (store_commit(to, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        memset(result, 0, sizeof *result);
    db_rollback(from->db); /* ends the read snapshot; nothing was written there */
    free(all);
    return rc;
}
