/*
 * dest_kinesis: Kinesis Data Streams PutRecords.
 *
 * Request and response per the Kinesis Data Streams API Reference,
 * "PutRecords": {"StreamName": s, "Records": [{"Data": base64,
 * "PartitionKey": k}, ...]} answered by {"FailedRecordCount": n,
 * "Records": [{"SequenceNumber", "ShardId"} or {"ErrorCode",
 * "ErrorMessage"}, ...]} in request order.  Limits: 500 records, 1 MiB
 * per record counting its partition key, 5 MiB per request counting keys.
 * The Kinesis Agent's parser buffer for Kinesis is 5 MiB
 * (tailing/KinesisConstants.java).  These are the defaults of a flow's limits.
 *
 * Partition keys are random, in the Kinesis Agent's RANDOM format: Java's
 * "" + ThreadLocalRandom.nextDouble(1000000), a decimal such as
 * "523417.0918274".  They come from xorshift64*, a few nanoseconds each:
 * they only spread records over shards.
 */
#include <string.h>

#include <openssl/evp.h>

#include "base64.h"
#include "dest.h"
#include "log.h"

#define KINESIS_ENTRY_HEAD	"{\"Data\":\""
#define KINESIS_ENTRY_MID	"\",\"PartitionKey\":\""
#define KINESIS_ENTRY_TAIL	"\"}"
/* Six integer digits, a dot, up to ten fraction digits. */
#define KINESIS_KEY_MAX		32	/* an MD5 in hex */
#define KINESIS_OVERHEAD						\
	(sizeof KINESIS_ENTRY_HEAD - 1 + sizeof KINESIS_ENTRY_MID - 1 +	\
	 sizeof KINESIS_ENTRY_TAIL - 1 + KINESIS_KEY_MAX)

static uint64_t
kinesis_random(uint64_t *s)
{
	if (*s == 0)
		*s = 0x9e3779b97f4a7c15ULL;
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 0x2545f4914f6cdd1dULL);
}

/* "00" to "99": two digits per division. */
static const char kinesis_digits[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* Writes a key like "523417.0918274" into key; returns its length. */
static size_t
kinesis_key(char *key, uint64_t *rng)
{
	uint64_t	r = kinesis_random(rng), fp;
	uint32_t	ip;
	char		tmp[10];
	size_t		n, i, k;

	ip = (uint32_t)((r >> 34) % 1000000);
	fp = (r & ((1ULL << 34) - 1)) % 10000000000ULL;
	/* Six digits, then the leading zeros dropped (but one digit kept). */
	for (i = 3; i-- > 0; ip /= 100)
		memcpy(tmp + 2 * i, kinesis_digits + 2 * (ip % 100), 2);
	for (k = 0; k < 5 && tmp[k] == '0'; k++)
		;
	n = 6 - k;
	memcpy(key, tmp + k, n);
	key[n++] = '.';
	for (i = 5; i-- > 0; fp /= 100)
		memcpy(tmp + 2 * i, kinesis_digits + 2 * (fp % 100), 2);
	/* Like Double.toString: no trailing zeros, but at least one digit. */
	for (k = 10; k > 1 && tmp[k - 1] == '0'; k--)
		;
	memcpy(key + n, tmp, k);
	return (n + k);
}

/*
 * DETERMINISTIC: the MD5 of the record, in lower-case hex, so that equal
 * records go to one shard.  The Kinesis Agent hashes its whole read buffer
 * by mistake (data.array() in tailing/KinesisSender.java, the agent's
 * issue #266); sluice hashes the record, as intended.
 */
static size_t
kinesis_key_md5(char *key, const void *data, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;

	if (EVP_Digest(data, len, md, &mdlen, EVP_md5(), NULL) != 1 ||
	    mdlen != 16)
		fatalx("kinesis: MD5 failed");
	for (i = 0; i < mdlen; i++) {
		key[2 * i] = hex[md[i] >> 4];
		key[2 * i + 1] = hex[md[i] & 0xf];
	}
	return (2 * mdlen);
}

static void
kinesis_begin(struct buf *b, const char *stream)
{
	dest_body_reserve(b, 32);
	memcpy(b->data + b->len, "{\"StreamName\":", 14);
	b->len += 14;
	dest_body_json_string(b, stream);
	dest_body_reserve(b, 13);
	memcpy(b->data + b->len, ",\"Records\":[", 12);
	b->len += 12;
}

static size_t
kinesis_add(struct buf *b, const void *data, size_t len, uint64_t *rng,
    int deterministic)
{
	char	key[KINESIS_KEY_MAX], *o;
	size_t	klen;

	if (deterministic)
		klen = kinesis_key_md5(key, data, len);
	else
		klen = kinesis_key(key, rng);
	dest_body_reserve(b, base64_encoded_len(len) + KINESIS_OVERHEAD);
	o = b->data + b->len;
	memcpy(o, KINESIS_ENTRY_HEAD, sizeof KINESIS_ENTRY_HEAD - 1);
	o += sizeof KINESIS_ENTRY_HEAD - 1;
	o += base64_encode(o, data, len);
	memcpy(o, KINESIS_ENTRY_MID, sizeof KINESIS_ENTRY_MID - 1);
	o += sizeof KINESIS_ENTRY_MID - 1;
	memcpy(o, key, klen);
	o += klen;
	memcpy(o, KINESIS_ENTRY_TAIL, sizeof KINESIS_ENTRY_TAIL - 1);
	o += sizeof KINESIS_ENTRY_TAIL - 1;
	b->len = (size_t)(o - b->data);
	return (len + klen);
}

static void
kinesis_finish(struct buf *b)
{
	dest_body_reserve(b, 2);
	b->data[b->len++] = ']';
	b->data[b->len++] = '}';
}

static int
kinesis_parse(const char *body, size_t len, size_t n, uint8_t *failed,
    struct dest_result *res, char **cause)
{
	return (dest_parse_entries(body, len, "FailedRecordCount", "Records",
	    n, failed, res, cause));
}

const struct dest_ops dest_kinesis_ops = {
	.name = "kinesis",
	.kind = CONFIG_DEST_KINESIS,
	.service = "kinesis",
	.target = "Kinesis_20131202.PutRecords",
	.api = "PutRecords",
	.max_records = 500,
	.max_record_bytes = 1024 * 1024,
	.max_request_bytes = 5 * 1024 * 1024,
	.read_buffer = 5 * 1024 * 1024,
	.key_max = KINESIS_KEY_MAX,
	.entry_overhead = KINESIS_OVERHEAD,
	.begin = kinesis_begin,
	.add = kinesis_add,
	.finish = kinesis_finish,
	.parse = kinesis_parse,
};
