/* libpq.c: find libpq at run time and resolve the functions the PostgreSQL backend uses. */
#include "libpq.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct libpq g_pq;
static enum { PQ_NOT_TRIED, PQ_LOADED, PQ_FAILED } g_state;
static struct wr_error g_error; /* the failure, repeated to every later caller */

static const struct {
    const char *symbol;
    size_t offset;
} pq_functions[] = {
#define LIBPQ_X_ENTRY(name) {#name, offsetof(struct libpq, name)},
    LIBPQ_FUNCTIONS(LIBPQ_X_ENTRY)
#undef LIBPQ_X_ENTRY
};

static int load(struct wr_error *err)
{
    const char *env = getenv("WARROOM_LIBPQ");
    const char *name = env && *env ? env : "libpq.so.5";
    void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return wr_fail(err, WR_E_DB,
                       "libpq cannot be loaded (%.200s); install it (Debian: apt-get install "
                       "libpq5) to use a PostgreSQL database",
                       dlerror());
    for (size_t i = 0; i < sizeof pq_functions / sizeof pq_functions[0]; i++) {
        dlerror();
        void *sym = dlsym(h, pq_functions[i].symbol);
        if (!sym) {
            dlclose(h);
            return wr_fail(err, WR_E_DB,
                           "the libpq found has no %s; install a current libpq (Debian: "
                           "apt-get install libpq5)",
                           pq_functions[i].symbol);
        }
        /* POSIX guarantees a data pointer from dlsym converts to a function pointer. */
        memcpy((char *)&g_pq + pq_functions[i].offset, &sym, sizeof sym);
    }
    /* The handle stays open: libpq is used until the process exits. */
    return 0;
}

const struct libpq *libpq_load(struct wr_error *err)
{
    if (g_state == PQ_NOT_TRIED) {
        wr_error_clear(&g_error);
        g_state = load(&g_error) == 0 ? PQ_LOADED : PQ_FAILED;
    }
    if (g_state == PQ_LOADED)
        return &g_pq;
    wr_fail(err, g_error.code, "%s", g_error.msg);
    return NULL;
}

bool libpq_loaded(void)
{
    return g_state == PQ_LOADED;
}
