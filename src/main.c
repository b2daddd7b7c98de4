/* main.c - dcswarm: Docker Cloud's service API and stackfiles on swarm. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct dcs_cmd *const commands[] = {
    &dcs_cmd_translate,
    &dcs_cmd_apply,
    &dcs_cmd_report,
    &dcs_cmd_fields,
    &dcs_cmd_serve,
    &dcs_cmd_keys,
    &dcs_cmd_health,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
    fprintf(out, "usage: dcswarm <command> [options]\n"
                 "       dcswarm --version | --help\n\n"
                 "Run Docker Cloud services, stackfiles and API clients on "
                 "Docker swarm mode.\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\n'dcswarm <command> --help' describes a command.\n");
}

int main(int argc, char **argv)
{
    /* A peer that goes away (engine, HTTP client) is an error to report,
     * not a reason to die. */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return DCS_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return DCS_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("dcswarm %s (Engine API 1.41)\n", DCS_VERSION);
        return DCS_EXIT_OK;
    }
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(argv[1], commands[i]->name))
            continue;
        if (dcs_wants_help(argc - 1, argv + 1)) {
            fputs(commands[i]->usage, stdout);
            return DCS_EXIT_OK;
        }
        return commands[i]->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "dcswarm: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return DCS_EXIT_USAGE;
}
