/* db.c: the database seam's engine-neutral half: choosing the backend from the target, statement
 * slots, failures; every other call forwards to the backend's ops. */
#include "db.h"
#include "db_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool db_target_is_postgres(const char *target)
{
    if (!target)
        return false;
    if (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0)
        return true;
    /* libpq's keyword=value form ("service=warroom", "host=db dbname=wr"): a word of letters
     * and underscores, then '='. A path never looks like that unless it is a bare "a=b" file
     * name, which can be given as ./a=b instead. */
    const char *p = target;
    while (isspace((unsigned char)*p))
        p++;
    const char *word = p;
    while (isalpha((unsigned char)*p) || *p == '_')
        p++;
    if (p == word)
        return false;
    while (isspace((unsigned char)*p))
        p++;
    return *p == '=';
}

/* Append src[0..len) to out (capacity n, used *u), truncating; keeps out NUL-terminated. */
static void put(char *out, size_t n, size_t *u, const char *src, size_t len)
{
    if (*u + 1 >= n)
        return;
    if (len > n - 1 - *u)
        len = n - 1 - *u;
    memcpy(out + *u, src, len);
    *u += len;
    out[*u] = '\0';
}

/* True when the query parameter at q (len bytes, "key=value") has the key "password", once
 * its %XX escapes are decoded as libpq decodes them. */
static bool query_key_is_password(const char *q, size_t len)
{
    static const char want[] = "password";
    size_t k = 0;
    for (size_t i = 0; i < len && q[i] != '='; i++, k++) {
        int c = (unsigned char)q[i];
        if (c == '%' && i + 2 < len && isxdigit((unsigned char)q[i + 1]) &&
            isxdigit((unsigned char)q[i + 2])) {
            char hex[3] = {q[i + 1], q[i + 2], '\0'};
            c = (int)strtol(hex, NULL, 16);
            i += 2;
        }
        if (k >= sizeof want - 1 || c != want[k])
            return false;
    }
    return k == sizeof want - 1 && memchr(q, '=', len) != NULL;
}

/* Where the passwords are in a target, as written there (db_mask_message scrubs them). */
struct secrets {
    const char *at[8];
    size_t len[8];
    size_t n;
};

static void secret(struct secrets *sec, const char *p, size_t len)
{
    if (sec && len > 0 && sec->n < sizeof sec->at / sizeof sec->at[0]) {
        sec->at[sec->n] = p;
        sec->len[sec->n++] = len;
    }
}

/* Mask the value of every password= parameter of a URL query (from q, just after '?'). */
static void mask_query(const char *q, char *out, size_t n, size_t *u, struct secrets *sec)
{
    while (*q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        if (query_key_is_password(q, len)) {
            const char *eq = memchr(q, '=', len);
            put(out, n, u, q, (size_t)(eq + 1 - q));
            put(out, n, u, "***", 3);
            secret(sec, eq + 1, len - (size_t)(eq + 1 - q));
        } else {
            put(out, n, u, q, len);
        }
        q += len;
        if (*q == '&')
            put(out, n, u, q++, 1);
    }
}

static void mask_into(const char *target, char *out, size_t n, struct secrets *sec)
{
    size_t u = 0;
    if (n == 0)
        return;
    out[0] = '\0';
    const char *scheme = strstr(target, "://");
    if (scheme && db_target_is_postgres(target)) {
        const char *auth = scheme + 3;
        /* libpq ends user:password at the first '@' or '/', so a password may hold '?' or '#'.
         * Mask up to the last '@' before the path: never less than libpq takes as password. */
        size_t alen = strcspn(auth, "/");
        const char *at = NULL;
        for (const char *p = auth; p < auth + alen; p++)
            if (*p == '@')
                at = p;
        if (at)
            alen = (size_t)(at - auth) + strcspn(at, "/?");
        else
            alen = strcspn(auth, "/?");
        put(out, n, &u, target, (size_t)(auth - target));
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            put(out, n, &u, auth, (size_t)(colon - auth));
            put(out, n, &u, ":***", 4);
            secret(sec, colon + 1, (size_t)(at - colon - 1));
            put(out, n, &u, at, (size_t)(auth + alen - at));
        } else {
            put(out, n, &u, auth, alen);
        }
        const char *rest = auth + alen;
        const char *q = strchr(rest, '?');
        put(out, n, &u, rest, q ? (size_t)(q + 1 - rest) : strlen(rest));
        if (q)
            mask_query(q + 1, out, n, &u, sec);
        return;
    }
    /* keyword = value pairs; a value is 'quoted' (with \' and \\ escapes) or runs to a space. */
    const char *p = target;
    while (*p) {
        const char *start = p;
        while (isspace((unsigned char)*p))
            p++;
        const char *kw = p;
        while (*p && *p != '=' && !isspace((unsigned char)*p))
            p++;
        bool is_password = (size_t)(p - kw) == 8 && strncmp(kw, "password", 8) == 0;
        while (isspace((unsigned char)*p))
            p++;
        if (*p != '=') { /* not keyword=value: copy the rest as it is */
            put(out, n, &u, start, strlen(start));
            return;
        }
        p++;
        while (isspace((unsigned char)*p))
            p++;
        const char *val = p;
        if (*p == '\'') {
            for (p++; *p && *p != '\''; p++)
                if (*p == '\\' && p[1])
                    p++;
            if (*p == '\'')
                p++;
        } else {
            while (*p && !isspace((unsigned char)*p))
                p++;
        }
        put(out, n, &u, start, (size_t)(val - start));
        if (is_password) {
            put(out, n, &u, "***", 3);
            secret(sec, val, (size_t)(p - val));
            if (*val == '\'' && p - val > 2)
                secret(sec, val + 1, (size_t)(p - val - 2));
        } else {
            put(out, n, &u, val, (size_t)(p - val));
        }
    }
}

void db_mask_target(const char *target, char *out, size_t n)
{
    mask_into(target, out, n, NULL);
}

void db_mask_message(const char *target, const char *msg, char *out, size_t n)
{
    char scratch[1024];
    struct secrets sec = {0};
    size_t u = 0;
    mask_into(target, scratch, sizeof scratch, &sec);
    if (n == 0)
        return;
    out[0] = '\0';
    for (const char *m = msg; *m;) {
        size_t hit = 0;
        for (size_t i = 0; i < sec.n && !hit; i++)
            if (strncmp(m, sec.at[i], sec.len[i]) == 0)
                hit = sec.len[i];
        if (hit) {
            put(out, n, &u, "***", 3);
            m += hit;
        } else {
            put(out, n, &u, m++, 1);
        }
    }
}

/* "postgresql:db", "Postgres://...": meant as a URL, but libpq would not take it and SQLite
 * would quietly create a local file by that name. */
static bool url_lookalike(const char *target)
{
    return strncasecmp(target, "postgres:", 9) == 0 || strncasecmp(target, "postgresql:", 11) == 0;
}

int db_open(const char *target, struct db **out, struct wr_error *err)
{
    *out = NULL;
    /* The target is not echoed: a mistyped URL may still carry a password. */
    if (!db_target_is_postgres(target) && url_lookalike(target))
        return wr_fail(err, WR_E_USAGE,
                       "the database is not a valid PostgreSQL URL: write "
                       "postgresql://[USER@]HOST[:PORT]/DBNAME (lower case, two slashes); a file "
                       "with such a name is ./NAME");
    if (db_target_is_postgres(target))
        return db_pg_open(target, out, err);
    return db_sqlite_open(target, out, err);
}

int db_init_base(struct db *db, const struct db_ops *ops, enum db_engine engine,
                 const char *target)
{
    db->ops = ops;
    db->engine = engine;
    size_t n = strlen(target) + 16;
    db->target = strdup(target);
    db->display = malloc(n);
    if (!db->target || !db->display)
        return -1;
    if (engine == DB_POSTGRES)
        db_mask_target(target, db->display, n);
    else
        snprintf(db->display, n, "%s", target);
    return 0;
}

void db_free_base(struct db *db)
{
    free(db->display);
    free(db->target);
    db->display = db->target = NULL;
}

const char *db_target(const struct db *db)
{
    return db->target;
}

void db_note_change(struct db *db, int64_t id)
{
    for (size_t i = 0; i < db->nchanged; i++)
        if (db->changed[i] == id)
            return;
    if (db->nchanged < sizeof db->changed / sizeof db->changed[0])
        db->changed[db->nchanged++] = id;
    else
        db->changed_overflow = true;
}

void db_take_changes(struct db *db, int64_t *ids, size_t max, size_t *n, bool *all)
{
    size_t k = db->nchanged < max ? db->nchanged : max;
    memcpy(ids, db->changed, k * sizeof *ids);
    *all = db->changed_overflow || k < db->nchanged;
    *n = k;
    db->nchanged = 0;
    db->changed_overflow = false;
}

int db_change_fd(struct db *db)
{
    return db->ops->change_fd(db);
}

int db_reconnect(struct db *db)
{
    return db->ops->reconnect(db);
}

int db_lock_schema(struct db *db)
{
    return db->ops->lock_schema(db);
}

void db_close(struct db **dbp)
{
    if (!dbp || !*dbp)
        return;
    struct db *db = *dbp;
    for (int i = 0; i < DB_SLOTS; i++)
        if (db->slots[i])
            db->ops->finalize(db->slots[i]);
    db->ops->close(db); /* frees db */
    *dbp = NULL;
}

enum db_engine db_engine(const struct db *db)
{
    return db->engine;
}

const char *db_display_name(const struct db *db)
{
    return db->display;
}

void db_message_line(const char *msg, char *out, size_t n)
{
    size_t u = 0;
    if (n == 0)
        return;
    out[0] = '\0';
    bool first = true;
    for (const char *line = msg ? msg : ""; *line;) {
        size_t len = strcspn(line, "\n");
        const char *next = line[len] ? line + len + 1 : line + len;
        while (len && isspace((unsigned char)*line)) {
            line++;
            len--;
        }
        /* The statement excerpt and its caret say nothing to a responder. */
        bool caret = len > 0 && strspn(line, " \t^") >= len;
        bool excerpt = len > 5 && strncmp(line, "LINE ", 5) == 0 && isdigit((unsigned char)line[5]);
        if (first && len >= 6 && strncmp(line, "ERROR:", 6) == 0) {
            line += 6;
            len -= 6;
            while (len && isspace((unsigned char)*line)) {
                line++;
                len--;
            }
        }
        if (len && !caret && !excerpt) {
            if (!first)
                put(out, n, &u, " ", 1);
            for (size_t i = 0; i < len; i++) {
                bool space = isspace((unsigned char)line[i]);
                if (space && (u == 0 || out[u - 1] == ' '))
                    continue; /* libpq's "FATAL:  x": one space is enough */
                put(out, n, &u, space ? " " : line + i, 1);
            }
            first = false;
        }
        line = next;
    }
    while (u && out[u - 1] == ' ')
        out[--u] = '\0';
}

int db_set_failure(struct db *db, enum db_failure f, const char *msg)
{
    db->failure = f;
    /* The store puts engine messages inside a sentence, shown or logged as one line. */
    db_message_line(msg, db->errmsg, sizeof db->errmsg);
    return -1;
}

void db_clear_failure(struct db *db)
{
    db->failure = DB_FAIL_NONE;
    db->errmsg[0] = '\0';
}

enum db_failure db_failure(const struct db *db)
{
    return db->failure;
}

const char *db_errmsg(const struct db *db)
{
    return db->errmsg;
}

int db_configure(struct db *db)
{
    return db->ops->configure(db);
}

int db_schema_version(struct db *db, int *version)
{
    return db->ops->schema_version(db, version);
}

int db_set_schema_version(struct db *db, int version)
{
    return db->ops->set_schema_version(db, version);
}

int db_exec(struct db *db, const char *script)
{
    return db->ops->exec(db, script);
}

struct db_stmt *db_stmt(struct db *db, int slot, const char *sql)
{
    if (slot < 0 || slot >= DB_SLOTS) {
        char msg[96];
        snprintf(msg, sizeof msg, "internal error: statement slot %d out of range", slot);
        db_set_failure(db, DB_FAIL_OTHER, msg);
        return NULL;
    }
    if (!db->slots[slot]) {
        db->slots[slot] = db->ops->prepare(db, sql, true);
        return db->slots[slot];
    }
    db->ops->clear(db->slots[slot]);
    return db->slots[slot];
}

struct db_stmt *db_stmt_new(struct db *db, const char *sql)
{
    return db->ops->prepare(db, sql, false);
}

void db_stmt_free(struct db_stmt **st)
{
    if (!st || !*st)
        return;
    (*st)->db->ops->finalize(*st);
    *st = NULL;
}

void db_bind_int(struct db_stmt *st, int i, int v)
{
    st->db->ops->bind_int64(st, i, v);
}

void db_bind_int64(struct db_stmt *st, int i, int64_t v)
{
    st->db->ops->bind_int64(st, i, v);
}

void db_bind_double(struct db_stmt *st, int i, double v)
{
    st->db->ops->bind_double(st, i, v);
}

void db_bind_text(struct db_stmt *st, int i, const char *v)
{
    st->db->ops->bind_text(st, i, v);
}

void db_bind_null_int64(struct db_stmt *st, int i)
{
    st->db->ops->bind_null_int64(st, i);
}

int db_step(struct db_stmt *st)
{
    return st->db->ops->step(st);
}

void db_reset(struct db_stmt *st)
{
    if (st)
        st->db->ops->reset(st);
}

int64_t db_changes(const struct db_stmt *st)
{
    return st->changes;
}

int64_t db_col_int64(struct db_stmt *st, int i)
{
    return st->db->ops->col_int64(st, i);
}

int db_col_int(struct db_stmt *st, int i)
{
    return (int)st->db->ops->col_int64(st, i);
}

double db_col_double(struct db_stmt *st, int i)
{
    return st->db->ops->col_double(st, i);
}

const char *db_col_text(struct db_stmt *st, int i)
{
    return st->db->ops->col_text(st, i);
}

bool db_col_null(struct db_stmt *st, int i)
{
    return st->db->ops->col_null(st, i);
}

int db_begin(struct db *db)
{
    return db->ops->begin(db);
}

int db_begin_read(struct db *db)
{
    return db->ops->begin_read(db);
}

int db_commit(struct db *db)
{
    return db->ops->commit(db);
}

void db_rollback(struct db *db)
{
    db->ops->rollback(db);
}

bool db_in_transaction(struct db *db)
{
    return db->ops->in_transaction(db);
}

int db_change_counter(struct db *db, int64_t *out)
{
    return db->ops->change_counter(db, out);
}
