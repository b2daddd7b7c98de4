/* Unit tests for src/translate/shellwords.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "translate/shellwords.h"

static const struct {
    const char *in;
    const char *argv; /* compact JSON */
} splits[] = {
    {"", "[]"},
    {"   \t\n ", "[]"},
    {"ls", "[\"ls\"]"},
    {"  ls   -la\t/tmp\n", "[\"ls\",\"-la\",\"/tmp\"]"},
    {"''", "[\"\"]"},
    {"\"\"", "[\"\"]"},
    {"a '' b", "[\"a\",\"\",\"b\"]"},
    {"a\"\"b", "[\"ab\"]"},
    {"'a b'  \"c d\"", "[\"a b\",\"c d\"]"},
    {"'it'\\''s'", "[\"it's\"]"},
    {"\"it's\"", "[\"it's\"]"},
    {"'say \"hi\"'", "[\"say \\\"hi\\\"\"]"},
    {"a\\ b", "[\"a b\"]"},
    {"\\'", "[\"'\"]"},
    {"\\\\", "[\"\\\\\"]"},
    {"\\a\\b", "[\"ab\"]"},
    {"a\\\nb", "[\"ab\"]"},
    {"a \\\n b", "[\"a\",\"b\"]"},
    {"'a\\nb'", "[\"a\\\\nb\"]"},
    {"'a\nb'", "[\"a\\nb\"]"},
    {"'\\'", "[\"\\\\\"]"},
    /* inside "...", only \$ \` \" \\ and \newline lose the backslash */
    {"\"\\$x \\` \\\" \\\\ \\a \\n\"", "[\"$x ` \\\" \\\\ \\\\a \\\\n\"]"},
    {"\"a\\\nb\"", "[\"ab\"]"},
    {"\"a\nb\"", "[\"a\\nb\"]"},
    {"\"'\"", "[\"'\"]"},
    /* no expansion, no operators, no comments */
    {"echo $HOME ${X} `id` $(id) *.c ~", "[\"echo\",\"$HOME\",\"${X}\",\"`id`\","
                                         "\"$(id)\",\"*.c\",\"~\"]"},
    {"a;b | c && d > e # f", "[\"a;b\",\"|\",\"c\",\"&&\",\"d\",\">\",\"e\","
                             "\"#\",\"f\"]"},
    {"sh -c 'echo \"$A\" && exit 1'", "[\"sh\",\"-c\",\"echo \\\"$A\\\" && exit 1\"]"},
    {"--opt=\"a b\"'c'd", "[\"--opt=a bcd\"]"},
    {"\xc3\xa9t\xc3\xa9 '\xe2\x82\xac'", "[\"\xc3\xa9t\xc3\xa9\",\"\xe2\x82\xac\"]"},
    {"a\rb", "[\"a\\rb\"]"},
};

static void test_split(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
        struct dcs_error err;
        json_t *argv, *want;

        dcs_error_clear(&err);
        argv = dcs_shell_split(splits[i].in, &err);
        if (!argv)
            fail_msg("%s: unexpected error %s", splits[i].in, err.text);
        want = json_loads(splits[i].argv, 0, NULL);
        assert_non_null(want);
        if (!json_equal(argv, want))
            fail_msg("%s\n  got  %s\n  want %s", splits[i].in,
                     json_dumps(argv, JSON_COMPACT), splits[i].argv);
        json_decref(argv);
        json_decref(want);
    }
}

static const struct {
    const char *in;
    const char *text;
} split_errors[] = {
    {"'abc", "unterminated single quote (opened at character 1)"},
    {"a 'b", "unterminated single quote (opened at character 3)"},
    {"\"abc", "unterminated double quote (opened at character 1)"},
    {"\xc3\xa9 \"x\\\"", "unterminated double quote (opened at character 3)"},
    {"'a' \"b' c", "unterminated double quote (opened at character 5)"},
    {"abc\\", "trailing backslash (at character 4) escapes nothing"},
    {"\"a\" '", "unterminated single quote (opened at character 5)"},
    {"\xff", "invalid UTF-8 in word 1"},
    {"a 'x\xc3'", "invalid UTF-8 in word 2"},
};

static void test_split_errors(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(split_errors) / sizeof(split_errors[0]); i++) {
        struct dcs_error err;
        json_t *argv;

        dcs_error_clear(&err);
        argv = dcs_shell_split(split_errors[i].in, &err);
        if (argv)
            fail_msg("%s: expected an error, got %s", split_errors[i].in,
                     json_dumps(argv, JSON_COMPACT));
        assert_string_equal(err.text, split_errors[i].text);
        assert_string_equal(err.path, "");
        assert_int_equal(err.status, 400);
    }
    /* NULL err is fine; NULL text is "" */
    assert_null(dcs_shell_split("'", NULL));
    {
        json_t *argv = dcs_shell_split(NULL, NULL);
        assert_int_equal(json_array_size(argv), 0);
        json_decref(argv);
    }
}

static const struct {
    const char *argv;
    const char *out;
} joins[] = {
    {"[]", ""},
    {"[\"ls\", \"-la\", \"/tmp\"]", "ls -la /tmp"},
    {"[\"\"]", "''"},
    {"[\"a\", \"\", \"b\"]", "a '' b"},
    {"[\"a b\"]", "'a b'"},
    {"[\"it's\"]", "'it'\\''s'"},
    {"[\"'\"]", "''\\'''"},
    {"[\"$HOME\"]", "'$HOME'"},
    {"[\"a\\nb\"]", "'a\nb'"},
    {"[\"--opt=x,y:z@host%1+2.c/d_e\"]", "--opt=x,y:z@host%1+2.c/d_e"},
    {"[\"sh\", \"-c\", \"echo \\\"$A\\\" && exit 1\"]",
     "sh -c 'echo \"$A\" && exit 1'"},
    {"[\"\xc3\xa9\"]", "'\xc3\xa9'"},
};

static void test_join(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(joins) / sizeof(joins[0]); i++) {
        json_t *argv = json_loads(joins[i].argv, 0, NULL);
        char *out;

        assert_non_null(argv);
        out = dcs_shell_join(argv);
        assert_non_null(out);
        if (strcmp(out, joins[i].out) != 0)
            fail_msg("%s\n  got  %s\n  want %s", joins[i].argv, out, joins[i].out);
        free(out);
        json_decref(argv);
    }
}

static void test_join_rejects(void **state)
{
    json_t *v;

    (void)state;
    assert_null(dcs_shell_join(NULL));
    v = json_string("ls");
    assert_null(dcs_shell_join(v));
    json_decref(v);
    v = json_pack("[s, i]", "ls", 1);
    assert_null(dcs_shell_join(v));
    json_decref(v);
    v = json_array();
    json_array_append_new(v, json_stringn("a\0b", 3));
    assert_null(dcs_shell_join(v));
    json_decref(v);
}

static void round_trip(json_t *argv)
{
    struct dcs_error err;
    char *joined = dcs_shell_join(argv);
    json_t *back;

    assert_non_null(joined);
    back = dcs_shell_split(joined, &err);
    if (!back)
        fail_msg("split(%s): %s", joined, err.text);
    if (!json_equal(argv, back))
        fail_msg("round trip through <%s>\n  got  %s\n  want %s", joined,
                 json_dumps(back, JSON_COMPACT), json_dumps(argv, JSON_COMPACT));
    json_decref(back);
    free(joined);
}

static void test_round_trip_tricky(void **state)
{
    static const char *const words[] = {
        "", " ", "  ", "a b", "'", "''", "\"", "\\", "\\\\", "\\'", "'\\''",
        "\n", "a\nb", "\\\n", "\t", "$", "$HOME", "${X}", "$$", "`id`", "#",
        "*", "~", "a;b", "|", "&", "<>", "!", "\xc3\xa9", "\xe2\x82\xac x",
        "--flag=a b", "-", "--", "=", "it's \"quoted\"", "\r\n",
    };
    json_t *all = json_array();
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        json_t *one = json_pack("[s]", words[i]);
        round_trip(one);
        json_decref(one);
        json_array_append_new(all, json_string(words[i]));
    }
    round_trip(all);
    json_decref(all);
}

/* Many random argv of awkward characters survive join then split. */
static void test_round_trip_random(void **state)
{
    static const char alphabet[] = " \t\n'\"\\$`#;&|<>*?~!ab=-/.,:@%+_\r";
    uint32_t seed = 12345;
    int round;

    (void)state;
    for (round = 0; round < 2000; round++) {
        json_t *argv = json_array();
        size_t words, w;

        seed = seed * 1103515245u + 12345u;
        words = (seed >> 16) % 5;
        for (w = 0; w < words; w++) {
            char word[16];
            size_t len, k;
            seed = seed * 1103515245u + 12345u;
            len = (seed >> 16) % sizeof(word);
            for (k = 0; k < len; k++) {
                seed = seed * 1103515245u + 12345u;
                word[k] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
            }
            word[len] = '\0';
            json_array_append_new(argv, json_string(word));
        }
        round_trip(argv);
        json_decref(argv);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_split_errors),
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_join_rejects),
        cmocka_unit_test(test_round_trip_tricky),
        cmocka_unit_test(test_round_trip_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
