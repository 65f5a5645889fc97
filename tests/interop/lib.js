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
const { spawn } = require('child_process');
const fs = require('fs');

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

/*
 * Spawns bin with args (a fake that writes its port to portfile), adds it
 * to children (killed by the caller at exit), and resolves to the port.
 */
async function startFake(children, bin, args, portfile) {
	const c = spawn(bin, args, { stdio: ['ignore', 'ignore', 'inherit'] });
	children.push(c);
	for (let i = 0; i < 100; i++) {
		try {
			const p = fs.readFileSync(portfile, 'utf8').trim();
			if (p !== '')
				return Number(p);
		} catch (e) { /* not yet */ }
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error(`${bin} did not start`);
}

module.exports = {
	startFake,
	TEST_ACCESS_KEY,
	TEST_SECRET_KEY,
	TEST_REGION,
	makeClient,
	waitActive
};
