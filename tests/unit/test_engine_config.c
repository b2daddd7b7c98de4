/*
 * test_engine_config.c - DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH
 * and the --engine URL, parsed as the docker CLI parses them.  The
 * environment is a table handed in through a fake getenv.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "swarm/engine.h"

/* NULL-terminated name/value pairs the fake getenv answers from. */
static const char *const *fake_env;

static char *fake_getenv(const char *name)
{
    const char *const *e;

    for (e = fake_env; e && e[0]; e += 2) {
        if (!strcmp(e[0], name))
            return (char *)e[1];
    }
    return NULL;
}

static int from_env(struct dcs_engine_config *cfg, const char *url,
                    const char *const *envp, struct dcs_error *err)
{
    fake_env = envp;
    dcs_error_clear(err);
    return dcs_engine_config_from_env(cfg, url, fake_getenv, err);
}

static void test_default_is_unix_socket(void **state)
{
    static const char *const env[] = { NULL };
    struct dcs_engine_config cfg;
    struct dcs_error err;

    (void)state;
    assert_int_equal(from_env(&cfg, NULL, env, &err), DCS_OK);
    assert_string_equal(cfg.host, "unix:///var/run/docker.sock");
    assert_string_equal(cfg.socket_path, "/var/run/docker.sock");
    assert_string_equal(cfg.url, "http://localhost");
    assert_int_equal(cfg.tls, 0);
    assert_int_equal(cfg.connect_timeout_ms, 10000);
    assert_int_equal(cfg.timeout_ms, 60000);
    assert_int_equal(cfg.update_attempts, 40);
}

static void test_unix_paths(void **state)
{
    static const char *const env[] = { "DOCKER_HOST", "unix:///tmp/d/x.sock",
                                       NULL };
    static const char *const empty[] = { "DOCKER_HOST", "unix://", NULL };
    struct dcs_engine_config cfg;
    struct dcs_error err;

    (void)state;
    assert_int_equal(from_env(&cfg, NULL, env, &err), DCS_OK);
    assert_string_equal(cfg.socket_path, "/tmp/d/x.sock");
    assert_string_equal(cfg.host, "unix:///tmp/d/x.sock");
    assert_int_equal(from_env(&cfg, NULL, empty, &err), DCS_OK);
    assert_string_equal(cfg.socket_path, "/var/run/docker.sock");
}

struct tcp_case {
    const char *given;
    const char *host;
    const char *url;
};

static void test_tcp_forms(void **state)
{
    static const struct tcp_case cases[] = {
        { "tcp://10.0.0.5:2376", "tcp://10.0.0.5:2376", "http://10.0.0.5:2376" },
        { "tcp://engine", "tcp://engine:2375", "http://engine:2375" },
        { "tcp://:4243", "tcp://localhost:4243", "http://localhost:4243" },
        { "tcp://", "tcp://localhost:2375", "http://localhost:2375" },
        { "tcp://[::1]:2375", "tcp://[::1]:2375", "http://[::1]:2375" },
        { "tcp://[fe80::1]", "tcp://[fe80::1]:2375", "http://[fe80::1]:2375" },
        { "engine.example:1234", "tcp://engine.example:1234",
          "http://engine.example:1234" },
        { "tcp://h:2375/base/", "tcp://h:2375/base", "http://h:2375/base" },
        { "http://h:80", "http://h:80", "http://h:80" },
    };
    struct dcs_engine_config cfg;
    struct dcs_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *env[] = { "DOCKER_HOST", cases[i].given, NULL };

        assert_int_equal(from_env(&cfg, NULL, env, &err), DCS_OK);
        assert_string_equal(cfg.host, cases[i].host);
        assert_string_equal(cfg.url, cases[i].url);
        assert_string_equal(cfg.socket_path, "");
        assert_int_equal(cfg.tls, 0);
    }
}

static void test_engine_url_wins(void **state)
{
    static const char *const env[] = { "DOCKER_HOST", "tcp://other:2375", NULL };
    struct dcs_engine_config cfg;
    struct dcs_error err;

    (void)state;
    assert_int_equal(from_env(&cfg, "unix:///run/e.sock", env, &err), DCS_OK);
    assert_string_equal(cfg.socket_path, "/run/e.sock");
    /* An empty --engine is no --engine. */
    assert_int_equal(from_env(&cfg, "", env, &err), DCS_OK);
    assert_string_equal(cfg.host, "tcp://other:2375");
}

static void test_tls_from_env(void **state)
{
    static const char *const env[] = {
        "DOCKER_HOST", "tcp://10.1.2.3:2376", "DOCKER_TLS_VERIFY", "1",
        "DOCKER_CERT_PATH", "/certs", "HOME", "/home/u", NULL };
    struct dcs_engine_config cfg;
    struct dcs_error err;

    (void)state;
    assert_int_equal(from_env(&cfg, NULL, env, &err), DCS_OK);
    assert_int_equal(cfg.tls, 1);
    assert_string_equal(cfg.url, "https://10.1.2.3:2376");
    assert_string_equal(cfg.host, "tcp://10.1.2.3:2376");
    assert_string_equal(cfg.ca_file, "/certs/ca.pem");
    assert_string_equal(cfg.cert_file, "/certs/cert.pem");
    assert_string_equal(cfg.key_file, "/certs/key.pem");
}

static void test_tls_verify_any_value(void **state)
{
    /* docker/cli: DOCKER_TLS_VERIFY != "" turns TLS on, "0" included. */
    static const char *const zero[] = {
        "DOCKER_HOST", "tcp://h:2376", "DOCKER_TLS_VERIFY", "0",
        "HOME", "/home/u", NULL };
    static const char *const empty[] = {
        "DOCKER_HOST", "tcp://h:2376", "DOCKER_TLS_VERIFY", "",
        "HOME", "/home/u", NULL };
    struct dcs_engine_config cfg;
    struct dcs_error err;

    (void)state;
    assert_int_equal(from_env(&cfg, NULL, zero, &err), DCS_OK);
    assert_int_equal(cfg.tls, 1);
    assert_string_equal(cfg.ca_file, "/home/u/.docker/ca.pem");
    assert_int_equal(from_env(&cfg, NULL, empty, &err), DCS_OK);
    assert_int_equal(cfg.tls, 0);
}

static void test_tls_cert_dir_fallbacks(void **state)
{
    static const char *const config_dir[] = {
        "DOCKER_TLS_VERIFY", "1", "DOCKER_CONFIG", "/cfg", "HOME", "/home/u",
        NULL };
    static const char *const nothing[] = { "DOCKER_TLS_VERIFY", "1", NULL };
    struct dcs_engine_config cfg;
    struct dcs_error err;

    (void)state;
    assert_int_equal(from_env(&cfg, NULL, config_dir, &err), DCS_OK);
    /* No DOCKER_HOST with TLS: the CLI's tcp://localhost:2376. */
    assert_string_equal(cfg.host, "tcp://localhost:2376");
    assert_string_equal(cfg.url, "https://localhost:2376");
    assert_string_equal(cfg.key_file, "/cfg/key.pem");
    assert_int_equal(from_env(&cfg, NULL, nothing, &err), DCS_ERR);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.text,
                        "TLS is on for 'tcp://localhost:2376' but no "
                        "certificate directory is known (set DOCKER_CERT_PATH)");
}

static void test_tls_ignored_on_unix(void **state)
{
    static const char *const env[] = {
        "DOCKER_HOST", "unix:///x.sock", "DOCKER_TLS_VERIFY", "1", NULL };
    struct dcs_engine_config cfg;
    struct dcs_error err;

    (void)state;
    assert_int_equal(from_env(&cfg, NULL, env, &err), DCS_OK);
    assert_int_equal(cfg.tls, 0);
    assert_string_equal(cfg.ca_file, "");
}

static void test_https_url_means_tls(void **state)
{
    static const char *const env[] = { "DOCKER_CERT_PATH", "/c", NULL };
    struct dcs_engine_config cfg;
    struct dcs_error err;

    (void)state;
    assert_int_equal(from_env(&cfg, "https://e.example", env, &err), DCS_OK);
    assert_int_equal(cfg.tls, 1);
    assert_string_equal(cfg.url, "https://e.example:2376");
    assert_string_equal(cfg.ca_file, "/c/ca.pem");
}

static void test_bad_hosts(void **state)
{
    static const char *const bad[] = {
        "ssh://user@host", "npipe:////./pipe/docker_engine", "fd://3",
        "tcp://h:99999", "tcp://h:abc", "tcp://a:b:c", "tcp://u@h:2375",
        "tcp://h:2375?x=1", "unix://tcp://x", "tcp://[::1", "tcp://h:",
    };
    struct dcs_engine_config cfg;
    struct dcs_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *env[] = { "DOCKER_HOST", bad[i], NULL };

        assert_int_equal(from_env(&cfg, NULL, env, &err), DCS_ERR);
        assert_int_equal(err.status, 400);
        assert_non_null(strstr(err.text, bad[i]));
    }
}

static void test_socket_path_too_long(void **state)
{
    char host[300] = "unix:///";
    const char *env[] = { "DOCKER_HOST", host, NULL };
    struct dcs_engine_config cfg;
    struct dcs_error err;

    (void)state;
    memset(host + 8, 'a', 200);
    host[208] = '\0';
    assert_int_equal(from_env(&cfg, NULL, env, &err), DCS_ERR);
    assert_int_equal(err.status, 400);
    assert_non_null(strstr(err.text, "is longer than 107 bytes"));
}

static void test_missing_tls_files(void **state)
{
    static const char *const env[] = {
        "DOCKER_HOST", "tcp://127.0.0.1:2376", "DOCKER_TLS_VERIFY", "1",
        "DOCKER_CERT_PATH", "/nonexistent-dcswarm-certs", NULL };
    struct dcs_engine_config cfg;
    struct dcs_error err;

    (void)state;
    assert_int_equal(from_env(&cfg, NULL, env, &err), DCS_OK);
    assert_null(dcs_engine_new(&cfg, &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.text,
                        "cannot read the TLS file "
                        "'/nonexistent-dcswarm-certs/ca.pem': no such file or "
                        "directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_is_unix_socket),
        cmocka_unit_test(test_unix_paths),
        cmocka_unit_test(test_tcp_forms),
        cmocka_unit_test(test_engine_url_wins),
        cmocka_unit_test(test_tls_from_env),
        cmocka_unit_test(test_tls_verify_any_value),
        cmocka_unit_test(test_tls_cert_dir_fallbacks),
        cmocka_unit_test(test_tls_ignored_on_unix),
        cmocka_unit_test(test_https_url_means_tls),
        cmocka_unit_test(test_bad_hosts),
        cmocka_unit_test(test_socket_path_too_long),
        cmocka_unit_test(test_missing_tls_files),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
