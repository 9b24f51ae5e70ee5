/* fuzz_replay.c: SLI replay files (the demo's feed, recorded series, log-analysis output), then
 * the queries the SLI panels make on what was accepted. */
#include <math.h>

#include "fuzz.h"
#include "replay.h"
#include "slo.h"

static int count_sample(const struct replay_sample *s, void *ctx)
{
    (void)s;
    (*(size_t *)ctx)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (!text)
        return 0;
    struct wr_error err = {0};
    struct replay_file *f = NULL;
    if (replay_parse(text, "fuzz.json", &f, &err) == 0) {
        FUZZ_CHECK(f && f->speed > 0);
        for (size_t i = 0; i < f->count; i++) {
            const struct replay_series *s = &f->series[i];
            FUZZ_CHECK(replay_find(f, s->name) != NULL);
            for (size_t k = 1; k < s->count; k++)
                FUZZ_CHECK(s->samples[k].t_ms > s->samples[k - 1].t_ms); /* documented order */
            if (!s->count)
                continue;
            int64_t first = s->samples[0].t_ms, last = s->samples[s->count - 1].t_ms;
            int64_t before = first > INT64_MIN ? first - 1 : first;
            double v;
            (void)replay_value_at(s, first, &v, NULL);
            (void)replay_value_at(s, last, &v, NULL);
            (void)replay_value_at(s, first / 2 + last / 2, &v, NULL);
            size_t seen = 0;
            FUZZ_CHECK(replay_window(s, before, last, count_sample, &seen) == s->count);
            FUZZ_CHECK(seen == s->count);
            struct slo_sample *ss = NULL;
            struct slo_point *pts = NULL;
            size_t n = 0;
            if (replay_slo_samples(s, before, last, &ss, &n) == 0)
                FUZZ_CHECK(n <= s->count);
            free(ss);
            if (replay_points(s, before, last, &pts, &n) == 0)
                FUZZ_CHECK(n <= s->count);
            free(pts);
        }
        struct replay_clock clk = replay_clock_from(f, FUZZ_NOW, f->speed);
        (void)replay_clock_map(&clk, FUZZ_NOW + 3600 * 1000);
        (void)replay_end_ms(f);
    } else {
        FUZZ_CHECK(!f && err.msg[0]);
    }
    replay_free(&f);
    free(text);
    return 0;
}
