/* analyze_zlib.h: zlib's inflate, loaded at run time the first time a gzip log is read, so
 * commands that never see a gzip file do not map libz at start (tests/cli/startup.sh). */
#ifndef WARROOM_ANALYZE_ZLIB_H
#define WARROOM_ANALYZE_ZLIB_H

#include <zlib.h>

#include "util.h"

struct ana_zlib {
    int (*inflateInit2_)(z_streamp strm, int window_bits, const char *version, int stream_size);
    int (*inflate)(z_streamp strm, int flush);
    int (*inflateEnd)(z_streamp strm);
    int (*inflateReset)(z_streamp strm);
};

/* The loaded functions (thread-safe, loaded once), or NULL with err (WR_E_IO) saying what to
 * install. WARROOM_LIBZ names another library file (tests). */
const struct ana_zlib *ana_zlib_get(struct wr_error *err);

#endif
