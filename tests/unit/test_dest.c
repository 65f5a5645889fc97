/*
 * test_dest: request bodies built by dest_kinesis and dest_firehose parse
 * back (jansson) to the stream name and the exact base64 of every record,
 * binary bytes included; responses parse into per-entry results (success,
 * partial failure, wrong entry count, garbage); error descriptions; and
 * the endpoint URL, signing region and Host header derivation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base64.h"
#include "config.h"
#include "dest.h"

#define NRECS	7

/* Records with awkward content: empty, binary, all byte values, quotes. */
static void
make_records(unsigned char **rec, size_t *len)
{
	size_t	i, j;

	for (i = 0; i < NRECS; i++) {
		len[i] = i == 0 ? 0 : i == 1 ? 1 : i == 2 ? 256 :
		    i == 3 ? 2 : i * 1000 + i;
		rec[i] = malloc(len[i] + 1);
		for (j = 0; j < len[i]; j++)
			rec[i][j] = (unsigned char)(i == 2 ? j :
			    (j * 131 + i * 7) & 0xff);
	}
	memcpy(rec[3], "\"\\", 2);
}

static int
is_partition_key(const char *k)
{
	size_t	i = 0, ni = 0, nf = 0;

	while (k[i] >= '0' && k[i] <= '9') {
		i++;
		ni++;
	}
	if (ni < 1 || ni > 6 || (ni > 1 && k[0] == '0') || k[i++] != '.')
		return (0);
	while (k[i] >= '0' && k[i] <= '9') {
		i++;
		nf++;
	}
	return (k[i] == '\0' && nf >= 1 && nf <= 10 &&
	    (nf == 1 || k[i - 1] != '0'));
}

/* The body maximum for ops's default limits. */
static size_t
body_max(const struct dest_ops *ops, const char *stream)
{
	struct dest_limits	l;

	dest_limits(ops, NULL, &l);
	return (dest_body_max(ops, &l, stream));
}

static void
check_body(const struct dest_ops *ops, const char *stream_key)
{
	struct buf		 b;
	unsigned char		*rec[NRECS], *dec;
	size_t			 len[NRECS], i, counted, dlen;
	const char		*stream = "we\"ird\\name\x01\n";
	json_t			*root, *arr, *e, *data, *key;
	json_error_t		 jerr;
	uint64_t		 rng = 42;
	ssize_t			 n;

	make_records(rec, len);
	buf_init(&b, body_max(ops, stream));
	ops->begin(&b, stream);
	for (i = 0; i < NRECS; i++) {
		if (i > 0) {
			dest_body_reserve(&b, 1);
			b.data[b.len++] = ',';
		}
		counted = ops->add(&b, rec[i], len[i], &rng, 0);
		if (ops->key_max == 0)
			assert_int_equal(counted, len[i]);
		else {
			assert_true(counted > len[i]);
			assert_true(counted <= len[i] + ops->key_max);
		}
	}
	ops->finish(&b);
	assert_true(b.len <= b.max);

	root = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &jerr);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root,
	    stream_key)), stream);
	arr = json_object_get(root, "Records");
	assert_true(json_is_array(arr));
	assert_int_equal(json_array_size(arr), NRECS);
	assert_int_equal(json_object_size(root), 2);
	for (i = 0; i < NRECS; i++) {
		e = json_array_get(arr, i);
		data = json_object_get(e, "Data");
		assert_true(json_is_string(data));
		dlen = json_string_length(data);
		assert_int_equal(dlen, base64_encoded_len(len[i]));
		dec = malloc(base64_decoded_len_max(dlen) + 1);
		n = base64_decode(dec, json_string_value(data), dlen);
		assert_int_equal(n, (ssize_t)len[i]);
		assert_memory_equal(dec, rec[i], len[i]);
		free(dec);
		key = json_object_get(e, "PartitionKey");
		if (ops->key_max == 0) {
			assert_null(key);
			assert_int_equal(json_object_size(e), 1);
		} else {
			assert_true(json_is_string(key));
			assert_true(is_partition_key(json_string_value(key)));
			assert_int_equal(json_object_size(e), 2);
		}
		free(rec[i]);
	}
	json_decref(root);
	buf_free(&b);
}

static void
test_kinesis_body(void **state)
{
	(void)state;
	check_body(&dest_kinesis_ops, "StreamName");
}

static void
test_firehose_body(void **state)
{
	(void)state;
	check_body(&dest_firehose_ops, "DeliveryStreamName");
}

/* Partition keys vary and keep the Kinesis Agent's format. */
static void
test_partition_keys(void **state)
{
	struct buf		 b;
	json_t			*root, *arr;
	const char		*k, *prev = NULL;
	uint64_t		 rng = 1;
	size_t			 i, same = 0;

	(void)state;
	buf_init(&b, body_max(&dest_kinesis_ops, "s"));
	dest_kinesis_ops.begin(&b, "s");
	for (i = 0; i < 500; i++) {
		if (i > 0)
			b.data[b.len++] = ',';
		dest_kinesis_ops.add(&b, "x", 1, &rng, 0);
		dest_body_reserve(&b, 1);
	}
	dest_kinesis_ops.finish(&b);
	root = json_loadb(b.data, b.len, 0, NULL);
	assert_non_null(root);
	arr = json_object_get(root, "Records");
	for (i = 0; i < 500; i++) {
		k = json_string_value(json_object_get(json_array_get(arr, i),
		    "PartitionKey"));
		assert_true(is_partition_key(k));
		if (prev != NULL && strcmp(prev, k) == 0)
			same++;
		prev = k;
	}
	assert_true(same < 2);
	/* The same generator gives the same keys (a digit-for-digit check). */
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(arr, 0), "PartitionKey")), "544338.5190514973");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(arr, 1), "PartitionKey")), "628138.3766052125");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(arr, 2), "PartitionKey")), "371363.6835092311");
	json_decref(root);
	buf_free(&b);
}

/* DETERMINISTIC: the key is the MD5 of the record itself, in hex. */
static void
test_partition_keys_deterministic(void **state)
{
	static const struct {
		const char	*data;
		const char	*md5;
	} cases[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a\n", "60b725f10c9c85c70d97880dfe8191b3" },
		{ "a\n", "60b725f10c9c85c70d97880dfe8191b3" },
	};
	struct buf		 b;
	json_t			*root, *arr;
	uint64_t		 rng = 1;
	size_t			 i, counted;

	(void)state;
	buf_init(&b, body_max(&dest_kinesis_ops, "s"));
	dest_kinesis_ops.begin(&b, "s");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (i > 0) {
			dest_body_reserve(&b, 1);
			b.data[b.len++] = ',';
		}
		counted = dest_kinesis_ops.add(&b, cases[i].data,
		    strlen(cases[i].data), &rng, 1);
		assert_int_equal(counted, strlen(cases[i].data) + 32);
	}
	dest_kinesis_ops.finish(&b);
	root = json_loadb(b.data, b.len, 0, NULL);
	assert_non_null(root);
	arr = json_object_get(root, "Records");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(arr, i), "PartitionKey")), cases[i].md5);
	json_decref(root);
	buf_free(&b);
}

/*
 * A batch at its limits fits in dest_body_max: the API's, and configured
 * ones (a request limit below one record still sends that record).
 */
static void
check_body_max(const struct dest_ops *ops, const struct config_flow *fc)
{
	struct dest_limits	 l;
	struct buf		 b;
	unsigned char		*rec;
	size_t			 n, each, total;
	uint64_t		 rng = 5;
	int			 pass;

	dest_limits(ops, fc, &l);
	for (pass = 0; pass < 2; pass++) {
		/* Many small records with worst-case padding, then
		 * few records at the per-record limit. */
		each = pass == 0 ? 1 : l.max_record;
		rec = calloc(1, each);
		buf_init(&b, dest_body_max(ops, &l, "stream"));
		ops->begin(&b, "stream");
		total = 0;
		for (n = 0; n < l.max_records && (n == 0 ||
		    total + each + ops->key_max <= l.max_request_bytes);
		    n++) {
			if (n > 0) {
				dest_body_reserve(&b, 1);
				b.data[b.len++] = ',';
			}
			total += ops->add(&b, rec, each, &rng, 0);
		}
		ops->finish(&b);
		assert_true(b.len <= b.max);
		if (fc == NULL)
			assert_true(n > 1);
		free(rec);
		buf_free(&b);
	}
}

static void
test_body_max(void **state)
{
	struct config_flow	fc;
	size_t			i;

	(void)state;
	for (i = 0; dest_registry[i] != NULL; i++) {
		check_body_max(dest_registry[i], NULL);
		memset(&fc, 0, sizeof fc);
		fc.max_buffer_size_records = 2000;
		fc.max_buffer_size_bytes = 10 * 1024 * 1024;
		fc.max_record_size_bytes = 3 * 1024 * 1024;
		check_body_max(dest_registry[i], &fc);
		fc.max_buffer_size_bytes = 1000;
		check_body_max(dest_registry[i], &fc);
	}
}

/*
 * The limits come from the destination, each replaced by its key when the
 * flow sets it; a record's data leaves room for the longest partition key,
 * and the read buffer is never below the record.
 */
static void
test_limits(void **state)
{
	struct config_flow	fc;
	struct dest_limits	l;

	(void)state;
	dest_limits(&dest_kinesis_ops, NULL, &l);
	assert_int_equal(l.max_records, 500);
	assert_int_equal(l.max_request_bytes, 5242880);
	assert_int_equal(l.max_record_bytes, 1048576);
	assert_int_equal(l.max_record, 1048576 - 32);
	assert_int_equal(l.read_buffer, 5242880);
	memset(&fc, 0, sizeof fc);
	dest_limits(&dest_firehose_ops, &fc, &l);
	assert_int_equal(l.max_records, 500);
	assert_int_equal(l.max_request_bytes, 4194304);
	assert_int_equal(l.max_record_bytes, 1024000);
	assert_int_equal(l.max_record, 1024000);
	assert_int_equal(l.read_buffer, 4194304);

	fc.max_buffer_size_records = 20;
	fc.max_buffer_size_bytes = 10 * 1024 * 1024;
	fc.max_record_size_bytes = 10000;
	dest_limits(&dest_kinesis_ops, &fc, &l);
	assert_int_equal(l.max_records, 20);
	assert_int_equal(l.max_request_bytes, 10 * 1024 * 1024);
	assert_int_equal(l.max_record_bytes, 10000);
	assert_int_equal(l.max_record, 10000 - 32);
	assert_int_equal(l.read_buffer, 5242880);
	fc.max_record_size_bytes = 8 * 1024 * 1024;
	dest_limits(&dest_firehose_ops, &fc, &l);
	assert_int_equal(l.max_record, 8 * 1024 * 1024);
	assert_int_equal(l.read_buffer, 8 * 1024 * 1024);
}

static void
test_parse_success(void **state)
{
	const char	*k = "{\"FailedRecordCount\":0,\"Records\":["
	    "{\"SequenceNumber\":\"1\",\"ShardId\":\"shardId-0\"},"
	    "{\"SequenceNumber\":\"2\",\"ShardId\":\"shardId-1\"},"
	    "{\"SequenceNumber\":\"3\",\"ShardId\":\"shardId-0\"}]}";
	const char	*f = "{\"FailedPutCount\":0,\"Encrypted\":false,"
	    "\"RequestResponses\":[{\"RecordId\":\"a\"},{\"RecordId\":\"b\"}"
	    ",{\"RecordId\":\"c\"}]}";
	struct dest_result	 res;
	uint8_t			 failed[3];
	char			*cause = NULL;

	(void)state;
	memset(failed, 7, sizeof failed);
	assert_int_equal(dest_kinesis_ops.parse(k, strlen(k), 3, failed,
	    &res, &cause), 0);
	assert_int_equal(res.nfailed, 0);
	assert_int_equal(failed[0] + failed[1] + failed[2], 0);
	memset(failed, 7, sizeof failed);
	assert_int_equal(dest_firehose_ops.parse(f, strlen(f), 3, failed,
	    &res, &cause), 0);
	assert_int_equal(res.nfailed, 0);
	assert_int_equal(failed[0] + failed[1] + failed[2], 0);
	/* Each parser wants its own array. */
	assert_int_equal(dest_kinesis_ops.parse(f, strlen(f), 3, failed,
	    &res, &cause), -1);
	assert_non_null(cause);
	free(cause);
}

static void
test_parse_partial(void **state)
{
	/* FailedRecordCount lies (says 0): every entry is walked. */
	const char	*k = "{\"FailedRecordCount\":0,\"Records\":["
	    "{\"SequenceNumber\":\"1\",\"ShardId\":\"shardId-0\"},"
	    "{\"ErrorCode\":\"ProvisionedThroughputExceededException\","
	    "\"ErrorMessage\":\"Rate exceeded for shard shardId-0\"},"
	    "{\"SequenceNumber\":\"3\",\"ShardId\":\"shardId-0\","
	    "\"ErrorCode\":null},"
	    "{\"ErrorCode\":\"InternalFailure\"}]}";
	const char	*f = "{\"FailedPutCount\":1,\"RequestResponses\":["
	    "{\"ErrorCode\":\"ServiceUnavailableException\","
	    "\"ErrorMessage\":\"Slow down.\"},{\"RecordId\":\"b\"}]}";
	struct dest_result	 res;
	uint8_t			 failed[4];
	char			*cause = NULL;

	(void)state;
	assert_int_equal(dest_kinesis_ops.parse(k, strlen(k), 4, failed,
	    &res, &cause), 0);
	assert_int_equal(res.nfailed, 2);
	assert_int_equal(failed[0], 0);
	assert_int_equal(failed[1], 1);
	assert_int_equal(failed[2], 0);
	assert_int_equal(failed[3], 1);
	assert_string_equal(res.code, "ProvisionedThroughputExceededException");
	assert_string_equal(res.message, "Rate exceeded for shard shardId-0");
	/* Each code counted, for status. */
	assert_int_equal(res.ncodes, 2);
	assert_string_equal(res.codes[0].code,
	    "ProvisionedThroughputExceededException");
	assert_int_equal(res.codes[0].n, 1);
	assert_string_equal(res.codes[1].code, "InternalFailure");
	assert_int_equal(res.codes[1].n, 1);

	assert_int_equal(dest_firehose_ops.parse(f, strlen(f), 2, failed,
	    &res, &cause), 0);
	assert_int_equal(res.nfailed, 1);
	assert_int_equal(failed[0], 1);
	assert_int_equal(failed[1], 0);
	assert_string_equal(res.code, "ServiceUnavailableException");
	assert_string_equal(res.message, "Slow down.");
	assert_null(cause);
}

/* More distinct codes than DEST_NCODES: the last slot is "(other)". */
static void
test_parse_codes_overflow(void **state)
{
	char			 body[4096];
	struct dest_result	 res;
	uint8_t			 failed[12];
	char			*cause = NULL;
	size_t			 i, len, total = 0;

	(void)state;
	len = (size_t)snprintf(body, sizeof body, "{\"Records\":[");
	for (i = 0; i < 12; i++)
		len += (size_t)snprintf(body + len, sizeof body - len,
		    "%s{\"ErrorCode\":\"Code%zu\"}", i > 0 ? "," : "", i);
	len += (size_t)snprintf(body + len, sizeof body - len, "]}");
	assert_int_equal(dest_kinesis_ops.parse(body, len, 12, failed, &res,
	    &cause), 0);
	assert_int_equal(res.nfailed, 12);
	assert_int_equal(res.ncodes, DEST_NCODES);
	assert_string_equal(res.codes[DEST_NCODES - 1].code, "(other)");
	for (i = 0; i < res.ncodes; i++)
		total += res.codes[i].n;
	assert_int_equal(total, 12);
}

/*
 * The reference: the jansson parse the streaming one replaced (a tree,
 * duplicate keys refused), to check that both accept and find the same.
 * Returns 0, -1 (refused) or -2 (a number jansson cannot hold, which the
 * streaming parse need not refuse).
 */
static int
ref_parse(const char *body, size_t len, const char *array_key, size_t n,
    uint8_t *failed, size_t *nfailed, char *code, size_t codelen)
{
	json_t		*root, *arr, *e, *c;
	json_error_t	 jerr;
	size_t		 i;
	int		 rv = -1;

	*nfailed = 0;
	code[0] = '\0';
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return (strstr(jerr.text, "too big") != NULL ||
		    strstr(jerr.text, "overflow") != NULL ? -2 : -1);
	if (!json_is_object(root) ||
	    (arr = json_object_get(root, array_key)) == NULL ||
	    !json_is_array(arr) || json_array_size(arr) != n)
		goto out;
	for (i = 0; i < n; i++) {
		e = json_array_get(arr, i);
		if (!json_is_object(e))
			goto out;
		c = json_object_get(e, "ErrorCode");
		failed[i] = c != NULL && !json_is_null(c);
		if (failed[i] && (*nfailed)++ == 0)
			snprintf(code, codelen, "%s", json_is_string(c) ?
			    json_string_value(c) : "(invalid)");
	}
	rv = 0;
out:
	json_decref(root);
	return (rv);
}

/* Both parses agree on body (for n entries). */
static void
check_same(const char *body, size_t len, size_t n)
{
	struct dest_result	 res;
	uint8_t			 f1[8], f2[8];
	size_t			 nf, i;
	char			 code[DEST_CODE_MAX], *cause = NULL;
	int			 r1, r2;

	r2 = ref_parse(body, len, "Records", n, f2, &nf, code, sizeof code);
	r1 = dest_kinesis_ops.parse(body, len, n, f1, &res, &cause);
	if (dest_answer_quick(body, len, "FailedRecordCount", "Records", n)) {
		/*
		 * Taken by the quick look, which does not read the entries:
		 * it may take what the reference refuses, but never hides
		 * an entry that failed.
		 */
		assert_int_equal(r1, 0);
		assert_int_equal(res.nfailed, 0);
		for (i = 0; i < n; i++)
			assert_int_equal(f1[i], 0);
		if (r2 == 0)
			assert_int_equal(nf, 0);
		return;
	}
	if (r2 == -2) {
		free(cause);
		return;
	}
	if (r1 != r2)
		fprintf(stderr, "parses differ (%d, reference %d) on %.*s: "
		    "%s\n", r1, r2, (int)len, body, cause ? cause : "");
	assert_int_equal(r1, r2);
	free(cause);
	if (r1 == -1)
		return;
	assert_int_equal(res.nfailed, nf);
	for (i = 0; i < n; i++)
		assert_int_equal(f1[i], f2[i]);
	if (nf > 0 && strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz()") == strlen(code))
		assert_string_equal(res.code, code);
}

/* A real answer of n entries, as the services write it. */
static size_t
quick_answer(char *body, size_t size, int firehose, size_t n)
{
	size_t	len, i;

	len = (size_t)snprintf(body, size, firehose ?
	    "{\"FailedPutCount\":0,\"Encrypted\":false,\"RequestResponses\":[" :
	    "{\"FailedRecordCount\":0,\"Records\":[");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(body + len, size - len, firehose ?
		    "%s{\"RecordId\":\"Ev7t%04zuQ+/Zaq1ExbE\"}" :
		    "%s{\"SequenceNumber\":\"4959%052zu\","
		    "\"ShardId\":\"shardId-000000000000\"}", i > 0 ? "," : "",
		    i);
	len += (size_t)snprintf(body + len, size - len, "]}");
	return (len);
}

/*
 * An answer that says nothing failed is taken by the quick look when it
 * is compact and carries no key that starts with 'E'; anything else is
 * walked, so a count of 0 that lies, a short answer or a second count is
 * still found.
 */
#define QK	"{\"FailedRecordCount\":0,\"Records\":["

static void
test_parse_quick(void **state)
{
	static const char *walked[] = {
		/* Each is refused by the quick look (2 entries). */
		"{\"FailedRecordCount\":1,\"Records\":[{},{}]}",
		"{\"Records\":[{},{}],\"FailedRecordCount\":0}",
		"{\"X\":1,\"FailedRecordCount\":0,\"Records\":[{},{}]}",
		QK "{}, {}]}",
		QK "{},{\"ErrorCode\":\"X\"}]}",
		QK "{\"a\":1,\"ErrorCode\":\"X\"},{}]}",
		QK "{\"Error\\u0043ode\":\"X\"},{}]}",
		QK "{\"\\u0045rrorCode\":\"X\"},{}]}",
		QK "{\"a\":[1},{}]}",
		QK "{},{}],\"X\":1]}",
		QK "{}]}",
		QK "{},{},{}]}",
		"{\"FailedRecordCount\":0,\"FailedRecordCount\":0,"
		    "\"Records\":[{},{}]}",
		QK "{},{}],\"Records\":[{},{}]}",
		QK "{\"a\":{}},{}]}",
		QK "{\"a\":[]},{}]}",
		"{\"FailedRecordCount\":00,\"Records\":[{},{}]}",
		"{\"FailedRecordCount\":0.0,\"Records\":[{},{}]}",
		"{\"FailedRecordCount\":0,\"X\":{},\"Records\":[{},{}]}",
		QK "{},{}]",
		NULL
	};
	static const char	 digits[] =
	    "0123456789012345678901234567890123456789";
	static char		 body[64 * 1024];
	struct dest_result	 res;
	uint8_t			 failed[500];
	char			*cause = NULL;
	size_t			 len, i, n;

	(void)state;
	/* Real answers, every entry count up to 500 and the tails. */
	for (n = 0; n <= 500; n += (n < 40 ? 1 : 23)) {
		len = quick_answer(body, sizeof body, 0, n);
		assert_true(dest_answer_quick(body, len, "FailedRecordCount",
		    "Records", n));
		assert_false(dest_answer_quick(body, len, "FailedRecordCount",
		    "Records", n + 1));
		len = quick_answer(body, sizeof body, 1, n);
		assert_true(dest_answer_quick(body, len, "FailedPutCount",
		    "RequestResponses", n));
		if (n > 0)
			assert_false(dest_answer_quick(body, len,
			    "FailedPutCount", "RequestResponses", n - 1));
	}
	/* Whitespace around the answer and in its head is fine. */
	len = (size_t)snprintf(body, sizeof body, " {\n \"FailedRecordCount\""
	    " : 0 ,\"Records\":[{},{}]}\r\n");
	assert_true(dest_answer_quick(body, len, "FailedRecordCount",
	    "Records", 2));
	for (i = 0; walked[i] != NULL; i++) {
		assert_false(dest_answer_quick(walked[i], strlen(walked[i]),
		    "FailedRecordCount", "Records", 2));
		/* Again with a long entry last: the fault in a full block. */
		n = (size_t)(strrchr(walked[i], ']') - walked[i]);
		len = (size_t)snprintf(body, sizeof body, "%.*s,{\"SequenceNumber"
		    "\":\"%s%s\"}%s", (int)n, walked[i], digits, digits,
		    walked[i] + n);
		assert_false(dest_answer_quick(body, len, "FailedRecordCount",
		    "Records", 3));
	}
	/*
	 * A count of 0 that lies is found by the walk, wherever the key
	 * falls in the blocks the quick look reads (a third entry after it,
	 * so that a whole block, not the byte loop, reads past the key).
	 */
	for (i = 0; i < 40; i++) {
		len = (size_t)snprintf(body, sizeof body,
		    "{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\""
		    ":\"%.*s\"},{\"ErrorCode\":\"InternalFailure\"},"
		    "{\"SequenceNumber\":\"%s\"}]}", (int)i, digits, digits);
		memset(failed, 7, 3);
		assert_int_equal(dest_kinesis_ops.parse(body, len, 3, failed,
		    &res, &cause), 0);
		assert_int_equal(res.nfailed, 1);
		assert_int_equal(failed[0], 0);
		assert_int_equal(failed[1], 1);
		assert_int_equal(failed[2], 0);
	}
	/* What is needed only: entries the walk would refuse are not read. */
	len = (size_t)snprintf(body, sizeof body, "{\"FailedRecordCount\":0,"
	    "\"Records\":[{\"SequenceNumber\":4x},{}]}");
	memset(failed, 7, 2);
	assert_int_equal(dest_kinesis_ops.parse(body, len, 2, failed, &res,
	    &cause), 0);
	assert_int_equal(failed[0] + failed[1], 0);
	assert_null(cause);
	/* The same, walked: refused. */
	body[21] = '1';
	assert_int_equal(dest_kinesis_ops.parse(body, len, 2, failed, &res,
	    &cause), -1);
	assert_non_null(cause);
	free(cause);
}

static void
test_parse_stream_cases(void **state)
{
	static const char *cases[] = {
		"{\"Records\":[{},{}]}",
		" \r\n\t{ \"Records\" : [ { } , { } ] } \n",
		"{\"Records\":[{\"Error\\u0043ode\":\"X\"},{}]}",
		"{\"Records\":[{\"ErrorCode\":\"X\",\"Error\\u0043ode\":1},"
		    "{}]}",
		"{\"Rec\\u006frds\":[{},{}]}",
		"{\"Records\":[{},{}],\"Rec\\u006frds\":[{},{}]}",
		"{\"Records\":[{\"ErrorCode\":null},{\"ErrorCode\":7}]}",
		"{\"Records\":[{\"ErrorCode\":[]},{\"ErrorCode\":{}}]}",
		"{\"Records\":[{\"x\":[1,2.5e-3,-0,true,false,null,\"\\/\"]},"
		    "{\"y\":{\"a\":{\"b\":[[]]}}}]}",
		"{\"Records\":[{\"x\":\"\\ud83d\\ude00 caf\xc3\xa9\"},{}]}",
		"{\"Records\":[{\"x\":\"\\ud83d\"},{}]}",
		"{\"Records\":[{\"x\":\"\\ude00\"},{}]}",
		"{\"Records\":[{\"x\":\"\xff\"},{}]}",
		"{\"Records\":[{\"x\":\"\xc0\xaf\"},{}]}",
		"{\"Records\":[{\"x\":\"\xed\xa0\x80\"},{}]}",
		"{\"Records\":[{\"x\":\"a\tb\"},{}]}",
		"{\"Records\":[{\"x\":\"\\u0000\"},{}]}",
		"{\"Records\":[{\"x\":01},{}]}",
		"{\"Records\":[{\"x\":1.},{}]}",
		"{\"Records\":[{\"x\":.5},{}]}",
		"{\"Records\":[{\"x\":-},{}]}",
		"{\"Records\":[{\"x\":1e},{}]}",
		"{\"Records\":[{\"x\":tru},{}]}",
		"{\"Records\":[{},{},]}",
		"{\"Records\":[{},{}],}",
		"{\"Records\":[{} {}]}",
		"{\"Records\":[{},{}]}x",
		"{\"Records\":[{},{}]}{}",
		"{\"Records\":[{},{}]",
		"{\"Records\":[{\"a\":1,\"a\":2},{}]}",
		"{\"Records\":[{\"a\":{\"b\":1,\"b\":1}},{}]}",
		"{\"Records\":[[],{}]}",
		"{\"Records\":null}",
		"{\"FailedRecordCount\":0}",
		"{1:2}",
		"\"x\"",
		"null",
		"",
		NULL
	};
	size_t	i;

	(void)state;
	for (i = 0; cases[i] != NULL; i++)
		check_same(cases[i], strlen(cases[i]), 2);
}

/* Random edits of real answers: both parses agree on every one. */
static void
test_parse_stream_fuzz(void **state)
{
	static const char *seeds[] = {
		"{\"FailedRecordCount\":1,\"Records\":[{\"SequenceNumber\":"
		    "\"4959\",\"ShardId\":\"shardId-0\"},{\"ErrorCode\":"
		    "\"ProvisionedThroughputExceededException\",\"ErrorMessage"
		    "\":\"Rate exceeded\"},{\"SequenceNumber\":\"4960\"}]}",
		"{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\":"
		    "\"1\",\"ShardId\":\"s\"},{\"SequenceNumber\":\"2\"},"
		    "{\"SequenceNumber\":\"3\",\"EncryptionType\":\"KMS\"}]}",
		NULL
	};
	static const char alphabet[] = "{}[],:\"\\ 01-.eEtrufalsnRcodE\x80";
	char		 buf[512];
	size_t		 len, k, at, m;
	uint64_t	 rng = 42;
	int		 i, j, edits;

	(void)state;
	for (i = 0; i < 20000; i++) {
		snprintf(buf, sizeof buf, "%s", seeds[i % 2]);
		len = strlen(buf);
		edits = 1 + (int)(rng % 3);
		for (j = 0; j < edits; j++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			at = (size_t)(rng >> 8) % (len + 1);
			switch ((rng >> 40) % 3) {
			case 0:		/* delete a byte */
				if (at < len) {
					memmove(buf + at, buf + at + 1,
					    len - at);
					len--;
				}
				break;
			case 1:		/* insert one */
				if (len + 1 < sizeof buf) {
					memmove(buf + at + 1, buf + at,
					    len - at + 1);
					buf[at] = alphabet[(rng >> 20) %
					    (sizeof alphabet - 1)];
					len++;
				}
				break;
			default:	/* repeat a slice */
				m = (size_t)(rng >> 50) % 24;
				if (at + m <= len && len + m < sizeof buf) {
					memmove(buf + at + m, buf + at,
					    len - at + 1);
					len += m;
				}
				break;
			}
		}
		for (k = 3; k >= 2; k--)
			check_same(buf, len, k);
	}
}

/*
 * Strings long enough for the word-at-a-time scan, with one byte that ends
 * a run (a control character, a quote, an escape, UTF-8, invalid bytes) or
 * does not (space, '~', DEL) at each place of a word and past it.
 */
static void
test_parse_stream_words(void **state)
{
	static const char *bytes[] = {
		"\x01", "\x1f", "\t", " ", "~", "\x7f", "!", "#", "[", "]",
		"\\\\", "\\\"", "\\u0041", "\\x", "\"", "\xc3\xa9", "\xe2\x82",
		"\x80", "\xff", "\xf0\x9f\x98\x80", "\xed\xa0\x80", NULL
	};
	char	body[256], run[64];
	size_t	at, i, len;

	(void)state;
	for (i = 0; bytes[i] != NULL; i++) {
		for (at = 0; at < 24; at++) {
			memset(run, 'a' + (int)(at % 26), sizeof run);
			len = (size_t)snprintf(body, sizeof body,
			    "{\"Records\":[{\"SequenceNumber\":\"%.*s%s%.*s\","
			    "\"ShardId\":\"shardId-000000000000\"},{}]}",
			    (int)at, run, bytes[i], (int)(23 - at), run);
			check_same(body, len, 2);
		}
	}
}

static void
test_classify(void **state)
{
	static const struct {
		long		 status;
		const char	*type;
		const char	*msg;
		enum dest_class	 cls;
	} c[] = {
		{ 0, "", "", DEST_RETRY },
		{ 500, "InternalFailure", "", DEST_RETRY },
		{ 503, "ServiceUnavailable", "", DEST_RETRY },
		{ 502, "", "<html>", DEST_RETRY },
		{ 400, "ThrottlingException", "", DEST_THROTTLED },
		{ 400, "LimitExceededException", "", DEST_THROTTLED },
		{ 400, "KMSThrottlingException", "", DEST_THROTTLED },
		{ 429, "", "", DEST_THROTTLED },
		{ 400, "ExpiredTokenException", "", DEST_EXPIRED },
		{ 403, "ExpiredToken", "", DEST_EXPIRED },
		{ 400, "RequestExpired", "", DEST_SKEWED },
		{ 403, "RequestTimeTooSkewed", "", DEST_SKEWED },
		{ 400, "InvalidSignatureException", "Signature expired: "
		    "20240101T000000Z is now earlier than ...", DEST_SKEWED },
		{ 400, "InvalidSignatureException", "The request signature we "
		    "calculated does not match", DEST_OPERATOR },
		{ 400, "AccessDeniedException", "", DEST_OPERATOR },
		{ 400, "ResourceNotFoundException", "", DEST_OPERATOR },
		{ 400, "UnrecognizedClientException", "", DEST_OPERATOR },
		{ 400, "IncompleteSignatureException", "", DEST_OPERATOR },
		{ 403, "MissingAuthenticationTokenException", "",
		    DEST_OPERATOR },
		{ 400, "KMSDisabledException", "", DEST_OPERATOR },
		{ 400, "KMSNotFoundException", "", DEST_OPERATOR },
		{ 400, "SomethingNew", "", DEST_OPERATOR },
		{ 400, "ValidationException", "", DEST_CONTENT },
		{ 400, "SerializationException", "", DEST_CONTENT },
		{ 400, "InvalidArgumentException", "", DEST_CONTENT },
		{ 413, "", "", DEST_CONTENT },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		if (dest_classify(c[i].status, c[i].type, c[i].msg) !=
		    c[i].cls)
			fprintf(stderr, "case %zu: %ld %s\n", i, c[i].status,
			    c[i].type);
		assert_int_equal(dest_classify(c[i].status, c[i].type,
		    c[i].msg), c[i].cls);
	}
}

static void
test_fix(void **state)
{
	char	buf[512];

	(void)state;
	dest_fix(&dest_kinesis_ops, "AccessDeniedException", "web",
	    "eu-west-1", buf, sizeof buf);
	assert_non_null(strstr(buf, "grant kinesis:PutRecords on "
	    "arn:aws:kinesis:eu-west-1:*:stream/web"));
	dest_fix(&dest_firehose_ops, "AccessDeniedException", "d", "us-east-1",
	    buf, sizeof buf);
	assert_non_null(strstr(buf, "grant firehose:PutRecordBatch on "
	    "arn:aws:firehose:us-east-1:*:deliverystream/d"));
	dest_fix(&dest_kinesis_ops, "ResourceNotFoundException", "web",
	    "eu-west-1", buf, sizeof buf);
	assert_non_null(strstr(buf, "create the stream web in eu-west-1, or "
	    "fix kinesisStream"));
	dest_fix(&dest_kinesis_ops, "KMSDisabledException", "web",
	    "eu-west-1", buf, sizeof buf);
	assert_non_null(strstr(buf, "KMS key"));
	dest_fix(&dest_kinesis_ops, "UnrecognizedClientException", "web",
	    "eu-west-1", buf, sizeof buf);
	assert_non_null(strstr(buf, "check the credentials in use"));
	dest_fix(&dest_kinesis_ops, "UnknownHost", "web", "eu-west-9", buf,
	    sizeof buf);
	assert_non_null(strstr(buf, "check the region, eu-west-9"));
}

static void
test_entry_data(void **state)
{
	struct buf	 b = BUF_INIT(1 << 20);
	uint64_t	 rng = 1;
	char		 out[64];
	size_t		 off;

	(void)state;
	dest_kinesis_ops.begin(&b, "s");
	off = b.len;
	dest_kinesis_ops.add(&b, "hello\nworld", 11, &rng, 0);
	assert_int_equal(dest_entry_data(b.data + off, b.len - off, out), 11);
	assert_memory_equal(out, "hello\nworld", 11);
	assert_int_equal(dest_entry_data("{\"X\":1}", 7, out), -1);
	buf_free(&b);
}

static void
test_parse_bad(void **state)
{
	static const char *bad[] = {
		"",
		"not json",
		"[]",
		"{\"Records\":{}}",
		"{\"Other\":[]}",
		"{\"Records\":[{\"SequenceNumber\":\"1\"}]}",
		"{\"Records\":[{},{},{}]}",			/* 3 of 2 */
		"{\"Records\":[{\"SequenceNumber\":\"1\"},null]}",
		"{\"Records\":[{\"SequenceNumber\":\"1\"},\"x\"]}",
		"{\"Records\":[{},{}],\"Records\":[{},{}]}",
		"{\"Records\":[{},{}]",
		NULL
	};
	struct dest_result	 res;
	uint8_t			 failed[2];
	char			*cause;
	size_t			 i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		cause = NULL;
		assert_int_equal(dest_kinesis_ops.parse(bad[i], strlen(bad[i]),
		    2, failed, &res, &cause), -1);
		assert_non_null(cause);
		free(cause);
	}
}

static void
test_describe_error(void **state)
{
	const char	*b1 = "{\"__type\":\"ResourceNotFoundException\","
	    "\"message\":\"Stream s under account 1 not found.\"}";
	const char	*b2 = "{\"__type\":\"com.amazon.coral.service#"
	    "AccessDeniedException\",\"Message\":\"nope\"}";
	char		 buf[256];

	(void)state;
	dest_describe_error(400, "", b1, strlen(b1), buf, sizeof buf);
	assert_string_equal(buf, "HTTP 400 ResourceNotFoundException: "
	    "Stream s under account 1 not found.");
	dest_describe_error(400, "ExpiredTokenException", b2, strlen(b2), buf,
	    sizeof buf);
	assert_string_equal(buf, "HTTP 400 ExpiredTokenException: nope");
	dest_describe_error(403, "", b2, strlen(b2), buf, sizeof buf);
	assert_string_equal(buf, "HTTP 403 AccessDeniedException: nope");
	dest_describe_error(503, "", "<html>", 6, buf, sizeof buf);
	assert_string_equal(buf, "HTTP 503");
}

static void
check_endpoint(const struct dest_ops *ops, const char *endpoint,
    const char *region, const char *url, const char *host,
    const char *path, const char *want_region)
{
	struct dest_endpoint	 ep;
	char			*cause = NULL;

	assert_int_equal(dest_endpoint_make(&ep, ops, endpoint, region,
	    &cause), 0);
	assert_string_equal(ep.url, url);
	assert_string_equal(ep.host, host);
	assert_string_equal(ep.path, path);
	assert_string_equal(ep.region, want_region);
	dest_endpoint_clear(&ep);
}

static void
test_endpoint(void **state)
{
	const struct dest_ops	*k = &dest_kinesis_ops;
	const struct dest_ops	*f = &dest_firehose_ops;
	struct dest_endpoint	 ep;
	struct config		 cfg;
	char			*cause = NULL, *r;

	(void)state;
	check_endpoint(k, NULL, "us-east-1",
	    "https://kinesis.us-east-1.amazonaws.com/",
	    "kinesis.us-east-1.amazonaws.com", "/", "us-east-1");
	check_endpoint(f, NULL, "eu-west-1",
	    "https://firehose.eu-west-1.amazonaws.com/",
	    "firehose.eu-west-1.amazonaws.com", "/", "eu-west-1");
	check_endpoint(k, NULL, "cn-north-1",
	    "https://kinesis.cn-north-1.amazonaws.com.cn/",
	    "kinesis.cn-north-1.amazonaws.com.cn", "/", "cn-north-1");
	/* Region from the endpoint's host name; ports as libcurl sends. */
	check_endpoint(k, "https://kinesis.ap-south-1.amazonaws.com", NULL,
	    "https://kinesis.ap-south-1.amazonaws.com/",
	    "kinesis.ap-south-1.amazonaws.com", "/", "ap-south-1");
	check_endpoint(k, "https://kinesis.us-west-2.amazonaws.com:443", NULL,
	    "https://kinesis.us-west-2.amazonaws.com:443/",
	    "kinesis.us-west-2.amazonaws.com", "/", "us-west-2");
	check_endpoint(k, "http://127.0.0.1:4567", "us-east-1",
	    "http://127.0.0.1:4567/", "127.0.0.1:4567", "/", "us-east-1");
	check_endpoint(f, "http://localhost:80/", "us-west-1",
	    "http://localhost:80/", "localhost", "/", "us-west-1");
	check_endpoint(f, "https://localhost:80", "us-east-2",
	    "https://localhost:80/", "localhost:80", "/", "us-east-2");
	check_endpoint(k, "http://[::1]:9000", "eu-west-2",
	    "http://[::1]:9000/", "[::1]:9000", "/", "eu-west-2");
	check_endpoint(k, "https://vpce-0ab-cd.kinesis.eu-central-1.vpce."
	    "amazonaws.com", NULL, "https://vpce-0ab-cd.kinesis.eu-central-1."
	    "vpce.amazonaws.com/", "vpce-0ab-cd.kinesis.eu-central-1.vpce."
	    "amazonaws.com", "/", "eu-central-1");
	/* The configured region wins over the host's. */
	check_endpoint(k, "https://kinesis.ap-south-1.amazonaws.com",
	    "eu-north-1", "https://kinesis.ap-south-1.amazonaws.com/",
	    "kinesis.ap-south-1.amazonaws.com", "/", "eu-north-1");

	/*
	 * No region is an error, never us-east-1 (region.c finds it from
	 * the environment before this runs), and the environment is not
	 * read here.
	 */
	setenv("AWS_REGION", "us-west-2", 1);
	memset(&cfg, 0, sizeof cfg);
	assert_int_equal(dest_endpoint_init(&ep, k, &cfg, &cause), -1);
	assert_non_null(strstr(cause, "no region"));
	free(cause);
	cause = NULL;
	cfg.kinesis_endpoint = (char *)"http://127.0.0.1:4567";
	assert_int_equal(dest_endpoint_init(&ep, k, &cfg, &cause), -1);
	assert_non_null(strstr(cause, "no region"));
	free(cause);
	cause = NULL;
	unsetenv("AWS_REGION");
	cfg.firehose_endpoint = (char *)"http://127.0.0.1:1234";
	cfg.firehose_region = (char *)"eu-west-3";
	assert_int_equal(dest_endpoint_init(&ep, f, &cfg, &cause), 0);
	assert_string_equal(ep.url, "http://127.0.0.1:1234/");
	assert_string_equal(ep.host, "127.0.0.1:1234");
	assert_string_equal(ep.region, "eu-west-3");
	dest_endpoint_clear(&ep);

	/* A scheme must be written: libcurl would guess https. */
	assert_int_equal(dest_endpoint_make(&ep, k, "127.0.0.1:4567",
	    "us-east-1", &cause), -1);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	assert_int_equal(dest_endpoint_make(&ep, k, "ftp://example.com", NULL,
	    &cause), -1);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	assert_int_equal(dest_endpoint_make(&ep, k, "http://", NULL, &cause),
	    -1);
	assert_non_null(cause);
	free(cause);

	assert_null(dest_region_from_host("example.com"));
	assert_null(dest_region_from_host("amazonaws.com"));
	assert_null(dest_region_from_host("kinesis.amazonaws.com"));
	r = dest_region_from_host("Kinesis.US-GOV-WEST-1.amazonaws.com.");
	assert_string_equal(r, "us-gov-west-1");
	free(r);
}

static void
test_registry(void **state)
{
	size_t	n;

	(void)state;
	for (n = 0; dest_registry[n] != NULL; n++)
		;
	assert_int_equal(n, 2);
	assert_ptr_equal(dest_find(CONFIG_DEST_KINESIS), &dest_kinesis_ops);
	assert_ptr_equal(dest_find(CONFIG_DEST_FIREHOSE), &dest_firehose_ops);
	assert_string_equal(dest_kinesis_ops.target,
	    "Kinesis_20131202.PutRecords");
	assert_string_equal(dest_firehose_ops.target,
	    "Firehose_20150804.PutRecordBatch");
	assert_int_equal(dest_kinesis_ops.max_request_bytes, 5242880);
	assert_int_equal(dest_firehose_ops.max_record_bytes, 1024000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinesis_body),
		cmocka_unit_test(test_firehose_body),
		cmocka_unit_test(test_partition_keys),
		cmocka_unit_test(test_partition_keys_deterministic),
		cmocka_unit_test(test_body_max),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_parse_success),
		cmocka_unit_test(test_parse_partial),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_codes_overflow),
		cmocka_unit_test(test_parse_quick),
		cmocka_unit_test(test_parse_stream_cases),
		cmocka_unit_test(test_parse_stream_fuzz),
		cmocka_unit_test(test_parse_stream_words),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_fix),
		cmocka_unit_test(test_entry_data),
		cmocka_unit_test(test_describe_error),
		cmocka_unit_test(test_endpoint),
		cmocka_unit_test(test_registry),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
