/*
 * Tests of sigproxy itself, so that the interop test cannot pass with a
 * proxy that accepts everything: a correctly signed request is forwarded,
 * a request whose body, signature, key or date was tampered with gets 403
 * InvalidSignatureException and never reaches the target.  Then, through
 * the real SDK and kinesalite, record throttling answers failures in the
 * original positions and forwards exactly the other records.
 */
'use strict';

const assert = require('node:assert/strict');
const http = require('node:http');
const { test, before, after } = require('node:test');
const { Sha256 } = require('@aws-crypto/sha256-js');
const { SignatureV4 } = require('@smithy/signature-v4');
const kinesalite = require('kinesalite');
const {
	CreateStreamCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	ListShardsCommand,
	PutRecordsCommand
} = require('@aws-sdk/client-kinesis');
const { startProxy } = require('./sigproxy');
const {
	TEST_ACCESS_KEY,
	TEST_SECRET_KEY,
	makeClient,
	waitActive
} = require('./lib');

const listen = (server) => new Promise((resolve, reject) => {
	server.once('error', reject);
	server.listen(0, '127.0.0.1', () => resolve(server.address().port));
});

/* A target that records what reached it and answers 200 {}. */
let received = [];
const target = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		received.push({ headers: req.headers,
		    body: Buffer.concat(chunks).toString() });
		res.writeHead(200, { 'content-type':
		    'application/x-amz-json-1.1' });
		res.end('{}');
	});
});
let proxy;
let proxyPort;

before(async () => {
	const targetPort = await listen(target);
	proxy = startProxy({
		target: `http://127.0.0.1:${targetPort}`,
		throttle: 0,
		throttleRequest: 0,
		seed: 1,
		creds: { accessKeyId: TEST_ACCESS_KEY,
		    secretAccessKey: TEST_SECRET_KEY }
	});
	proxyPort = await listen(proxy);
});

after(() => {
	proxy.closeAllConnections();
	proxy.close();
	proxy.agent.destroy();
	target.closeAllConnections();
	target.close();
});

/* Signs a Kinesis-style JSON request for the proxy with the given keys. */
async function signed(body, opts = {}) {
	const signer = new SignatureV4({
		credentials: {
			accessKeyId: opts.accessKeyId || TEST_ACCESS_KEY,
			secretAccessKey: opts.secretAccessKey || TEST_SECRET_KEY
		},
		region: 'us-east-1',
		service: 'kinesis',
		sha256: Sha256
	});
	return signer.sign({
		method: 'POST',
		protocol: 'http:',
		hostname: '127.0.0.1',
		port: proxyPort,
		path: '/',
		query: {},
		headers: {
			host: `127.0.0.1:${proxyPort}`,
			'content-type': 'application/x-amz-json-1.1',
			'x-amz-target': 'Kinesis_20131202.ListStreams',
			'content-length': String(Buffer.byteLength(body))
		},
		body
	}, { signingDate: opts.date || new Date() });
}

/* Sends a signed request as is; resolves {status, headers, body}. */
function send(request, body) {
	return new Promise((resolve, reject) => {
		const req = http.request({
			host: '127.0.0.1',
			port: proxyPort,
			method: request.method,
			path: request.path,
			headers: request.headers
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode,
			    headers: res.headers,
			    body: Buffer.concat(chunks).toString() }));
		});
		req.setTimeout(5000, () => req.destroy(new Error('timeout')));
		req.on('error', reject);
		req.end(body);
	});
}

function assertRejected(r) {
	assert.equal(r.status, 403);
	assert.equal(r.headers['x-amzn-errortype'], 'InvalidSignatureException');
	assert.equal(JSON.parse(r.body).__type, 'InvalidSignatureException');
}

test('a correctly signed request is forwarded unchanged', async () => {
	received = [];
	const body = '{"Limit":10}';
	const r = await send(await signed(body), body);
	assert.equal(r.status, 200);
	assert.equal(r.body, '{}');
	assert.equal(received.length, 1);
	assert.equal(received[0].body, body);
	assert.equal(received[0].headers['x-amz-target'],
	    'Kinesis_20131202.ListStreams');
});

test('a tampered body is rejected and not forwarded', async () => {
	received = [];
	const before = proxy.stats.rejected;
	const req = await signed('{"Limit":10}');
	const r = await send(req, '{"Limit":11}');
	assertRejected(r);
	assert.equal(received.length, 0);
	assert.equal(proxy.stats.rejected, before + 1);
});

test('a tampered signature is rejected', async () => {
	received = [];
	const body = '{"Limit":10}';
	const req = await signed(body);
	req.headers.authorization = req.headers.authorization.replace(
	    /Signature=([0-9a-f])/, (m, c) =>
	    `Signature=${c === '0' ? '1' : '0'}`);
	assertRejected(await send(req, body));
	assert.equal(received.length, 0);
});

test('a signed header changed after signing is rejected', async () => {
	received = [];
	const body = '{"Limit":10}';
	const req = await signed(body);
	req.headers['x-amz-target'] = 'Kinesis_20131202.DeleteStream';
	assertRejected(await send(req, body));
	assert.equal(received.length, 0);
});

test('a wrong secret key is rejected', async () => {
	const body = '{}';
	const req = await signed(body, { secretAccessKey: 'not-the-secret' });
	assertRejected(await send(req, body));
});

test('a request signed 20 minutes ago is rejected', async () => {
	const body = '{}';
	const req = await signed(body,
	    { date: new Date(Date.now() - 20 * 60 * 1000) });
	const r = await send(req, body);
	assertRejected(r);
	assert.match(JSON.parse(r.body).message, /expired/);
});

test('an unsigned request is rejected', async () => {
	received = [];
	const r = await send({ method: 'POST', path: '/', headers: {
		'content-type': 'application/x-amz-json-1.1',
		'x-amz-target': 'Kinesis_20131202.ListStreams'
	} }, '{}');
	assertRejected(r);
	assert.equal(received.length, 0);
});

test('throttling fails records in place and forwards the rest',
    async () => {
	const kin = kinesalite({ createStreamMs: 0, deleteStreamMs: 0,
	    updateStreamMs: 0, shardLimit: 10 });
	const kinPort = await listen(kin);
	const tp = startProxy({
		target: `http://127.0.0.1:${kinPort}`,
		throttle: 0.5,
		throttleRequest: 0,
		seed: 7,
		creds: { accessKeyId: TEST_ACCESS_KEY,
		    secretAccessKey: TEST_SECRET_KEY }
	});
	const tpPort = await listen(tp);
	const client = makeClient(`http://127.0.0.1:${tpPort}`,
	    { maxAttempts: 1 });
	try {
		await client.send(new CreateStreamCommand({
			StreamName: 't', ShardCount: 1 }));
		await waitActive(client, 't', 5000);
		const data = Array.from({ length: 40 }, (_, i) =>
		    `record ${i}\n`);
		const r = await client.send(new PutRecordsCommand({
			StreamName: 't',
			Records: data.map((d, i) => ({
				Data: Buffer.from(d),
				PartitionKey: `pk${i}`
			}))
		}));
		assert.equal(r.Records.length, 40);
		const failed = r.Records.filter((x) => x.ErrorCode);
		assert.ok(failed.length > 0 && failed.length < 40,
		    `${failed.length} of 40 failed`);
		assert.equal(r.FailedRecordCount, failed.length);
		for (const x of failed) {
			assert.equal(x.ErrorCode,
			    'ProvisionedThroughputExceededException');
			assert.equal(x.SequenceNumber, undefined);
		}
		assert.equal(tp.stats.recordsThrottled, failed.length);

		/* What kinesalite stored is exactly the records not failed,
		 * in order. */
		const shards = await client.send(new ListShardsCommand({
			StreamName: 't' }));
		const it = await client.send(new GetShardIteratorCommand({
			StreamName: 't',
			ShardId: shards.Shards[0].ShardId,
			ShardIteratorType: 'TRIM_HORIZON'
		}));
		const got = await client.send(new GetRecordsCommand({
			ShardIterator: it.ShardIterator }));
		const stored = got.Records.map((x) =>
		    Buffer.from(x.Data).toString());
		const expected = data.filter((d, i) => !r.Records[i].ErrorCode);
		assert.deepEqual(stored, expected);
		const seqs = r.Records.filter((x) => !x.ErrorCode)
		    .map((x) => x.SequenceNumber);
		assert.deepEqual(got.Records.map((x) => x.SequenceNumber), seqs);
		assert.equal(tp.stats.rejected, 0);
	} finally {
		client.destroy();
		tp.closeAllConnections();
		tp.close();
		tp.agent.destroy();
		await new Promise((resolve) => kin.close(resolve));
	}
});

test('GET /__stats answers the counters', async () => {
	const r = await send({ method: 'GET', path: '/__stats', headers: {} },
	    '');
	assert.equal(r.status, 200);
	const s = JSON.parse(r.body);
	assert.ok(s.requests >= 6);
	assert.ok(s.rejected >= 5);
	assert.ok(s.verified >= 1);
});

/*
 * AWS's own SigV4 test vectors (header signing), so that the verifier is
 * checked against the reference and not only against the signer it uses.
 * Each signed request must verify; the same request with its body or a
 * signed header changed must not.  The vectors are aws-c-auth's, copied
 * in tests/data/sigv4 (see its README).
 */
const fs = require('node:fs');
const path = require('node:path');
const { verifyRequest } = require('./sigproxy');
const VECTORS = path.join(__dirname, '..', 'data', 'sigv4', 'v4');

/* Turns a vector's header-signed-request.txt into what Node would give. */
function vectorRequest(text) {
	const blank = text.indexOf('\n\n');
	const head = blank < 0 ? text : text.slice(0, blank);
	const body = blank < 0 ? '' : text.slice(blank + 2);
	const lines = head.split('\n');
	/* Paths may hold spaces: "GET /example space/ HTTP/1.1". */
	const m = /^(\S+) (.*) HTTP\/1\.1$/.exec(lines[0]);
	const [method, url] = [m[1], m[2]];
	const distinct = {};
	let last = null;
	for (const l of lines.slice(1)) {
		if (/^\s/.test(l) && last !== null) {
			const v = distinct[last];
			v[v.length - 1] += `\n${l}`;
			continue;
		}
		const i = l.indexOf(':');
		last = l.slice(0, i).toLowerCase();
		(distinct[last] = distinct[last] || []).push(l.slice(i + 1));
	}
	const headers = {};
	for (const [k, v] of Object.entries(distinct))
		headers[k] = v.join(', ');
	return { req: { method, url, headers, headersDistinct: distinct },
	    body: Buffer.from(body) };
}

test('AWS SigV4 test vectors verify, and fail once tampered', async () => {
	const creds = { accessKeyId: TEST_ACCESS_KEY,
	    secretAccessKey: TEST_SECRET_KEY };
	const now = new Date('2015-08-30T12:36:00Z');
	let checked = 0;
	for (const name of fs.readdirSync(VECTORS).sort()) {
		const dir = path.join(VECTORS, name);
		const ctx = JSON.parse(fs.readFileSync(path.join(dir,
		    'context.json')));
		/* Unnormalized paths are S3's rule; Kinesis normalizes. */
		if (ctx.normalize === false)
			continue;
		const { req, body } = vectorRequest(fs.readFileSync(
		    path.join(dir, 'header-signed-request.txt'), 'utf8'));
		const v = await verifyRequest(req, body, creds, now);
		assert.ok(v.ok, `${name}: ${v.reason}\n${v.canonical}`);
		const bad = await verifyRequest(req, Buffer.concat([body,
		    Buffer.from('x')]), creds, now);
		assert.equal(bad.ok, false, `${name}: tampered body verified`);
		const req2 = structuredClone(req);
		req2.headersDistinct['x-amz-date'] = ['20150830T123601Z'];
		req2.headers['x-amz-date'] = '20150830T123601Z';
		assert.equal((await verifyRequest(req2, body, creds, now)).ok,
		    false, `${name}: changed date verified`);
		checked++;
	}
	assert.ok(checked >= 20, `only ${checked} vectors checked`);
});
