/*
 * Helpers shared by the interop scripts: the test credentials, a Kinesis
 * client set up for a local HTTP/1.1 endpoint, and waiting for a stream.
 * The SDK speaks HTTP/2 by default, which kinesalite does not understand
 * (every call fails with "Protocol error"), so the client is given the
 * HTTP/1.1 NodeHttpHandler explicitly.
 */
'use strict';

/* Node 20 is what the test machines have; the notice is noise here. */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const { KinesisClient, DescribeStreamSummaryCommand } =
    require('@aws-sdk/client-kinesis');
const { NodeHttpHandler } = require('@smithy/node-http-handler');

/* The documented AWS example keys; never valid anywhere. */
const TEST_ACCESS_KEY = 'AKIDEXAMPLE';
const TEST_SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const TEST_REGION = 'us-east-1';

/*
 * Returns a KinesisClient for endpoint (an http://127.0.0.1:PORT URL).
 * opts may set accessKeyId, secretAccessKey, region and maxAttempts.
 */
function makeClient(endpoint, opts = {}) {
	if (!/^http:\/\/127\.0\.0\.1:\d+\/?$/.test(endpoint))
		throw new Error(`endpoint must be http://127.0.0.1:PORT, ` +
		    `got ${endpoint}`);
	return new KinesisClient({
		endpoint,
		region: opts.region || TEST_REGION,
		credentials: {
			accessKeyId: opts.accessKeyId || TEST_ACCESS_KEY,
			secretAccessKey: opts.secretAccessKey || TEST_SECRET_KEY
		},
		maxAttempts: opts.maxAttempts || 3,
		requestHandler: new NodeHttpHandler({
			connectionTimeout: 5000,
			requestTimeout: 30000
		})
	});
}

/* Resolves once stream is ACTIVE; rejects after timeoutMs. */
async function waitActive(client, stream, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const r = await client.send(new DescribeStreamSummaryCommand({
			StreamName: stream
		}));
		const status = r.StreamDescriptionSummary.StreamStatus;
		if (status === 'ACTIVE')
			return;
		if (Date.now() > deadline)
			throw new Error(`stream ${stream} still ${status} ` +
			    `after ${timeoutMs} ms`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

module.exports = {
	TEST_ACCESS_KEY,
	TEST_SECRET_KEY,
	TEST_REGION,
	makeClient,
	waitActive
};
