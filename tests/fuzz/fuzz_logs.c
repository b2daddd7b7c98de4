/* The engine's log stream decoder (swarm/logs_demux.c): multiplexed frames
 * or raw TTY text (first byte), timestamps and details, cut anywhere. */
#include "fuzz.h"
#include "swarm/stream.h"

static int record(const struct dcs_log_record *rec, void *ctx)
{
    (void)rec;
    ++*(size_t *)ctx;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dcs_logdemux d;
    struct dcs_error err = {0};
    size_t n = 0, cut;

    if (size < 2)
        return 0;
    dcs_logdemux_init(&d, data[0] & 1 ? DCS_LOG_RAW : DCS_LOG_MULTIPLEXED,
                      (data[0] >> 1) & (DCS_LOG_TIMESTAMPS | DCS_LOG_DETAILS), record, &n);
    data += 2;
    size -= 2;
    cut = data[-1] % (size + 1);
    if (!dcs_logdemux_feed(&d, data, cut, &err) &&
        !dcs_logdemux_feed(&d, data + cut, size - cut, &err))
        dcs_logdemux_finish(&d, &err);
    dcs_logdemux_release(&d);
    return 0;
}
