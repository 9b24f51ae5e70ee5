/* fuzz_prometheus.c: the Prometheus HTTP API response parser (/api/v1/query and query_range
 * bodies come from the network). Byte 0 picks instant or range and the HTTP status. */
#include <math.h>

#include "fuzz.h"
#include "sli_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const long statuses[] = {200, 400, 422, 503};
    bool range = data[0] & 1;
    long http = statuses[(data[0] >> 1) & 3];
    /* Bodies are length-delimited, not NUL-terminated: give the parser exactly the bytes. */
    char *body = malloc(size - 1 ? size - 1 : 1);
    if (!body)
        return 0;
    memcpy(body, data + 1, size - 1);
    struct prom_parsed p;
    char err[SLI_ERROR_MAX] = "";
    if (prom_parse(body, size - 1, http, range, &p, err, sizeof err) == 0) {
        FUZZ_CHECK(memchr(p.warnings, '\0', sizeof p.warnings));
        if (range) {
            FUZZ_CHECK(p.no_data == (p.npoints == 0));
            FUZZ_CHECK(p.npoints == 0 || p.points);
            for (size_t i = 0; i < p.npoints; i++)
                (void)isfinite(p.points[i].t); /* read every point: ASan checks the bounds */
        } else {
            FUZZ_CHECK(p.points == NULL);
        }
        free(p.points);
    } else {
        FUZZ_CHECK(err[0] != '\0'); /* every refusal explains itself */
        FUZZ_CHECK(p.points == NULL && p.npoints == 0);
    }
    free(body);
    return 0;
}
