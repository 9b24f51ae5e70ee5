/* fuzz_severity.c: a user's severity.json merged onto the default policy (data/severity.json),
 * as `warroom sev` and the F2 dialog load it. A refused file must leave the policy unchanged;
 * an accepted one must classify every cell with every set of triggers. */
#include "fuzz.h"
#include "severity.h"

static struct sev_policy base;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct wr_error err = {0};
    if (sev_policy_load(&base, WARROOM_DATA_DIR "/severity.json", NULL, &err) != 0)
        abort(); /* the shipped default must load */
    return 0;
}

static void check_policy(const struct sev_policy *p)
{
    for (int row = 0; row < SEV_ROWS; row++)
        for (int col = 0; col < SEV_COLS; col++)
            for (unsigned t = 0; t <= SEV_TRIGGER_ALL; t++) {
                struct sev_result r;
                FUZZ_CHECK(sev_classify(p, row, col, t, &r) == 0);
                FUZZ_CHECK(r.severity >= 1 && r.severity <= SEV_LEVELS);
                FUZZ_CHECK(r.severity <= r.matrix_severity); /* triggers only escalate */
                FUZZ_CHECK(memchr(r.rationale, '\0', sizeof r.rationale));
            }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (!text)
        return 0;
    struct wr_error err = {0};
    /* Onto the default, as a user override. */
    struct sev_policy p = base;
    if (sev_policy_merge_text(&p, text, "severity.json", true, &err) == 0)
        check_policy(&p);
    else
        FUZZ_CHECK(err.msg[0] && memcmp(&p, &base, sizeof p) == 0);
    /* Alone, as a replacement default that must be complete. */
    struct sev_policy empty, q;
    memset(&empty, 0, sizeof empty);
    q = empty;
    wr_error_clear(&err);
    if (sev_policy_merge_text(&q, text, "severity.json", true, &err) == 0)
        check_policy(&q);
    else
        FUZZ_CHECK(err.msg[0] && memcmp(&q, &empty, sizeof q) == 0);
    free(text);
    return 0;
}
