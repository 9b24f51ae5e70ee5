/* db_internal.h: what db.c shares with the engine backends (db_sqlite.c, db_pg.c). Only those
 * files include it. */
#ifndef WARROOM_DB_INTERNAL_H
#define WARROOM_DB_INTERNAL_H

#include "db.h"

/* Every backend's statement starts with this, so db.c can find the connection. */
struct db_stmt {
    struct db *db;
    int64_t changes;
};

/* One backend: db.c's public functions forward to these. */
struct db_ops {
    void (*close)(struct db *db);
    int (*configure)(struct db *db);
    int (*schema_version)(struct db *db, int *version);
    int (*set_schema_version)(struct db *db, int version);
    int (*lock_schema)(struct db *db);
    int (*exec)(struct db *db, const char *script);
    struct db_stmt *(*prepare)(struct db *db, const char *sql, bool persistent);
    void (*finalize)(struct db_stmt *st);
    void (*clear)(struct db_stmt *st); /* reset and clear bindings */
    void (*bind_int64)(struct db_stmt *st, int i, int64_t v);
    void (*bind_double)(struct db_stmt *st, int i, double v);
    void (*bind_text)(struct db_stmt *st, int i, const char *v);
    void (*bind_null_int64)(struct db_stmt *st, int i);
    int (*step)(struct db_stmt *st);
    void (*reset)(struct db_stmt *st);
    int64_t (*col_int64)(struct db_stmt *st, int i);
    double (*col_double)(struct db_stmt *st, int i);
    const char *(*col_text)(struct db_stmt *st, int i);
    bool (*col_null)(struct db_stmt *st, int i);
    int (*begin)(struct db *db);
    int (*begin_read)(struct db *db);
    int (*commit)(struct db *db);
    void (*rollback)(struct db *db);
    bool (*in_transaction)(struct db *db);
    int (*change_counter)(struct db *db, int64_t *out);
    int (*change_fd)(struct db *db);
    int (*reconnect)(struct db *db);
};

struct db {
    const struct db_ops *ops;
    enum db_engine engine;
    char *display; /* path, or the masked connection string */
    char *target;  /* what it was opened with (may hold a password: never shown) */
    /* Incident ids from change notifications not yet taken (db_take_changes). */
    int64_t changed[256];
    size_t nchanged;
    bool changed_overflow;
    enum db_failure failure;
    char errmsg[512];
    struct db_stmt *slots[DB_SLOTS];
};

/* Record the failure of the last operation; returns -1. */
int db_set_failure(struct db *db, enum db_failure f, const char *msg);
/* Forget the last failure (an operation succeeded). */
void db_clear_failure(struct db *db);
/* Remember that incident `id` changed (a notification's payload). */
void db_note_change(struct db *db, int64_t id);
/* Fill the common part of a new connection: ops, engine, target and its masked display name.
 * -1 when out of memory. */
int db_init_base(struct db *db, const struct db_ops *ops, enum db_engine engine,
                 const char *target);
/* Free what db_init_base allocated (not db itself). */
void db_free_base(struct db *db);

/* Backends' constructors: fill *out (allocated with its base struct db first). */
int db_sqlite_open(const char *path, struct db **out, struct wr_error *err);
int db_pg_open(const char *conninfo, struct db **out, struct wr_error *err);

#endif
