/* The stackfile loader: YAML (anchors, merge keys, tags), interpolation,
 * the stackfile schema and spellings, then every output. */
#include "fuzz.h"
#include "fuzz_translate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dcs_translate_opts o = {.format = DCS_INPUT_STACKFILE, .source = "fuzz.yml",
                                   .stack = "fz", .threads = 1};

    fuzz_translate((const char *)data, size, &o);
    return 0;
}
