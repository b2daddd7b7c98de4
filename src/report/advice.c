/* advice.c - what an operator should do about each field swarm does not
 * carry exactly: one row per approximate or kept field of the field table
 * (tests/unit/test_report.c checks that none is missing). */
#include <string.h>

#include "report/report.h"

static const struct {
    const char *api;
    const char *advice;
} rows[] = {
    {"nickname", "Nothing to do: only the Docker Cloud API shows it (kept in a label)."},
    {"domainname", "Set the domain in the image or with dns_search; swarm has no domain name."},
    {"mac_address", "Drop it: swarm gives each task its own address on an overlay network."},
    {"cgroup_parent", "Configure the cgroup parent on the nodes' engines (dockerd "
                      "--cgroup-parent) if it matters."},
    {"devices", "Run the service where the device is and reach it another way (a bind "
                "mount of /dev/<device> with the right group), or keep it outside swarm."},
    {"security_opt", "Check the options warned about: apparmor, seccomp and "
                     "no-new-privileges need the nodes' engine defaults."},
    {"sequential_deployment", "Nothing to do for updates (one task at a time); the first "
                              "deployment starts every task at once."},
    {"cpu_shares", "Use a CPU limit or reservation (deploy.resources) if the weight mattered."},
    {"cpuset", "Pin with node placement (tags) instead; swarm cannot pin CPUs."},
    {"memory_swap", "Nothing swarm can enforce: size memory limits to fit without swap."},
    {"linked_to_service", "Check that clients use the link alias or the <ALIAS>_... variables; "
                          "per-container names are now <service>-<n>."},
    {"bindings", "Make sure each host path exists on every node the service may run on, or "
                 "place the service with tags."},
    {"autodestroy", "Remove finished services yourself (docker service rm), or rely on "
                    "swarm's task history limit."},
    {"roles", "Run the service through 'dcswarm serve' so that it gets DOCKERCLOUD_AUTH."},
    {"privileged", "Give the capabilities it needs with cap_add, or run it outside swarm: "
                   "swarm services cannot be privileged."},
    {"deployment_strategy", "Check the spread: swarm spreads tasks across nodes; use tags "
                            "to place them."},
    {"tags", "Label the nodes: docker node update --label-add <tag>=true <node>."},
    {"autoredeploy", "Run the service through 'dcswarm serve' and point your registry's "
                     "notifications at its /_registry/notifications (or call a trigger "
                     "from CI); else docker service update --force <service> on push."},
    {"net", "Check what reached the service by host networking or container links on the "
            "bridge; on swarm it is the stack's overlay network."},
    {"pid", "Run it outside swarm if it needs the host's process namespace."},
};

const char *dcs_report_advice(const char *api)
{
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (!strcmp(rows[i].api, api))
            return rows[i].advice;
    return NULL;
}
