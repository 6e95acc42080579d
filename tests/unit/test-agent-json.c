/* Unit tests of the guest agent's JSON reader (tests/guests/lib/json.c),
 * compiled for the host: the stream splitter (brackets outside strings,
 * 0xFF resets, the length limit, top-level scalars), the syntax check and
 * its QEMU error words, member reading, int64 bounds and QEMU spacing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* the guest's own runtime provides these two; json.c uses them */
size_t str_len(const char *s);
size_t str_copy(char *dst, const char *src, size_t size);
size_t str_len(const char *s)
{
	return strlen(s);
}
size_t str_copy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t k = n < size - 1 ? n : size - 1;

		memcpy(dst, src, k);
		dst[k] = '\0';
	}
	return n < size ? n : (size ? size - 1 : 0);
}

#include "../guests/lib/json.c"


/* Feeds text; collects each complete value as "V:text", strays as "FF",
 * overlong values as "LONG", joined by '|'. */
static char *split(const char *text, size_t len)
{
	static struct json_stream s;
	static char out[4096];
	size_t i, o = 0;

	json_stream_reset(&s);
	out[0] = '\0';
	for (i = 0; i < len; i++) {
		int again;

		do {
			enum json_feed r = json_feed(&s, (uint8_t)text[i], &again);

			if (r == JSON_VALUE)
				o += (size_t)snprintf(out + o, sizeof(out) - o, "V:%s|", s.buf);
			else if (r == JSON_STRAY)
				o += (size_t)snprintf(out + o, sizeof(out) - o, "FF|");
			else if (r == JSON_TOO_LONG)
				o += (size_t)snprintf(out + o, sizeof(out) - o, "LONG|");
		} while (again);
	}
	return out;
}
#define SPLIT(lit) split(lit, sizeof(lit) - 1)

static void test_split_objects(void **state)
{
	(void)state;
	assert_string_equal(SPLIT("{\"a\":1}{\"b\":[1,{\"c\":2}]}"),
			    "V:{\"a\":1}|V:{\"b\":[1,{\"c\":2}]}|");
	/* braces and escaped quotes inside strings do not count */
	assert_string_equal(SPLIT(" \n{\"x\":\"}{\\\"]\"}\t"), "V:{\"x\":\"}{\\\"]\"}|");
	/* nothing until the object closes */
	assert_string_equal(SPLIT("{\"a\":{\"b\":1}"), "");
	assert_string_equal(SPLIT("[1,2] \"s{\""), "V:[1,2]|V:\"s{\"|");
}

static void test_split_stray_and_scalars(void **state)
{
	(void)state;
	/* 0xFF resets a half-read request */
	assert_string_equal(SPLIT("{\"execute\":\"gu\xff{\"a\":1}"), "FF|V:{\"a\":1}|");
	/* a scalar ends at a delimiter, which is then read again */
	assert_string_equal(SPLIT("123 true{\"a\":1}"), "V:123|V:true|V:{\"a\":1}|");
	assert_string_equal(SPLIT("x,"), "V:x|V:,|");
	assert_string_equal(SPLIT("}"), "V:}|");
}

static void test_split_too_long(void **state)
{
	char big[JSON_MAX_TEXT + 64];
	size_t n;

	(void)state;
	n = (size_t)snprintf(big, sizeof(big), "{\"id\":\"");
	memset(big + n, 'a', JSON_MAX_TEXT);
	memcpy(big + n + JSON_MAX_TEXT, "\"}{}", 5);
	assert_string_equal(split(big, strlen(big)), "LONG|V:{}|");
}

static void test_check(void **state)
{
	static const struct { const char *text, *error; } cases[] = {
		{ "{\"execute\":\"guest-ping\",\"arguments\":{\"a\":[1,-2.5e3,true,null]}}", NULL },
		{ "{}", NULL },
		{ "{\"execute\":\"guest-ping\" \"x\"}", "expected separator in dict" },
		{ "{1:2}", "key is not a string in object" },
		{ "{\"a\" 1}", "missing : in object pair" },
		{ "[1 2]", "expected separator in list" },
		{ "{\"a\":}", "expecting value" },
		{ "{\"a\":nope}", "invalid keyword 'nope'" },
		{ "x", "invalid keyword 'x'" },
		{ "{\"a\":01x}", "invalid number" },
		{ "{\"a\":\"\x01\"}", "invalid string" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *e = json_check(cases[i].text, strlen(cases[i].text));

		if (cases[i].error)
			assert_string_equal(e ? e : "(valid)", cases[i].error);
		else
			assert_null(e);
	}
}

static void test_check_nesting(void **state)
{
	char deep[200];

	(void)state;
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_string_equal(json_check(deep, sizeof(deep)), "nesting too deep");
}

struct seen {
	char keys[8][32];
	char vals[8][64];
	int n;
};

static int collect(struct json_view key, struct json_view val, void *ctx)
{
	struct seen *s = ctx;

	snprintf(s->keys[s->n], sizeof(s->keys[0]), "%.*s", (int)key.len, key.p);
	snprintf(s->vals[s->n], sizeof(s->vals[0]), "%.*s", (int)val.len, val.p);
	s->n++;
	return 0;
}

static void test_members(void **state)
{
	const char *obj = "{ \"execute\" : \"guest-sync\", \"arguments\":{\"id\": 5} ,\"id\":[1, \"a\"] }";
	struct json_view v = { obj, strlen(obj) };
	struct seen s = { .n = 0 };
	char buf[16];

	(void)state;
	assert_int_equal(json_each_member(v, collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.keys[0], "\"execute\"");
	assert_string_equal(s.vals[0], "\"guest-sync\"");
	assert_string_equal(s.vals[1], "{\"id\": 5}");
	assert_string_equal(s.vals[2], "[1, \"a\"]");
	assert_true(json_key_is((struct json_view){ "\"id\"", 4 }, "id"));
	assert_false(json_key_is((struct json_view){ "\"idx\"", 5 }, "id"));
	assert_int_equal(json_kind((struct json_view){ "  {", 3 }), '{');
	assert_int_equal(json_string((struct json_view){ "\"a\\\"b\\\\c\\u0041\\u00e9\"", 21 },
				     buf, sizeof(buf)), 1);
	assert_string_equal(buf, "a\"b\\cA?");
	assert_int_equal(json_string((struct json_view){ "12", 2 }, buf, sizeof(buf)), 0);
	/* truncated, still NUL-terminated */
	assert_int_equal(json_string((struct json_view){ "\"abcdefgh\"", 10 }, buf, 4), 1);
	assert_string_equal(buf, "abc");
}

static void test_int64(void **state)
{
#define INT(s) json_is_int64((struct json_view){ s, sizeof(s) - 1 })
	(void)state;
	assert_true(INT("0"));
	assert_true(INT("-5"));
	assert_true(INT("9223372036854775807"));
	assert_true(INT("-9223372036854775808"));
	assert_false(INT("9223372036854775808"));
	assert_false(INT("-9223372036854775809"));
	assert_false(INT("18446744073709551615"));
	assert_false(INT("1.0"));
	assert_false(INT("1e3"));
	assert_false(INT("\"1\""));
	assert_false(INT("-"));
#undef INT
}

static void test_normalize(void **state)
{
	const char *in = "[ 1,{\"a\" :\"x, y: z\" },\t null ]";
	char out[64], small[5];

	(void)state;
	assert_int_equal(json_normalize((struct json_view){ in, strlen(in) }, out, sizeof(out)),
			 strlen("[1, {\"a\": \"x, y: z\"}, null]"));
	assert_string_equal(out, "[1, {\"a\": \"x, y: z\"}, null]");
	json_normalize((struct json_view){ in, strlen(in) }, small, sizeof(small));
	assert_string_equal(small, "[1, ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_objects),
		cmocka_unit_test(test_split_stray_and_scalars),
		cmocka_unit_test(test_split_too_long),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_check_nesting),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_int64),
		cmocka_unit_test(test_normalize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
