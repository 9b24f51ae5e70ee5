/* store_bulk.c: the store's reads and writes of whole timelines (exports, imports), where the
 * per-entry cost is what counts: one pass, no copies, nothing held for the whole incident. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* This file's statement slots (store_internal.h gives it the IMPORT range). */
enum {
    BULK_SCAN = STORE_SLOTS_IMPORT,
    BULK_SCAN_BRIEF,
    BULK_MAX_ID,
    BULK_ENTRY_ONE,
    BULK_ENTRY_MANY,
    BULK_REVISION_ONE,
    BULK_REVISION_MANY,
};

/* store_entry_scan and store_entry_scan_brief: the brief one reads six columns, not nine. */
static int scan(struct store *s, int64_t incident_id, bool brief, store_entry_fn fn, void *ctx,
                struct wr_error *err)
{
    struct db_stmt *st =
        brief ? store_stmt(s, BULK_SCAN_BRIEF,
                           "SELECT id, at_ms, kind, author, text, pinned FROM entries"
                           " WHERE incident_id = ?1 AND deleted = 0 ORDER BY at_ms, id",
                           err)
              : store_stmt(s, BULK_SCAN,
                           "SELECT id, at_ms, kind, author, text, pinned, rev, data,"
                           " recorded_ms FROM entries WHERE incident_id = ?1"
                           " AND deleted = 0 ORDER BY at_ms, id",
                           err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    int step;
    struct entry e;
    memset(&e, 0, sizeof e);
    e.incident_id = incident_id;
    while ((step = db_step(st)) == DB_ROW) {
        s->entries_read++;
        e.id = db_col_int64(st, 0);
        e.at_ms = db_col_int64(st, 1);
        int k = kind_from_name(db_col_text(st, 2));
        e.kind = k < 0 ? KIND_NOTE : (enum entry_kind)k;
        /* Borrowed from the statement's row: valid until the next step (see store.h). */
        e.author = (char *)db_col_text(st, 3);
        e.text = (char *)db_col_text(st, 4);
        e.pinned = db_col_int(st, 5) != 0;
        if (!brief) {
            e.rev = db_col_int(st, 6);
            const char *data = db_col_text(st, 7);
            e.data = data && *data ? (char *)data : NULL;
            e.recorded_ms = db_col_int64(st, 8);
        }
        if (!e.author || !e.text) {
            db_reset(st);
            return wr_fail(err, WR_E_NOMEM, "out of memory reading the timeline");
        }
        if (fn(&e, ctx)) {
            db_reset(st);
            return 0;
        }
    }
    db_reset(st);
    if (step != DB_DONE)
        return store_db_fail(s, err, "reading the timeline");
    return 0;
}

uint64_t store_entries_read(const struct store *s)
{
    return s->entries_read;
}

int store_entry_scan(struct store *s, int64_t incident_id, store_entry_fn fn, void *ctx,
                     struct wr_error *err)
{
    return scan(s, incident_id, false, fn, ctx, err);
}

int store_entry_scan_brief(struct store *s, int64_t incident_id, store_entry_fn fn, void *ctx,
                           struct wr_error *err)
{
    return scan(s, incident_id, true, fn, ctx, err);
}

/* ---- bulk import ---- */

/*
 * What store_entry_import does for one entry, for a whole file of them. On SQLite:
 *   - ids are numbered here (store_begin's write lock is held: nobody else inserts) instead of
 *     INSERT ... RETURNING, which runs each insert through a temporary table;
 *   - rows go in BULK_ROWS at a time, one statement each for entries and revisions, so opening
 *     and closing the tables' cursors is paid once per batch instead of once per row;
 *   - the uids of one import share a random prefix and count up, so the unique index on uid
 *     grows at one end instead of taking each entry at a random place;
 *   - INSERT OR FAIL: a failing row stops the statement without undoing the rows before it, so
 *     SQLite keeps no statement journal (a copy of every page a batch touches). The import is
 *     all or nothing anyway: any failure rolls back its whole transaction. Foreign keys would
 *     bring the journal back; store_begin_import pauses them, as every id here is one this
 *     import wrote.
 * PostgreSQL keeps store_entry_import, entry by entry.
 *
 * Measured and left out: dropping the three entries indexes during a large import and building
 * them at the end cost more (CREATE INDEX sorts 100,000 rows three times) than inserting into
 * them, because every one of them grows at its end here. */
#define BULK_ROWS 64

struct bulk_entry {
    int64_t id, at_ms, recorded_ms, changed_ms;
    enum entry_kind kind;
    /* offsets in the arena; data SIZE_MAX for none, changed_by SIZE_MAX for the author */
    size_t author, text, data, changed_by;
    bool pinned, deleted;
    int rev;
    char uid[33];
};

struct bulk_revision {
    int64_t entry_id, changed_ms, at_ms;
    int rev;
    enum entry_kind kind;
    size_t author, text;
    bool pinned, deleted;
};

struct store_import {
    struct store *s;
    int64_t incident_id;
    bool bulk;           /* SQLite: numbered ids, batches, uid series */
    int64_t next_id;
    char uid_prefix[25]; /* 24 random hex digits */
    uint32_t uid_count;
    struct bulk_entry entries[BULK_ROWS];
    size_t nentries;
    struct bulk_revision *revs; /* the batch's superseded revisions (usually none) */
    size_t nrevs, caprevs;
    struct wr_buf arena; /* the batch's strings, NUL-separated */
};


#define BULK_ENTRY_COLUMNS                                                                     \
    "INSERT OR FAIL INTO entries(id, incident_id, at_ms, recorded_ms, kind, author, text, pinned,"     \
    " deleted, rev, data, uid, changed_ms, changed_by) VALUES"
#define BULK_ENTRY_PARAMS 14
#define BULK_REVISION_COLUMNS                                                                  \
    "INSERT OR FAIL INTO entry_history(entry_id, rev, changed_ms, author, kind, at_ms, text, pinned," \
    " deleted) VALUES"
#define BULK_REVISION_PARAMS 9

/* "INSERT ... VALUES(?1, ..., ?k), (...), ..." for `rows` rows of `params` parameters. */
static char *values_sql(const char *head, int rows, int params)
{
    struct wr_buf b = {0};
    wr_buf_puts(&b, head);
    for (int r = 0; r < rows; r++) {
        wr_buf_puts(&b, r ? ", (" : " (");
        for (int p = 0; p < params; p++)
            wr_buf_printf(&b, "%s?%d", p ? ", " : "", r * params + p + 1);
        wr_buf_puts(&b, ")");
    }
    if (b.oom) {
        wr_buf_free(&b);
        return NULL;
    }
    return wr_buf_steal(&b);
}

/* The statement inserting `rows` (1 or BULK_ROWS) rows; its text is built once per process
 * (one per slot: the same text every time, as store_stmt requires). */
static struct db_stmt *batch_stmt(struct store *s, int slot, const char *head, int rows,
                                  int params, struct wr_error *err)
{
    static char *texts[BULK_REVISION_MANY - BULK_ENTRY_ONE + 1];
    char **sql = &texts[slot - BULK_ENTRY_ONE];
    if (!*sql && !(*sql = values_sql(head, rows, params))) {
        wr_fail(err, WR_E_NOMEM, "out of memory importing");
        return NULL;
    }
    return store_stmt(s, slot, *sql, err);
}

static size_t arena_put(struct wr_buf *a, const char *text)
{
    size_t off = a->len;
    wr_buf_append(a, text, strlen(text) + 1);
    return off;
}

/* Insert the batch: its entries first (their revisions refer to them), then its revisions. */
static int flush_batch(struct store_import *im, struct wr_error *err)
{
    struct store *s = im->s;
    const char *a = im->arena.data;
    if (im->arena.oom)
        return wr_fail(err, WR_E_NOMEM, "out of memory importing");
    for (size_t done = 0; done < im->nentries;) {
        size_t rows = im->nentries - done >= BULK_ROWS ? BULK_ROWS : 1;
        struct db_stmt *st = batch_stmt(s, rows > 1 ? BULK_ENTRY_MANY : BULK_ENTRY_ONE,
                                        BULK_ENTRY_COLUMNS, (int)rows, BULK_ENTRY_PARAMS, err);
        if (!st)
            return -1;
        for (size_t r = 0; r < rows; r++) {
            const struct bulk_entry *e = &im->entries[done + r];
            int b = (int)r * BULK_ENTRY_PARAMS;
            db_bind_int64(st, b + 1, e->id);
            db_bind_int64(st, b + 2, im->incident_id);
            db_bind_int64(st, b + 3, e->at_ms);
            db_bind_int64(st, b + 4, e->recorded_ms);
            db_bind_text(st, b + 5, kind_name(e->kind));
            db_bind_text(st, b + 6, a + e->author);
            db_bind_text(st, b + 7, a + e->text);
            db_bind_int(st, b + 8, e->pinned);
            db_bind_int(st, b + 9, e->deleted);
            db_bind_int(st, b + 10, e->rev);
            db_bind_text(st, b + 11, e->data == SIZE_MAX ? "" : a + e->data);
            db_bind_text(st, b + 12, e->uid);
            db_bind_int64(st, b + 13, e->changed_ms);
            db_bind_text(st, b + 14, e->changed_by == SIZE_MAX ? NULL : a + e->changed_by);
        }
        if (store_step_done(s, st, err, "importing an entry") != 0)
            return -1;
        done += rows;
    }
    for (size_t done = 0; done < im->nrevs;) {
        size_t rows = im->nrevs - done >= BULK_ROWS ? BULK_ROWS : 1;
        struct db_stmt *st =
            batch_stmt(s, rows > 1 ? BULK_REVISION_MANY : BULK_REVISION_ONE,
                       BULK_REVISION_COLUMNS, (int)rows, BULK_REVISION_PARAMS, err);
        if (!st)
            return -1;
        for (size_t r = 0; r < rows; r++) {
            const struct bulk_revision *v = &im->revs[done + r];
            int b = (int)r * BULK_REVISION_PARAMS;
            db_bind_int64(st, b + 1, v->entry_id);
            db_bind_int(st, b + 2, v->rev);
            db_bind_int64(st, b + 3, v->changed_ms);
            db_bind_text(st, b + 4, a + v->author);
            db_bind_text(st, b + 5, kind_name(v->kind));
            db_bind_int64(st, b + 6, v->at_ms);
            db_bind_text(st, b + 7, a + v->text);
            db_bind_int(st, b + 8, v->pinned);
            db_bind_int(st, b + 9, v->deleted);
        }
        if (store_step_done(s, st, err, "saving the entry's history") != 0)
            return -1;
        done += rows;
    }
    im->nentries = im->nrevs = 0;
    im->arena.len = 0;
    return 0;
}

int store_import_new(struct store *s, int64_t incident_id, struct store_import **out,
                     struct wr_error *err)
{
    *out = NULL;
    struct store_import *im = calloc(1, sizeof *im);
    if (!im)
        return wr_fail(err, WR_E_NOMEM, "out of memory importing");
    im->s = s;
    im->incident_id = incident_id;
    im->bulk = db_engine(s->db) == DB_SQLITE && s->in_tx;
    if (im->bulk) {
        struct db_stmt *st =
            store_stmt(s, BULK_MAX_ID, "SELECT coalesce(max(id), 0) FROM entries", err);
        if (!st) {
            free(im);
            return -1;
        }
        int r = db_step(st);
        im->next_id = r == DB_ROW ? db_col_int64(st, 0) + 1 : 0;
        db_reset(st);
        if (r != DB_ROW) {
            free(im);
            return store_db_fail(s, err, "importing entries");
        }
        char uid[40];
        wr_uid_new(uid, sizeof uid);
        memcpy(im->uid_prefix, uid, 24);
        im->uid_prefix[24] = '\0';
    }
    *out = im;
    return 0;
}

int store_import_entry(struct store_import *im, int64_t recorded_ms, const char *data,
                       const struct entry_revision *revs, size_t n, struct wr_error *err)
{
    if (!im->bulk)
        return store_entry_import(im->s, im->incident_id, recorded_ms, data, revs, n, err);
    if (n == 0)
        return wr_fail(err, WR_E_INPUT, "an entry without revisions cannot be imported");
    for (size_t i = 0; i < n; i++)
        if (store_check_text(revs[i].text, err) != 0)
            return -1;
    if (im->nrevs + n > im->caprevs) {
        size_t cap = im->caprevs ? im->caprevs : 2 * BULK_ROWS;
        while (cap < im->nrevs + n)
            cap *= 2;
        struct bulk_revision *g = realloc(im->revs, cap * sizeof *g);
        if (!g)
            return wr_fail(err, WR_E_NOMEM, "out of memory importing");
        im->revs = g;
        im->caprevs = cap;
    }
    const struct entry_revision *last = &revs[n - 1];
    struct bulk_entry *e = &im->entries[im->nentries++];
    e->id = im->next_id++;
    e->at_ms = last->at_ms;
    e->recorded_ms = recorded_ms;
    e->kind = last->kind;
    e->author = arena_put(&im->arena, revs[0].author);
    e->text = arena_put(&im->arena, last->text);
    e->data = data ? arena_put(&im->arena, data) : SIZE_MAX;
    e->pinned = last->pinned;
    e->deleted = last->deleted;
    e->rev = last->rev;
    e->changed_ms = last->changed_ms;
    e->changed_by = strcmp(last->author, revs[0].author) == 0
                        ? SIZE_MAX
                        : arena_put(&im->arena, last->author);
    /* The prefix and eight hex digits of the count (snprintf cost more than the insert's
     * binding of the row). */
    memcpy(e->uid, im->uid_prefix, 24);
    for (int d = 0; d < 8; d++)
        e->uid[24 + d] = "0123456789abcdef"[(im->uid_count >> (28 - 4 * d)) & 15];
    e->uid[32] = '\0';
    im->uid_count++;
    for (size_t i = 0; i + 1 < n; i++) { /* the last one is the row */
        struct bulk_revision *v = &im->revs[im->nrevs++];
        v->entry_id = e->id;
        v->rev = revs[i].rev;
        v->changed_ms = revs[i].changed_ms;
        v->author = arena_put(&im->arena, revs[i].author);
        v->kind = revs[i].kind;
        v->at_ms = revs[i].at_ms;
        v->text = arena_put(&im->arena, revs[i].text);
        v->pinned = revs[i].pinned;
        v->deleted = revs[i].deleted;
    }
    return im->nentries == BULK_ROWS ? flush_batch(im, err) : 0;
}

int store_import_finish(struct store_import *im, struct wr_error *err)
{
    return im->bulk ? flush_batch(im, err) : 0;
}

void store_import_free(struct store_import **im)
{
    if (!im || !*im)
        return;
    free((*im)->revs);
    wr_buf_free(&(*im)->arena);
    free(*im);
    *im = NULL;
}
