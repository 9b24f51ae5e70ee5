/* fuzz_analyze_alb.c: log analysis of alb input (see fuzz_analyze.h). */
#define FUZZ_ANALYZE_FORMAT ANALYZE_FORMAT_ALB
#include "fuzz_analyze.h"
