/* libcurl.c: find libcurl at run time, resolve the functions warroom uses, initialise it once. */
#include "libcurl.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct libcurl g_curl;
static enum { NOT_TRIED, LOADED, FAILED } g_state;
static struct wr_error g_error; /* the failure, repeated to every later caller */

/* Debian ships the same ABI under two names: the OpenSSL build (what warroom is built and
 * packaged against) and the GnuTLS one that git pulls in; either will do. */
static const char *const default_names[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};

static const struct {
    const char *symbol;
    size_t offset;
} functions[] = {
#define LIBCURL_X_ENTRY(name) {"curl_" #name, offsetof(struct libcurl, name)},
    LIBCURL_FUNCTIONS(LIBCURL_X_ENTRY)
#undef LIBCURL_X_ENTRY
};

static void *open_library(char *why, size_t n)
{
    const char *env = getenv("WARROOM_LIBCURL");
    if (env && *env) {
        void *h = dlopen(env, RTLD_NOW | RTLD_LOCAL);
        if (!h)
            snprintf(why, n, "%s", dlerror());
        return h;
    }
    for (size_t i = 0; i < sizeof default_names / sizeof default_names[0]; i++) {
        void *h = dlopen(default_names[i], RTLD_NOW | RTLD_LOCAL);
        if (h)
            return h;
        if (i == 0) /* the first name's reason is the one worth reading */
            snprintf(why, n, "%s", dlerror());
    }
    return NULL;
}

static int load(struct wr_error *err)
{
    char why[256] = "";
    void *h = open_library(why, sizeof why);
    if (!h)
        return wr_fail(err, WR_E_NETWORK,
                       "libcurl cannot be loaded (%.200s); install it (Debian: apt-get install "
                       "libcurl4) to use HTTP SLI sources and webhooks",
                       why);
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
        dlerror();
        void *sym = dlsym(h, functions[i].symbol);
        if (!sym) {
            dlclose(h);
            return wr_fail(err, WR_E_NETWORK,
                           "the libcurl found has no %s; install libcurl 7.85 or later "
                           "(Debian: apt-get install libcurl4)",
                           functions[i].symbol);
        }
        /* POSIX guarantees a data pointer from dlsym converts to a function pointer. */
        memcpy((char *)&g_curl + functions[i].offset, &sym, sizeof sym);
    }
    const curl_version_info_data *v = g_curl.version_info(CURLVERSION_NOW);
    if (!v || v->version_num < LIBCURL_MIN_VERSION) {
        char have[32];
        snprintf(have, sizeof have, "%s", v && v->version ? v->version : "unknown");
        dlclose(h);
        return wr_fail(err, WR_E_NETWORK,
                       "libcurl %s is too old: warroom needs 7.85 or later; upgrade libcurl4",
                       have);
    }
    if (g_curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return wr_fail(err, WR_E_NETWORK, "libcurl failed to initialise (out of memory?)");
    /* The handle stays open: libcurl is used until the process exits. */
    return 0;
}

const struct libcurl *libcurl_load(struct wr_error *err)
{
    if (g_state == NOT_TRIED) {
        wr_error_clear(&g_error);
        g_state = load(&g_error) == 0 ? LOADED : FAILED;
    }
    if (g_state == LOADED)
        return &g_curl;
    wr_fail(err, g_error.code, "%s", g_error.msg);
    return NULL;
}

bool libcurl_loaded(void) { return g_state == LOADED; }
