#include "util/datetime.h"

#include <stdio.h>
#include <string.h>

static const char *const day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu",
                                        "Fri", "Sat"};
static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May",
                                          "Jun", "Jul", "Aug", "Sep", "Oct",
                                          "Nov", "Dec"};

void dcs_datetime_format(time_t t, char *out)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    /* strftime's %a/%b follow the locale; Docker Cloud's were English. */
    snprintf(out, DCS_DATETIME_LEN, "%s, %02d %s %04d %02d:%02d:%02d +0000",
             day_names[tm.tm_wday], tm.tm_mday, month_names[tm.tm_mon],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

bool dcs_engine_time_parse(const char *s, time_t *t)
{
    struct tm tm = {0};
    int n = 0, oh = 0, om = 0;
    const char *p;
    char sign;

    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
                     &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
        return false;
    p = s + n;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *t = timegm(&tm);
    if (*p == 'Z' && !p[1])
        return true;
    if ((*p != '+' && *p != '-') || sscanf(p + 1, "%2d:%2d", &oh, &om) != 2)
        return false;
    sign = *p;
    *t += (sign == '+' ? -1 : 1) * (oh * 3600 + om * 60);
    return true;
}

bool dcs_datetime_from_engine(const char *s, char *out)
{
    time_t t;

    /* The Engine's zero time means "never". */
    if (!s || !strncmp(s, "0001-01-01", 10) || !dcs_engine_time_parse(s, &t))
        return false;
    dcs_datetime_format(t, out);
    return true;
}

void dcs_engine_time(time_t t, char out[40])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 40, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
