/* fuzz_lint.c: the blameless-language check over a postmortem file (`warroom lint FILE`), with
 * the shipped word lists. Findings must point inside the text they came from. */
#include "fuzz.h"
#include "lint.h"

static struct lint_rules *rules;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct wr_error err = {0};
    if (lint_rules_load(WARROOM_DATA_DIR "/blameless.json", &rules, &err) != 0 ||
        lint_rules_add_name(rules, "Ana") != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size); /* files reach lint NUL-terminated */
    if (!text)
        return 0;
    struct lint_report rep = {0};
    lint_feed(rules, text, size, &rep);
    for (size_t i = 0; i < rep.count; i++)
        FUZZ_CHECK(rep.items[i].line >= 1 && rep.items[i].line <= rep.line);
    lint_report_clear(&rep);
    free(text);
    return 0;
}
