/*
 * sd_notify.h - the systemd notification protocol (sd_notify(3)), for
 * `dcswarm serve` under Type=notify (contrib/systemd/dcswarm.service).
 */
#ifndef DCS_SD_NOTIFY_H
#define DCS_SD_NOTIFY_H

/* Send state ("READY=1", "RELOADING=1\nMONOTONIC_USEC=...", "STOPPING=1",
 * "STATUS=...") to $NOTIFY_SOCKET: 1 sent, 0 no socket to tell, a negative
 * errno when it could not be sent (never fatal: the service runs on). */
int dcs_sd_notify(const char *state);

#endif
