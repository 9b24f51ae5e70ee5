/* fuzz_parsers.c: libFuzzer target for the parsers that read files from outside: Mustache
 * templates, SLI replay files, the configuration and the incident import format's time fields.
 * The first byte picks the parser; the rest is its input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "replay.h"
#include "template.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    struct wr_error err = {0};
    switch (data[0] % 4) {
    case 0: {
        /* A template rendered against a small fixed context, strict and not. */
        static const char *ctx = "{\"incident\":{\"title\":\"t<&>\",\"severity\":\"SEV2\"},"
                                 "\"list\":[1,2,{\"a\":\"b\"}],\"flag\":true,\"empty\":[]}";
        cJSON *json = cJSON_Parse(ctx);
        struct tpl_options opt = {.escape = (enum tpl_escape)(size % 4), .strict = size % 2};
        char *out = NULL;
        if (tpl_render(text, json, &opt, &out, &err) == 0 && !out)
            abort(); /* success must produce output */
        free(out);
        cJSON_Delete(json);
        break;
    }
    case 1: {
        struct replay_file *f = NULL;
        if (replay_parse(text, "fuzz.json", &f, &err) == 0 && !f)
            abort();
        replay_free(&f);
        break;
    }
    case 2: {
        struct config *c = NULL;
        if (config_parse(text, "fuzz.json", &c, &err) == 0 && !c)
            abort();
        config_free(&c);
        break;
    }
    case 3: {
        int64_t t;
        if (wr_time_parse(text, 1795255500000, &t, &err) != 0 && err.msg[0] == '\0')
            abort(); /* every refusal explains itself */
        break;
    }
    }
    free(text);
    return 0;
}
