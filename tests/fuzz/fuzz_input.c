/* fuzz_input.c: libFuzzer target for the input-line parser; checks the result's invariants. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "input.h"

/* 2026-11-21T10:05:00Z: a fixed now keeps every run reproducible. */
#define FUZZ_NOW ((int64_t)1795255500000)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("TZ", "UTC", 1);
    tzset();
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The parser reads C strings: the line ends at the first NUL, as it would from argv. */
    char *line = malloc(size + 1);
    if (!line)
        return 0;
    memcpy(line, data, size);
    line[size] = '\0';

    struct input_result r;
    struct wr_error err;
    wr_error_clear(&err);
    if (input_parse(line, FUZZ_NOW, &r, &err) == 0) {
        size_t len = strlen(r.text);
        if (len == 0 || len > WR_TEXT_MAX || !wr_utf8_valid(r.text, len))
            abort();
        if (is_blank(r.text[0]) || is_blank(r.text[len - 1]))
            abort();
        if (!kind_typeable(r.kind) || r.at_ms > FUZZ_NOW + 60000)
            abort();
        if (!r.backdated && r.at_ms != FUZZ_NOW)
            abort();
        /* The text is a piece of the line: never invented bytes. */
        if (!strstr(line, r.text))
            abort();
        input_result_clear(&r);
    } else {
        if (err.code != WR_E_INPUT || err.msg[0] == '\0' || r.text != NULL)
            abort();
    }
    free(line);
    return 0;
}
