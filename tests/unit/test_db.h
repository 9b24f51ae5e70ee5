/* test_db.h: which engine a store test runs on. CTest runs such a test twice: as it is (SQLite
 * files in a temporary directory) and under tests/tools/pg_server.sh, which starts a private
 * PostgreSQL server and sets WARROOM_TEST_PG (see tests/CMakeLists.txt, warroom_unit_test_pg).
 * The test body is the same; only the database target differs. */
#ifndef WARROOM_TEST_DB_H
#define WARROOM_TEST_DB_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

/* True when the test runs against the PostgreSQL test server. */
static inline bool test_db_is_pg(void)
{
    const char *url = getenv("WARROOM_TEST_PG");
    return url && *url;
}

/* Run SQL on the test server's database outside the store (set-up and inspection only);
 * schema NULL for the default one. Aborts the test program when it fails. */
static inline void test_db_pg_exec(const char *schema, const char *sql)
{
    PGconn *c = PQconnectdb(getenv("WARROOM_TEST_PG"));
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "test_db: cannot connect: %s", PQerrorMessage(c));
        abort();
    }
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    if (schema) {
        char set[200];
        snprintf(set, sizeof set, "SET search_path = %s", schema);
        PQclear(PQexec(c, set));
    }
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "test_db: %s: %s", sql, PQerrorMessage(c));
        abort();
    }
    PQclear(r);
    PQfinish(c);
}

/* A fresh, empty database: DIR/NAME.db on SQLite; on PostgreSQL a new schema named after NAME
 * and this process, and a URL whose search_path points at it. *schema (may be NULL) gets the
 * schema's name ("" on SQLite). */
static inline void test_db_fresh(char *buf, size_t n, const char *dir, const char *name,
                                 char *schema, size_t schema_n)
{
    if (!test_db_is_pg()) {
        snprintf(buf, n, "%s/%s.db", dir, name);
        unlink(buf);
        if (schema)
            snprintf(schema, schema_n, "%s", "");
        return;
    }
    static unsigned counter;
    char sch[64], sql[256];
    snprintf(sch, sizeof sch, "t_%s_%ld_%u", name, (long)getpid(), ++counter);
    for (char *p = sch; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            *p = '_';
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", sch, sch);
    test_db_pg_exec(NULL, sql);
    snprintf(buf, n, "%s?options=-csearch_path%%3D%s", getenv("WARROOM_TEST_PG"), sch);
    if (schema)
        snprintf(schema, schema_n, "%s", sch);
}

#endif
