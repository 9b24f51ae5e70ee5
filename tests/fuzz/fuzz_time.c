/* fuzz_time.c: user times (--at, --started, milestones, @TIME on the input line) and the
 * config's durations ("28d", "5m"). */
#include <time.h>

#include "config.h"
#include "fuzz.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("TZ", "America/Argentina/Buenos_Aires", 1); /* a real offset, as the demo's */
    tzset();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (!text)
        return 0;
    struct wr_error err = {0};
    int64_t t = 0;
    if (wr_time_parse(text, FUZZ_NOW, &t, &err) == 0) {
        char iso[32];
        int64_t again = 0;
        /* What we print we can read back: the stored form round-trips exactly. */
        wr_time_iso(t, iso, sizeof iso);
        if (wr_time_parse(iso, FUZZ_NOW, &again, &err) != 0 || again != t) {
            fprintf(stderr, "%s -> %s did not parse back\n", text, iso);
            abort();
        }
    } else {
        FUZZ_CHECK(err.code == WR_E_INPUT && err.msg[0]);
    }
    (void)config_duration_ms(text);
    free(text);
    return 0;
}
