/* fuzz_json_source.c: the generic JSON SLI source: a number found by json_path in an HTTP body.
 * The input is "PATH\nBODY": the path comes from the user's config, the body from the network. */
#include "fuzz.h"
#include "sli_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (!text)
        return 0;
    char *nl = memchr(text, '\n', size);
    const char *path = "value", *body = text;
    size_t len = size;
    if (nl) {
        *nl = '\0';
        path = text;
        body = nl + 1;
        len = size - (size_t)(body - text);
    }
    long http = size % 7 == 0 ? 500 : 200;
    double v = 0;
    char err[SLI_ERROR_MAX] = "";
    if (json_source_parse(body, len, http, "http://fuzz.invalid/", path, &v, err, sizeof err) != 0)
        FUZZ_CHECK(err[0] != '\0');
    else
        FUZZ_CHECK(http < 400);
    free(text);
    return 0;
}
