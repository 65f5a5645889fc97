/*
 * dest_firehose: Amazon Data Firehose PutRecordBatch.
 *
 * Request and response per the Amazon Data Firehose API Reference,
 * "PutRecordBatch": {"DeliveryStreamName": s, "Records": [{"Data":
 * base64}, ...]} answered by {"FailedPutCount": n, "Encrypted": b,
 * "RequestResponses": [{"RecordId"} or {"ErrorCode", "ErrorMessage"},
 * ...]} in request order.  Limits: 500 records, 1,000 KiB per record,
 * 4 MiB per request; the Kinesis Agent's parser buffer for Firehose is
 * 4 MiB.  These are the defaults of a flow's limits.
 */
#include <string.h>

#include "base64.h"
#include "dest.h"

#define FIREHOSE_ENTRY_HEAD	"{\"Data\":\""
#define FIREHOSE_ENTRY_TAIL	"\"}"
#define FIREHOSE_OVERHEAD						\
	(sizeof FIREHOSE_ENTRY_HEAD - 1 + sizeof FIREHOSE_ENTRY_TAIL - 1)

static void
firehose_begin(struct buf *b, const char *stream)
{
	dest_body_reserve(b, 32);
	memcpy(b->data + b->len, "{\"DeliveryStreamName\":", 22);
	b->len += 22;
	dest_body_json_string(b, stream);
	dest_body_reserve(b, 13);
	memcpy(b->data + b->len, ",\"Records\":[", 12);
	b->len += 12;
}

static size_t
firehose_add(struct buf *b, const void *data, size_t len,
    uint64_t *rng, int deterministic)
{
	char	*o;

	(void)rng;
	(void)deterministic;	/* Firehose has no partition keys */
	dest_body_reserve(b, base64_encoded_len(len) + FIREHOSE_OVERHEAD);
	o = b->data + b->len;
	memcpy(o, FIREHOSE_ENTRY_HEAD, sizeof FIREHOSE_ENTRY_HEAD - 1);
	o += sizeof FIREHOSE_ENTRY_HEAD - 1;
	o += base64_encode(o, data, len);
	memcpy(o, FIREHOSE_ENTRY_TAIL, sizeof FIREHOSE_ENTRY_TAIL - 1);
	o += sizeof FIREHOSE_ENTRY_TAIL - 1;
	b->len = (size_t)(o - b->data);
	return (len);
}

static void
firehose_finish(struct buf *b)
{
	dest_body_reserve(b, 2);
	b->data[b->len++] = ']';
	b->data[b->len++] = '}';
}

static int
firehose_parse(const char *body, size_t len, size_t n, uint8_t *failed,
    struct dest_result *res, char **cause)
{
	return (dest_parse_entries(body, len, "FailedPutCount",
	    "RequestResponses", n, failed, res, cause));
}

const struct dest_ops dest_firehose_ops = {
	.name = "firehose",
	.kind = CONFIG_DEST_FIREHOSE,
	.service = "firehose",
	.target = "Firehose_20150804.PutRecordBatch",
	.api = "PutRecordBatch",
	.max_records = 500,
	.max_record_bytes = 1000 * 1024,
	.max_request_bytes = 4 * 1024 * 1024,
	.read_buffer = 4 * 1024 * 1024,
	.key_max = 0,
	.entry_overhead = FIREHOSE_OVERHEAD,
	.begin = firehose_begin,
	.add = firehose_add,
	.finish = firehose_finish,
	.parse = firehose_parse,
};
