/* Each JSON input of translate (create, PATCH, service object, list export,
 * stack body, or detected), chosen by the first byte; the rest is the text. */
#include "fuzz.h"
#include "fuzz_translate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum dcs_input_format formats[] = {
        DCS_INPUT_AUTO, DCS_INPUT_CREATE, DCS_INPUT_PATCH, DCS_INPUT_SERVICE,
        DCS_INPUT_LIST, DCS_INPUT_STACK};
    struct dcs_translate_opts o = {.source = "fuzz.json", .threads = 1};

    if (!size)
        return 0;
    o.format = formats[data[0] % (sizeof(formats) / sizeof(formats[0]))];
    o.stack = data[0] & 0x80 ? "fz" : NULL;
    fuzz_translate((const char *)data + 1, size - 1, &o);
    return 0;
}
