/* store_facts.c: the store's live incident facts (incident_facts, and the incident's summary,
 * impact and time zone columns), each change with its timeline entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

enum {
    FACT_UPSERT = STORE_SLOTS_FACTS,
    FACT_DELETE,
    FACT_LIST_ROWS,
    FACT_SET_SUMMARY,
    FACT_SET_IMPACT,
    FACT_SET_TZ,
    FACT_IMPORT,
};

/* The statement that writes `field`, bound; NULL with err on failure. */
static struct db_stmt *fact_write_stmt(struct store *s, int64_t id, const char *field,
                                       const char *value, int64_t at, const char *author,
                                       struct wr_error *err)
{
    struct db_stmt *st;
    if (strcmp(field, "summary") == 0 || strcmp(field, "impact") == 0 ||
        strcmp(field, "tz") == 0) {
        /* Three statements, not one with the column bound: SQL never takes a column name. */
        if (strcmp(field, "summary") == 0)
            st = store_stmt(s, FACT_SET_SUMMARY, "UPDATE incidents SET summary = ?2 WHERE id = ?1",
                            err);
        else if (strcmp(field, "impact") == 0)
            st = store_stmt(s, FACT_SET_IMPACT, "UPDATE incidents SET impact = ?2 WHERE id = ?1",
                            err);
        else
            st = store_stmt(s, FACT_SET_TZ, "UPDATE incidents SET tz = ?2 WHERE id = ?1", err);
        if (st) {
            db_bind_int64(st, 1, id);
            db_bind_text(st, 2, value);
        }
        return st;
    }
    if (*value) {
        st = store_stmt(s, FACT_UPSERT,
                        "INSERT INTO incident_facts(incident_id, field, value, updated_ms, author)"
                        " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(incident_id, field)"
                        " DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms,"
                        " author = excluded.author",
                        err);
        if (st) {
            db_bind_int64(st, 1, id);
            db_bind_text(st, 2, field);
            db_bind_text(st, 3, value);
            db_bind_int64(st, 4, at);
            db_bind_text(st, 5, author ? author : "");
        }
        return st;
    }
    st = store_stmt(s, FACT_DELETE,
                    "DELETE FROM incident_facts WHERE incident_id = ?1 AND field = ?2", err);
    if (st) {
        db_bind_int64(st, 1, id);
        db_bind_text(st, 2, field);
    }
    return st;
}

int store_fact_set(struct store *s, int64_t incident_id, const char *field, const char *value,
                   int64_t at, const char *author, const char *text, const char *data,
                   struct wr_error *err)
{
    int rc = -1;
    const char *v = value ? value : "";
    if (!wr_utf8_valid(v, strlen(v)))
        return wr_fail(err, WR_E_INPUT, "the %s is not valid UTF-8; check the terminal's "
                                        "encoding (LANG)", field);
    if (strlen(v) > WR_TEXT_MAX)
        return wr_fail(err, WR_E_INPUT, "the %s is over the %d KiB limit; shorten it", field,
                       WR_TEXT_MAX / 1024);
    if (store_tx_begin(s, err) != 0)
        return -1;
    /* The incident row first: on PostgreSQL that serialises the incident's writers. */
    if (store_touch_incident(s, incident_id, err) != 0)
        goto out;
    struct db_stmt *st = fact_write_stmt(s, incident_id, field, v, at, author, err);
    if (!st || store_step_done(s, st, err, "saving the incident's facts") != 0)
        goto out;
    if (text && store_entry_append_data(s, incident_id, KIND_FACT, at, author, text, data, NULL,
                                        err) != 0)
        goto out;
    if (store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_tx_rollback(s);
    return rc;
}

static void clear_fact(void *elem)
{
    struct store_fact *f = elem;
    free(f->value);
    free(f->author);
    f->value = f->author = NULL;
}

static int read_fact_row(struct db_stmt *st, void *elem)
{
    struct store_fact *f = elem;
    memset(f, 0, sizeof *f);
    const char *name = db_col_text(st, 0);
    snprintf(f->field, sizeof f->field, "%s", name ? name : "");
    f->value = store_col_strdup(st, 1);
    f->updated_ms = db_col_int64(st, 2);
    f->author = store_col_strdup(st, 3);
    return f->value && f->author ? 0 : -1;
}

void store_facts_free(struct store_fact **arr, size_t n)
{
    if (!arr || !*arr)
        return;
    for (size_t i = 0; i < n; i++)
        clear_fact(&(*arr)[i]);
    free(*arr);
    *arr = NULL;
}

int store_fact_list(struct store *s, int64_t incident_id, struct store_fact **out, size_t *n,
                    struct wr_error *err)
{
    *out = NULL;
    *n = 0;
    struct db_stmt *st = store_stmt(s, FACT_LIST_ROWS,
                                    "SELECT field, value, updated_ms, author FROM incident_facts"
                                    " WHERE incident_id = ?1 ORDER BY field",
                                    err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    void *arr;
    if (store_read_rows(s, st, sizeof **out, read_fact_row, clear_fact, &arr, n,
                        "reading the incident's facts", err) != 0)
        return -1;
    *out = arr;
    return 0;
}

int store_fact_import(struct store *s, int64_t incident_id, const struct store_fact *f,
                      struct wr_error *err)
{
    struct db_stmt *st = store_stmt(s, FACT_IMPORT,
                                    "INSERT INTO incident_facts(incident_id, field, value,"
                                    " updated_ms, author) VALUES(?1, ?2, ?3, ?4, ?5)",
                                    err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    db_bind_text(st, 2, f->field);
    db_bind_text(st, 3, f->value ? f->value : "");
    db_bind_int64(st, 4, f->updated_ms);
    db_bind_text(st, 5, f->author ? f->author : "");
    return store_step_done(s, st, err, "importing the incident's facts");
}
