/* store_postmortem.c: the store's postmortem worksheet, action items and full-text search. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

enum {
    PM_FIELD_SET = STORE_SLOTS_POSTMORTEM,
    PM_FIELD_DEL,
    PM_FIELD_GET,
    PM_ACTION_ADD,
    PM_ACTION_UPDATE,
    PM_ACTION_LIST,
    PM_ACTION_LIST_ALL,
    PM_SEARCH_FTS,
    PM_SEARCH_FIELDS,
    PM_SEARCH_PG,
    PM_SEARCH_FIELDS_PG,
};

/* PostgreSQL's search: the user's words through websearch_to_tsquery (words are all required;
 * "a phrase", or, -word also work), ranked by ts_rank (negated: lower is better, as bm25), with
 * the hits in [ ] like FTS5's snippet. The expression to_tsvector('simple', ...) is the one the
 * GIN indexes in store_schema.c are built on. */
#define PG_HEADLINE_OPTS "'StartSel=[, StopSel=], MaxWords=16, MinWords=6, MaxFragments=1," \
                         " FragmentDelimiter=...'"

int store_pm_field_set(struct store *s, int64_t incident_id, const char *field, const char *value,
                       const char *author, struct wr_error *err)
{
    int rc = -1;
    if (store_tx_begin(s, err) != 0)
        return -1;
    struct db_stmt *st;
    if (value && *value) {
        st = store_stmt(s, PM_FIELD_SET,
                            "INSERT INTO postmortem_fields(incident_id, field, value, updated_ms,"
                            " author) VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(incident_id, field)"
                            " DO UPDATE SET value = excluded.value, updated_ms ="
                            " excluded.updated_ms, author = excluded.author",
                            err);
        if (!st)
            goto out;
        db_bind_int64(st, 1, incident_id);
        db_bind_text(st, 2, field);
        db_bind_text(st, 3, value);
        db_bind_int64(st, 4, wr_now_ms());
        db_bind_text(st, 5, author ? author : "");
    } else {
        st = store_stmt(s, PM_FIELD_DEL,
                            "DELETE FROM postmortem_fields WHERE incident_id = ?1 AND field = ?2",
                            err);
        if (!st)
            goto out;
        db_bind_int64(st, 1, incident_id);
        db_bind_text(st, 2, field);
    }
    if (store_touch_incident(s, incident_id, err) != 0 ||
        store_step_done(s, st, err, "saving the postmortem field") != 0)
        goto out;
    if (store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_tx_rollback(s);
    return rc;
}

int store_pm_field_get(struct store *s, int64_t incident_id, const char *field, char **out,
                       struct wr_error *err)
{
    *out = NULL;
    struct db_stmt *st = store_stmt(
        s, PM_FIELD_GET,
        "SELECT value FROM postmortem_fields WHERE incident_id = ?1 AND field = ?2", err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    db_bind_text(st, 2, field);
    int r = db_step(st);
    if (r == DB_ROW)
        *out = store_col_strdup(st, 0);
    else if (r == DB_DONE)
        *out = strdup("");
    else
        return store_db_fail(s, err, "reading the postmortem field");
    db_reset(st);
    if (!*out)
        return wr_fail(err, WR_E_NOMEM, "out of memory reading the postmortem field");
    return 0;
}

void action_item_clear(struct action_item *a)
{
    free(a->description);
    free(a->owner);
    free(a->ticket);
    a->description = a->owner = a->ticket = NULL;
}

static void bind_action(struct db_stmt *st, const struct action_item *a)
{
    db_bind_int64(st, 1, a->incident_id);
    db_bind_text(st, 2, a->type[0] ? a->type : "prevent");
    db_bind_text(st, 3, a->description ? a->description : "");
    db_bind_text(st, 4, a->owner ? a->owner : "");
    db_bind_text(st, 5, a->priority[0] ? a->priority : "P1");
    if (a->deadline_ms == WR_TIME_NONE)
        db_bind_null_int64(st, 6);
    else
        db_bind_int64(st, 6, a->deadline_ms);
    db_bind_text(st, 7, a->status[0] ? a->status : "open");
    db_bind_text(st, 8, a->ticket ? a->ticket : "");
    if (a->source_entry_id > 0)
        db_bind_int64(st, 9, a->source_entry_id);
    else
        db_bind_null_int64(st, 9);
    db_bind_int64(st, 10, a->created_ms);
    db_bind_int64(st, 11, a->updated_ms);
    db_bind_int64(st, 12, a->id);
    db_bind_text(st, 13, a->uid);
}

int store_action_add(struct store *s, struct action_item *a, struct wr_error *err)
{
    int rc = -1;
    if (!a->description || !*a->description)
        return wr_fail(err, WR_E_INPUT, "an action item needs a description");
    if (a->created_ms == 0)
        a->created_ms = wr_now_ms();
    if (a->updated_ms == 0)
        a->updated_ms = a->created_ms;
    if (store_tx_begin(s, err) != 0)
        return -1;
    struct db_stmt *st = store_stmt(
        s, PM_ACTION_ADD,
        "INSERT INTO action_items(incident_id, type, description, owner, priority, deadline_ms,"
        " status, ticket, source_entry_id, created_ms, updated_ms, uid)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?13) RETURNING id",
        err);
    if (!st || store_touch_incident(s, a->incident_id, err) != 0)
        goto out;
    a->id = 0;
    if (!a->uid[0])
        wr_uid_new(a->uid, sizeof a->uid);
    bind_action(st, a); /* ?12, the id, is not in the insert: ignored */
    if (db_step(st) != DB_ROW) {
        if (db_failure(s->db) == DB_FAIL_UNIQUE)
            wr_fail(err, WR_E_CONFLICT, "an action item with uid %s is already saved", a->uid);
        else
            store_db_fail(s, err, "saving the action item");
        db_reset(st);
        goto out;
    }
    a->id = db_col_int64(st, 0);
    db_reset(st);
    if (store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_tx_rollback(s);
    return rc;
}

int store_action_update(struct store *s, struct action_item *a, struct wr_error *err)
{
    int rc = -1;
    if (!a->description || !*a->description)
        return wr_fail(err, WR_E_INPUT, "an action item needs a description");
    a->updated_ms = wr_now_ms();
    if (store_tx_begin(s, err) != 0)
        return -1;
    struct db_stmt *st = store_stmt(
        s, PM_ACTION_UPDATE,
        "UPDATE action_items SET type = ?2, description = ?3, owner = ?4, priority = ?5,"
        " deadline_ms = ?6, status = ?7, ticket = ?8, source_entry_id = ?9,"
        " created_ms = ?10, updated_ms = ?11 WHERE id = ?12 AND incident_id = ?1",
        err);
    if (!st || store_touch_incident(s, a->incident_id, err) != 0)
        goto out;
    bind_action(st, a);
    if (store_step_done(s, st, err, "saving the action item") != 0)
        goto out;
    if (db_changes(st) == 0) {
        wr_fail(err, WR_E_NOT_FOUND, "action item %lld is not in incident %lld",
                (long long)a->id, (long long)a->incident_id);
        goto out;
    }
    if (store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_tx_rollback(s);
    return rc;
}

static void copy_fixed(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

/* store_row_fn for ACTION_COLUMNS. */
static int read_action_row(struct db_stmt *st, void *elem)
{
    struct action_item *a = elem;
    memset(a, 0, sizeof *a);
    a->id = db_col_int64(st, 0);
    a->incident_id = db_col_int64(st, 1);
    copy_fixed(a->type, sizeof a->type, db_col_text(st, 2));
    a->description = store_col_strdup(st, 3);
    a->owner = store_col_strdup(st, 4);
    copy_fixed(a->priority, sizeof a->priority, db_col_text(st, 5));
    a->deadline_ms = db_col_null(st, 6) ? WR_TIME_NONE : db_col_int64(st, 6);
    copy_fixed(a->status, sizeof a->status, db_col_text(st, 7));
    a->ticket = store_col_strdup(st, 8);
    a->source_entry_id = db_col_int64(st, 9);
    a->created_ms = db_col_int64(st, 10);
    a->updated_ms = db_col_int64(st, 11);
    copy_fixed(a->uid, sizeof a->uid, db_col_text(st, 12));
    return a->description && a->owner && a->ticket ? 0 : -1;
}

static void clear_action(void *elem)
{
    action_item_clear(elem);
}

#define ACTION_COLUMNS                                                                         \
    "id, incident_id, type, description, owner, priority, deadline_ms, status, ticket,"        \
    " coalesce(source_entry_id, 0), created_ms, updated_ms, coalesce(uid, '')"

int store_action_list(struct store *s, int64_t incident_id, struct action_item **out, size_t *n,
                      struct wr_error *err)
{
    *out = NULL;
    *n = 0;
    struct db_stmt *st =
        incident_id > 0
            ? store_stmt(s, PM_ACTION_LIST,
                         "SELECT " ACTION_COLUMNS
                         " FROM action_items WHERE incident_id = ?1 ORDER BY id",
                         err)
            : store_stmt(s, PM_ACTION_LIST_ALL,
                         "SELECT " ACTION_COLUMNS " FROM action_items ORDER BY id", err);
    if (!st)
        return -1;
    if (incident_id > 0)
        db_bind_int64(st, 1, incident_id);
    void *arr;
    if (store_read_rows(s, st, sizeof **out, read_action_row, clear_action, &arr, n,
                        "listing action items", err) != 0)
        return -1;
    *out = arr;
    return 0;
}

void store_actions_free(struct action_item **arr, size_t n)
{
    if (!arr || !*arr)
        return;
    for (size_t i = 0; i < n; i++)
        action_item_clear(&(*arr)[i]);
    free(*arr);
    *arr = NULL;
}

/* The user's words as an FTS5 query: each word double-quoted (so no FTS syntax), all required. */
static char *fts_query(const char *q)
{
    struct wr_buf b = {0};
    const char *p = q;
    while (*p) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        if (b.len)
            wr_buf_puts(&b, " ");
        wr_buf_puts(&b, "\"");
        while (*p && !isspace((unsigned char)*p)) {
            if (*p == '"')
                wr_buf_puts(&b, "\"\"");
            else
                wr_buf_append(&b, p, 1);
            p++;
        }
        wr_buf_puts(&b, "\"");
    }
    if (b.oom) {
        wr_buf_free(&b);
        return NULL;
    }
    return b.data ? wr_buf_steal(&b) : strdup("");
}

static int cmp_hit(const void *a, const void *b)
{
    const struct store_search_hit *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->incident_id != y->incident_id)
        return x->incident_id < y->incident_id ? -1 : 1;
    if (x->at_ms != y->at_ms)
        return x->at_ms < y->at_ms ? -1 : 1;
    return x->entry_id < y->entry_id ? -1 : x->entry_id > y->entry_id;
}

/* store_row_fn for a timeline hit: incident_id, id, at_ms, kind, snippet, rank. */
static int read_entry_hit(struct db_stmt *st, void *elem)
{
    struct store_search_hit *h = elem;
    *h = (struct store_search_hit){db_col_int64(st, 0), db_col_int64(st, 1), db_col_int64(st, 2),
                                   store_col_strdup(st, 3), store_col_strdup(st, 4),
                                   db_col_double(st, 5)};
    return h->where && h->snippet ? 0 : -1;
}

/* store_row_fn for a worksheet hit: incident_id, field, updated_ms, snippet, rank. */
static int read_field_hit(struct db_stmt *st, void *elem)
{
    struct store_search_hit *h = elem;
    struct wr_buf w = {0};
    wr_buf_printf(&w, "postmortem:%s", db_col_text(st, 1));
    *h = (struct store_search_hit){db_col_int64(st, 0), 0, db_col_int64(st, 2), wr_buf_steal(&w),
                                   store_col_strdup(st, 3), db_col_double(st, 4)};
    return h->where && h->snippet ? 0 : -1;
}

static void clear_hit(void *elem)
{
    struct store_search_hit *h = elem;
    free(h->where);
    free(h->snippet);
}

int store_search(struct store *s, const char *query, size_t limit, struct store_search_hit **out,
                 size_t *n, struct wr_error *err)
{
    *out = NULL;
    *n = 0;
    void *entries = NULL, *fields = NULL;
    size_t nentries = 0, nfields = 0;
    char *fq = fts_query(query ? query : "");
    if (!fq)
        return wr_fail(err, WR_E_NOMEM, "out of memory searching");
    if (!*fq) {
        free(fq);
        return wr_fail(err, WR_E_INPUT, "the search query is empty; give one or more words");
    }
    bool pg = db_engine(s->db) == DB_POSTGRES;
    if (store_fts_sync(s, err) != 0)
        goto fail;
    struct db_stmt *st = pg ? store_stmt(
        s, PM_SEARCH_PG,
        "SELECT e.incident_id, e.id, e.at_ms, e.kind,"
        " ts_headline('simple', e.text, q, " PG_HEADLINE_OPTS "),"
        " -ts_rank(to_tsvector('simple', e.text), q) AS rank"
        " FROM entries e, websearch_to_tsquery('simple', ?1) q"
        " WHERE to_tsvector('simple', e.text) @@ q AND e.deleted = 0"
        " ORDER BY rank, e.id LIMIT ?2",
        err) : store_stmt(
        s, PM_SEARCH_FTS,
        "SELECT e.incident_id, e.id, e.at_ms, e.kind,"
        " snippet(entries_fts, 0, '[', ']', '...', 16), bm25(entries_fts)"
        " FROM entries_fts JOIN entries e ON e.id = entries_fts.rowid"
        " WHERE entries_fts MATCH ?1 AND e.deleted = 0 ORDER BY bm25(entries_fts), e.id LIMIT ?2",
        err);
    if (!st)
        goto fail;
    db_bind_text(st, 1, pg ? query : fq);
    db_bind_int64(st, 2, (int64_t)limit);
    if (store_read_rows(s, st, sizeof **out, read_entry_hit, clear_hit, &entries, &nentries,
                        "searching the timelines", err) != 0)
        goto fail;
    /* Worksheet fields, ranked by the same measure as the timeline hits. */
    st = pg ? store_stmt(s, PM_SEARCH_FIELDS_PG,
                         "SELECT f.incident_id, f.field, f.updated_ms,"
                         " ts_headline('simple', f.value, q, " PG_HEADLINE_OPTS "),"
                         " -ts_rank(to_tsvector('simple', f.value), q) AS rank"
                         " FROM postmortem_fields f, websearch_to_tsquery('simple', ?1) q"
                         " WHERE to_tsvector('simple', f.value) @@ q ORDER BY rank LIMIT ?2",
                         err)
            : store_stmt(s, PM_SEARCH_FIELDS,
                    "SELECT f.incident_id, f.field, f.updated_ms,"
                    " snippet(postmortem_fts, 2, '[', ']', '...', 16), bm25(postmortem_fts)"
                    " FROM postmortem_fts JOIN postmortem_fields f"
                    " ON f.incident_id = postmortem_fts.incident_id"
                    " AND f.field = postmortem_fts.field"
                    " WHERE postmortem_fts MATCH ?1 ORDER BY bm25(postmortem_fts) LIMIT ?2",
                    err);
    if (!st)
        goto fail;
    db_bind_text(st, 1, pg ? query : fq);
    db_bind_int64(st, 2, (int64_t)limit);
    if (store_read_rows(s, st, sizeof **out, read_field_hit, clear_hit, &fields, &nfields,
                        "searching the postmortem fields", err) != 0)
        goto fail;
    /* One list, best first, cut to the limit. */
    struct store_search_hit *arr = entries;
    size_t len = nentries + nfields;
    if (nfields) {
        size_t cap = nentries;
        arr = store_array_grow(entries, &cap, len, sizeof *arr);
        if (!arr) {
            wr_fail(err, WR_E_NOMEM, "out of memory searching");
            goto fail;
        }
        entries = arr;
        memcpy(arr + nentries, fields, nfields * sizeof *arr);
        free(fields);
        fields = NULL;
        nentries = len;
        nfields = 0;
    }
    if (len)
        qsort(arr, len, sizeof *arr, cmp_hit);
    for (size_t i = limit; i < len; i++)
        clear_hit(&arr[i]);
    free(fq);
    *out = arr;
    *n = len > limit ? limit : len;
    return 0;
fail:
    free(fq);
    struct store_search_hit *e = entries, *f = fields;
    store_search_free(&e, nentries);
    store_search_free(&f, nfields);
    return -1;
}

void store_search_free(struct store_search_hit **arr, size_t n)
{
    if (!arr || !*arr)
        return;
    for (size_t i = 0; i < n; i++) {
        free((*arr)[i].where);
        free((*arr)[i].snippet);
    }
    free(*arr);
    *arr = NULL;
}
