/* libpq.h: PostgreSQL's client library, loaded with dlopen the first time a command opens a
 * PostgreSQL database (team mode). */
#ifndef WARROOM_LIBPQ_H
#define WARROOM_LIBPQ_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "util.h"

/*
 * warroom does not link libpq: like libcurl it brings TLS, Kerberos and LDAP (about twenty shared
 * libraries) that a SQLite user never needs, and `warroom log` must stay cheap to start. The
 * PostgreSQL backend (db_pg.c) calls libpq through this table, loaded once per process. The
 * members have the types of libpq-fe.h's own prototypes, so calls are checked as direct ones.
 */
#define LIBPQ_FUNCTIONS(X)                                                                     \
    X(PQconnectdbParams)                                                                       \
    X(PQconninfoParse)                                                                         \
    X(PQconninfoFree)                                                                          \
    X(PQstatus)                                                                                \
    X(PQerrorMessage)                                                                          \
    X(PQfinish)                                                                                \
    X(PQreset)                                                                                 \
    X(PQsocket)                                                                                \
    X(PQbackendPID)                                                                            \
    X(PQtransactionStatus)                                                                     \
    X(PQsetNoticeProcessor)                                                                    \
    X(PQexec)                                                                                  \
    X(PQprepare)                                                                               \
    X(PQexecPrepared)                                                                          \
    X(PQexecParams)                                                                            \
    X(PQresultStatus)                                                                          \
    X(PQresultErrorMessage)                                                                    \
    X(PQresultErrorField)                                                                      \
    X(PQclear)                                                                                 \
    X(PQntuples)                                                                               \
    X(PQnfields)                                                                               \
    X(PQgetvalue)                                                                              \
    X(PQgetisnull)                                                                             \
    X(PQcmdStatus)                                                                             \
    X(PQcmdTuples)                                                                             \
    X(PQescapeIdentifier)                                                                      \
    X(PQfreemem)                                                                               \
    X(PQconsumeInput)                                                                          \
    X(PQnotifies)

/* The functions warroom uses, under their own names: pq->PQexec(...). */
struct libpq {
#define LIBPQ_X_MEMBER(name) __typeof__(name) *name;
    LIBPQ_FUNCTIONS(LIBPQ_X_MEMBER)
#undef LIBPQ_X_MEMBER
};

/*
 * Load libpq (libpq.so.5; $WARROOM_LIBPQ names another file) and resolve every function. Done
 * once: later calls return the same table, or the same error. NULL with err (WR_E_DB) and a
 * one-line message saying what is missing and how to install it.
 */
const struct libpq *libpq_load(struct wr_error *err);
/* True once libpq_load has succeeded in this process (tests count loaded libraries). */
bool libpq_loaded(void);

#endif
