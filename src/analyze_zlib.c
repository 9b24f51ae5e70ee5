/* analyze_zlib.c: find zlib at run time and resolve the inflate functions log analysis uses. */
#include "analyze_zlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ana_zlib g_zlib;
static struct wr_error g_error;
static int g_ok;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void load(void)
{
    static const struct {
        const char *symbol;
        size_t offset;
    } fns[] = {
        {"inflateInit2_", offsetof(struct ana_zlib, inflateInit2_)},
        {"inflate", offsetof(struct ana_zlib, inflate)},
        {"inflateEnd", offsetof(struct ana_zlib, inflateEnd)},
        {"inflateReset", offsetof(struct ana_zlib, inflateReset)},
    };
    const char *name = getenv("WARROOM_LIBZ");
    if (!name || !*name)
        name = "libz.so.1";
    void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        wr_fail(&g_error, WR_E_IO, "gzip logs need zlib, which cannot be loaded (%.200s); install "
                "it (Debian: apt-get install zlib1g) or gunzip the files first", dlerror());
        return;
    }
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        void *sym = dlsym(h, fns[i].symbol);
        if (!sym) {
            wr_fail(&g_error, WR_E_IO, "the zlib found (%s) has no %s; install zlib1g", name,
                    fns[i].symbol);
            dlclose(h);
            return;
        }
        /* POSIX guarantees a data pointer from dlsym converts to a function pointer. */
        memcpy((char *)&g_zlib + fns[i].offset, &sym, sizeof sym);
    }
    g_ok = 1; /* the handle stays open until the process exits */
}

const struct ana_zlib *ana_zlib_get(struct wr_error *err)
{
    pthread_once(&g_once, load);
    if (!g_ok) {
        if (err)
            *err = g_error;
        return NULL;
    }
    return &g_zlib;
}
