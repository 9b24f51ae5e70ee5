/* libcurl.h: libcurl, loaded with dlopen the first time a command needs the network. */
#ifndef WARROOM_LIBCURL_H
#define WARROOM_LIBCURL_H

#include <stdbool.h>

#include <curl/curl.h>

#include "util.h"

/*
 * warroom does not link libcurl: its dependency tree (TLS, Kerberos, LDAP, SSH, ~30 shared
 * libraries) cost more than everything else `warroom log` does. The two modules that talk HTTP
 * (sli_fetch.c, deliver.c) call libcurl through this table instead, loaded once per process.
 * The members are declared with the types of libcurl's own prototypes, so a call through the
 * table is checked exactly like a direct call; a direct call does not link.
 */
#define LIBCURL_FUNCTIONS(X)                                                                   \
    X(global_init)                                                                             \
    X(version_info)                                                                            \
    X(easy_init)                                                                               \
    X(easy_setopt)                                                                             \
    X(easy_getinfo)                                                                            \
    X(easy_cleanup)                                                                            \
    X(easy_strerror)                                                                           \
    X(easy_escape)                                                                             \
    X(free)                                                                                    \
    X(slist_append)                                                                            \
    X(slist_free_all)                                                                          \
    X(multi_init)                                                                              \
    X(multi_setopt)                                                                            \
    X(multi_add_handle)                                                                        \
    X(multi_remove_handle)                                                                     \
    X(multi_cleanup)                                                                           \
    X(multi_info_read)                                                                         \
    X(multi_socket_action)                                                                     \
    X(multi_perform)                                                                           \
    X(multi_poll)

/* The functions warroom uses, named without their curl_ prefix: curl->easy_init(). */
struct libcurl {
#define LIBCURL_X_MEMBER(name) __typeof__(curl_##name) *name;
    LIBCURL_FUNCTIONS(LIBCURL_X_MEMBER)
#undef LIBCURL_X_MEMBER
};

/* The oldest libcurl with everything used (CURLOPT_PROTOCOLS_STR). */
#define LIBCURL_MIN_VERSION 0x075500 /* 7.85.0 */

/*
 * Load libcurl (libcurl.so.4, else the GnuTLS build libcurl-gnutls.so.4; $WARROOM_LIBCURL names
 * another file), resolve every function, check its version and run curl_global_init. Done once:
 * later calls return the same table, or the same error. NULL with err (WR_E_NETWORK) and a
 * one-line message saying what is missing and how to install it.
 */
const struct libcurl *libcurl_load(struct wr_error *err);
/* True once libcurl_load has succeeded in this process (tests count loaded libraries). */
bool libcurl_loaded(void);

#endif
