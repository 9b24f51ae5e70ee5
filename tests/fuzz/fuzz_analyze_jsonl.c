/* fuzz_analyze_jsonl.c: log analysis of jsonl input (see fuzz_analyze.h). */
#define FUZZ_ANALYZE_FORMAT ANALYZE_FORMAT_JSONL
#include "fuzz_analyze.h"
