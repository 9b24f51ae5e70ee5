/* fuzz_template.c: Mustache templates (users add their own; partials include partials). The
 * input is "TEMPLATE\0PARTIAL": {{> p}} loads PARTIAL, {{> self}} the template itself (so the
 * depth limits are exercised), any other name is missing. Byte 0 picks escaping and strictness. */
#include <cjson/cJSON.h>

#include "fuzz.h"
#include "template.h"

struct parts {
    const char *tpl;
    const char *partial;
};

static int load_partial(void *ctx, const char *name, char **text, struct wr_error *err)
{
    const struct parts *p = ctx;
    (void)err;
    const char *src = strcmp(name, "p") == 0 ? p->partial : strcmp(name, "self") == 0 ? p->tpl : NULL;
    if (!src)
        return 1;
    *text = strdup(src);
    return *text ? 0 : -1;
}

static cJSON *context;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* The shape of the real data model (templates/README.md), with text that needs escaping. */
    context = cJSON_Parse(
        "{\"incident\":{\"id\":12,\"title\":\"<b>&\\\"x\\\"</b> *y* _z_\",\"severity\":\"SEV2\","
        "\"phase\":\"RESPOND\",\"services\":[\"loan-api\",\"scoring\"],\"tags\":[]},"
        "\"roles\":[{\"role\":\"ic\",\"name\":\"Ana\"},{\"role\":\"comms\",\"name\":\"Bruno\"}],"
        "\"slis\":[{\"name\":\"success\",\"value\":0.91,\"state\":\"breached\"}],"
        "\"flag\":true,\"none\":false,\"null\":null,\"zero\":0,\"empty\":[],\"obj\":{\"a\":{\"b\":\"c\"}},"
        "\"list\":[1,2,{\"a\":\"b\"},[3,4]],\"lambda\":\"{{flag}}\"}");
    if (!context)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = fuzz_cstr(data + 1, size - 1);
    if (!text)
        return 0;
    size_t tlen = strlen(text);
    struct parts parts = {text, tlen < size - 1 ? text + tlen + 1 : ""};
    struct tpl_options opt = {.escape = (enum tpl_escape)(data[0] % 4),
                              .strict = (data[0] >> 2) & 1,
                              .load_partial = load_partial,
                              .partial_ctx = &parts,
                              /* The cap itself is what stops 2^n nested loops; reaching
                               * TPL_MAX_STEPS takes ~10 s under ASan, which would starve the
                               * fuzzer. The limit path is the same at 100,000. */
                              .max_steps = 100000};
    struct wr_error err = {0};
    char *out = NULL;
    if (tpl_render(text, context, &opt, &out, &err) == 0)
        FUZZ_CHECK(out != NULL);
    else
        FUZZ_CHECK(out == NULL && err.msg[0]);
    free(out);
    free(text);
    return 0;
}
