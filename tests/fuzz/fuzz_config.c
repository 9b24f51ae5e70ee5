/* fuzz_config.c: config.json, read by two parsers: the SLI declarations (config.c) and the
 * comms destinations (comms.c). Both must refuse bad input with a message and leak nothing. */
#include "comms.h"
#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (!text)
        return 0;
    struct wr_error err = {0};
    struct config *c = NULL;
    if (config_parse(text, "fuzz.json", &c, &err) == 0) {
        FUZZ_CHECK(c);
        for (size_t i = 0; i < c->nslis; i++)
            FUZZ_CHECK(config_find_sli(c, c->slis[i].id) != NULL);
    } else {
        FUZZ_CHECK(!c && err.msg[0]);
    }
    config_free(&c);
    wr_error_clear(&err);
    struct comms_config *cc = NULL;
    if (comms_config_parse(text, "fuzz.json", &cc, &err) == 0) {
        FUZZ_CHECK(cc);
        for (size_t i = 0; i < cc->n; i++)
            FUZZ_CHECK(comms_dest_find(cc, cc->dests[i].name) != NULL);
    } else {
        FUZZ_CHECK(!cc && err.msg[0]);
    }
    comms_config_free(&cc);
    free(text);
    return 0;
}
