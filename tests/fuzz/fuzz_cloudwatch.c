/* fuzz_cloudwatch.c: the CloudWatch GetMetricData response parser (AWS JSON 1.0 from the
 * network). Byte 0 picks the HTTP status and which result ids the SLI asks for. */
#include <math.h>

#include "fuzz.h"
#include "sli_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const long statuses[] = {200, 200, 400, 500};
    long http = statuses[data[0] & 3];
    const char *value_id = NULL, *good_id = NULL, *total_id = NULL;
    switch ((data[0] >> 2) & 3) {
    case 0: break;                                     /* the first result */
    case 1: value_id = "m1"; break;                    /* one named series */
    case 2: good_id = "good"; total_id = "total"; break; /* availability ratio */
    case 3: value_id = "m1"; good_id = "m1"; total_id = "m1"; break; /* ratio of a series to itself */
    }
    char *body = malloc(size - 1 ? size - 1 : 1);
    if (!body)
        return 0;
    memcpy(body, data + 1, size - 1);
    struct prom_parsed p;
    char err[SLI_ERROR_MAX] = "";
    if (cw_parse(body, size - 1, http, value_id, good_id, total_id, &p, err, sizeof err) == 0) {
        FUZZ_CHECK(p.no_data == (p.npoints == 0));
        FUZZ_CHECK(p.npoints == 0 || p.points);
        for (size_t i = 1; i < p.npoints; i++)
            FUZZ_CHECK(!(p.points[i].t < p.points[i - 1].t)); /* sorted by time */
        if (p.npoints) {
            double last = p.points[p.npoints - 1].value;
            FUZZ_CHECK(p.value == last || (isnan(p.value) && isnan(last)));
        } else {
            FUZZ_CHECK(isnan(p.value));
        }
        FUZZ_CHECK(memchr(p.warnings, '\0', sizeof p.warnings));
        free(p.points);
    } else {
        FUZZ_CHECK(err[0] != '\0');
    }
    free(body);
    return 0;
}
