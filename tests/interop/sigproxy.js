#!/usr/bin/env node
/*
 * A checking HTTP/1.1 proxy in front of kinesalite.  kinesalite never
 * checks signatures, never throttles and never fails part of a PutRecords,
 * so on its own it would accept a sender with a broken signer and would
 * never exercise a sender's retry path.  This proxy adds both:
 *
 * - every request must carry a valid AWS Signature Version 4.  The proxy
 *   rebuilds the request from what arrived (method, path, query, the signed
 *   headers, the body), signs it again with @smithy/signature-v4 using the
 *   known test keys and the region, service and date the client claims, and
 *   compares the signatures.  A mismatch gets 403 InvalidSignatureException,
 *   is counted and logged with the canonical request the proxy expected;
 * - with --throttle P, each record of a PutRecords fails with probability P
 *   with ProvisionedThroughputExceededException, as Kinesis does when a shard
 *   is over its limit: only the other records are forwarded, and the answer
 *   puts the fabricated failures back in their original positions;
 * - with --throttle-request Q, a whole PutRecords is refused with 400
 *   ProvisionedThroughputExceededException with probability Q.
 *
 *   node sigproxy.js --listen-port N --target http://127.0.0.1:PORT
 *        [--port-file F] [--throttle P] [--throttle-request Q] [--seed S]
 *        [--log FILE] [--access-key K] [--secret-key S]
 *
 * GET /__stats answers the counters as JSON (unsigned, never forwarded);
 * they are also printed to stdout on SIGTERM.  Listens on 127.0.0.1 only.
 */
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const { parseArgs } = require('node:util');
const { Sha256 } = require('@aws-crypto/sha256-js');
const {
	SignatureV4,
	getCanonicalHeaders,
	prepareRequest
} = require('@smithy/signature-v4');
const { TEST_ACCESS_KEY, TEST_SECRET_KEY } = require('./lib');

/* Larger than any valid Kinesis or Firehose request, base64 included. */
const MAX_BODY = 10 * 1024 * 1024;
/* What AWS allows between the client's clock and its own. */
const MAX_SKEW_MS = 15 * 60 * 1000;
/* Headers that describe one hop, not the request. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'expect',
    'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection',
    'proxy-authorization', 'proxy-authenticate', 'content-length']);

function usage(msg) {
	if (msg)
		process.stderr.write(`sigproxy.js: ${msg}\n`);
	process.stderr.write('usage: node sigproxy.js --listen-port N ' +
	    '--target http://127.0.0.1:PORT [--port-file F] [--throttle P] ' +
	    '[--throttle-request Q] [--seed S] [--log FILE] ' +
	    '[--access-key K] [--secret-key S]\n');
	process.exit(2);
}

/* mulberry32: small, seedable, good enough to pick records. */
function makeRandom(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/*
 * Parses "AWS4-HMAC-SHA256 Credential=AK/DATE/REGION/SERVICE/aws4_request,
 * SignedHeaders=a;b, Signature=hex".  Returns the parts or a reason string.
 */
function parseAuthorization(value) {
	if (typeof value !== 'string')
		return 'missing Authorization header';
	const m = /^AWS4-HMAC-SHA256 +(.*)$/.exec(value);
	if (m === null)
		return 'Authorization is not AWS4-HMAC-SHA256';
	const parts = {};
	for (const item of m[1].split(',')) {
		const kv = /^\s*([A-Za-z]+)=(.*?)\s*$/.exec(item);
		if (kv === null)
			return `malformed Authorization element "${item}"`;
		parts[kv[1]] = kv[2];
	}
	if (!parts.Credential || !parts.SignedHeaders || !parts.Signature)
		return 'Authorization lacks Credential, SignedHeaders or ' +
		    'Signature';
	const scope = parts.Credential.split('/');
	if (scope.length !== 5 || scope[4] !== 'aws4_request')
		return `malformed credential scope ${parts.Credential}`;
	if (!/^[0-9a-f]{64}$/.test(parts.Signature))
		return 'Signature is not 64 hex digits';
	return {
		accessKey: scope[0],
		date: scope[1],
		region: scope[2],
		service: scope[3],
		signedHeaders: parts.SignedHeaders.split(';'),
		signature: parts.Signature
	};
}

/* "20150830T123600Z" -> Date, or null. */
function parseAmzDate(s) {
	const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
	if (m === null)
		return null;
	const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5],
	    +m[6]));
	return isNaN(d.getTime()) ? null : d;
}

/* Splits a raw query string without turning '+' into a space. */
function parseQuery(qs) {
	const query = {};
	if (!qs)
		return query;
	for (const pair of qs.split('&')) {
		if (pair === '')
			continue;
		const i = pair.indexOf('=');
		const k = decodeURIComponent(i < 0 ? pair : pair.slice(0, i));
		const v = i < 0 ? '' : decodeURIComponent(pair.slice(i + 1));
		if (k in query)
			query[k] = [].concat(query[k], v);
		else
			query[k] = v;
	}
	return query;
}

/*
 * Checks the SigV4 signature of a received request.  req is the Node
 * request, body a Buffer, creds {accessKeyId, secretAccessKey, and
 * sessionToken when the keys are temporary ones}.  Resolves
 * to {ok: true} or {ok: false, reason, canonical}.
 */
async function verifyRequest(req, body, creds, now = new Date()) {
	const auth = parseAuthorization(req.headers.authorization);
	if (typeof auth === 'string')
		return { ok: false, reason: auth };
	if (auth.accessKey !== creds.accessKeyId)
		return { ok: false, reason: 'unknown access key ' +
		    `${auth.accessKey}` };
	/* Temporary keys: the exact token, and signed. */
	if (creds.sessionToken &&
	    (req.headers['x-amz-security-token'] !== creds.sessionToken ||
	    !auth.signedHeaders.includes('x-amz-security-token')))
		return { ok: false, reason: 'missing, wrong or unsigned ' +
		    'X-Amz-Security-Token' };
	const amzDate = req.headers['x-amz-date'];
	const signingDate = parseAmzDate(amzDate);
	if (signingDate === null)
		return { ok: false, reason: 'missing or malformed X-Amz-Date' };
	if (amzDate.slice(0, 8) !== auth.date)
		return { ok: false, reason: `credential scope date ${auth.date}` +
		    ` does not match X-Amz-Date ${amzDate}` };
	if (Math.abs(now - signingDate) > MAX_SKEW_MS)
		return { ok: false, reason: `Signature expired: ${amzDate} is ` +
		    `more than 15 minutes from ${now.toISOString()}` };
	const signed = auth.signedHeaders;
	const sorted = [...signed].sort();
	if (signed.join(';') !== sorted.join(';') ||
	    new Set(signed).size !== signed.length ||
	    signed.some((h) => h !== h.toLowerCase()))
		return { ok: false, reason: 'SignedHeaders not lowercase, ' +
		    'sorted and unique' };
	if (!signed.includes('host'))
		return { ok: false, reason: 'host is not a signed header' };
	if (!signed.includes('x-amz-date'))
		return { ok: false, reason: 'x-amz-date is not a signed header' };
	if (signed.includes('date'))
		return { ok: false, reason: 'signing Date alongside X-Amz-Date ' +
		    'is not supported by this proxy' };

	const bodyHash = crypto.createHash('sha256').update(body)
	    .digest('hex');
	const claimed = req.headers['x-amz-content-sha256'];
	if (claimed !== undefined && claimed !== bodyHash)
		return { ok: false, reason: `x-amz-content-sha256 ${claimed} ` +
		    `is not the body's hash ${bodyHash}` };

	const headers = {};
	for (const name of signed) {
		const values = req.headersDistinct[name];
		if (values === undefined)
			return { ok: false, reason: `signed header ${name} ` +
			    'is not in the request' };
		if (name !== 'x-amz-date' && name !== 'x-amz-security-token')
			headers[name] = values.join(',');
	}
	const q = req.url.indexOf('?');
	const request = {
		method: req.method,
		protocol: 'http:',
		hostname: (req.headers.host || '').replace(/:\d+$/, ''),
		path: q < 0 ? req.url : req.url.slice(0, q),
		query: parseQuery(q < 0 ? '' : req.url.slice(q + 1)),
		headers,
		body
	};
	const credentials = {
		accessKeyId: creds.accessKeyId,
		secretAccessKey: creds.secretAccessKey
	};
	/* The signer signs a token it is given; give it only a signed one. */
	if (signed.includes('x-amz-security-token'))
		credentials.sessionToken = req.headers['x-amz-security-token'];
	const signer = new SignatureV4({
		credentials,
		region: auth.region,
		service: auth.service,
		sha256: Sha256,
		applyChecksum: false,
		uriEscapePath: true
	});
	const options = {
		signingDate,
		signingRegion: auth.region,
		signingService: auth.service,
		signableHeaders: new Set(signed)
	};
	const out = await signer.sign(request, options);
	const m = /SignedHeaders=([^,]*), Signature=([0-9a-f]{64})$/
	    .exec(out.headers.authorization);
	const ok = m !== null && m[1] === signed.join(';') &&
	    crypto.timingSafeEqual(Buffer.from(m[2]),
	    Buffer.from(auth.signature));
	if (ok)
		return { ok: true };

	/* Rebuild what the signer hashed, for whoever debugs the client. */
	const prepared = prepareRequest(request);
	prepared.headers['x-amz-date'] = amzDate;
	if (credentials.sessionToken)
		prepared.headers['x-amz-security-token'] =
		    credentials.sessionToken;
	const canonical = signer.createCanonicalRequest(prepared,
	    getCanonicalHeaders(prepared, undefined, options.signableHeaders),
	    claimed !== undefined ? claimed : bodyHash);
	const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
	const sts = await signer.createStringToSign(amzDate, scope, canonical,
	    'AWS4-HMAC-SHA256');
	return {
		ok: false,
		reason: 'The request signature we calculated does not match ' +
		    'the signature you provided.',
		canonical,
		stringToSign: sts,
		expected: m === null ? null : m[2],
		got: auth.signature
	};
}

function sendAwsError(res, status, type, message) {
	const body = JSON.stringify({ __type: type, message });
	res.writeHead(status, {
		'Content-Type': 'application/x-amz-json-1.1',
		'Content-Length': Buffer.byteLength(body),
		'x-amzn-ErrorType': type,
		'x-amzn-RequestId': crypto.randomUUID()
	});
	res.end(body);
}

function startProxy(opts) {
	const stats = {
		requests: 0,
		verified: 0,
		rejected: 0,
		forwarded: 0,
		upstreamErrors: 0,
		putRecordsRequests: 0,
		recordsSeen: 0,
		recordsThrottled: 0,
		requestsThrottled: 0
	};
	const random = makeRandom(opts.seed);
	const log = opts.log ? fs.createWriteStream(opts.log, { flags: 'a' }) :
	    null;
	const logLine = (s) => {
		if (log !== null)
			log.write(`${new Date().toISOString()} ${s}\n`);
	};
	const target = new URL(opts.target);
	const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

	/* Forwards method/path/headers/body; calls back with status, headers,
	 * body Buffer, or an error. */
	function forward(req, body, cb) {
		const headers = {};
		for (const [k, v] of Object.entries(req.headers))
			if (!HOP_HEADERS.has(k))
				headers[k] = v;
		headers['content-length'] = String(body.length);
		const up = http.request({
			host: target.hostname,
			port: target.port,
			method: req.method,
			path: req.url,
			headers,
			agent
		}, (ures) => {
			const chunks = [];
			ures.on('data', (c) => chunks.push(c));
			ures.on('end', () => cb(null, ures.statusCode,
			    ures.headers, Buffer.concat(chunks)));
			ures.on('error', cb);
		});
		up.setTimeout(30000, () => up.destroy(new Error('upstream ' +
		    'timeout')));
		up.on('error', cb);
		up.end(body);
	}

	function reply(res, status, headers, body) {
		const out = {};
		for (const [k, v] of Object.entries(headers))
			if (!HOP_HEADERS.has(k))
				out[k] = v;
		out['content-length'] = String(body.length);
		res.writeHead(status, out);
		res.end(body);
	}

	/*
	 * PutRecords with record throttling: picks the records to fail,
	 * forwards the rest, and merges the answers in the original order.
	 */
	function putRecords(req, res, body, parsed) {
		const records = parsed.Records;
		stats.putRecordsRequests++;
		stats.recordsSeen += records.length;
		if (opts.throttleRequest > 0 && random() < opts.throttleRequest) {
			stats.requestsThrottled++;
			logLine(`PutRecords ${records.length} records: whole ` +
			    'request throttled');
			return sendAwsError(res, 400,
			    'ProvisionedThroughputExceededException',
			    'Rate exceeded for stream ' +
			    `${parsed.StreamName} under account 000000000000.`);
		}
		const fail = records.map(() => opts.throttle > 0 &&
		    random() < opts.throttle);
		const nfail = fail.filter(Boolean).length;
		stats.recordsThrottled += nfail;
		logLine(`PutRecords ${records.length} records, ${nfail} ` +
		    'throttled');
		const fabricated = () => ({
			ErrorCode: 'ProvisionedThroughputExceededException',
			ErrorMessage: 'Rate exceeded for shard in stream ' +
			    `${parsed.StreamName} under account 000000000000.`
		});
		if (nfail === 0)
			return forwardAndReply(req, res, body);
		if (nfail === records.length) {
			const out = Buffer.from(JSON.stringify({
				FailedRecordCount: nfail,
				Records: records.map(fabricated)
			}));
			return reply(res, 200, {
				'content-type': 'application/x-amz-json-1.1',
				'x-amzn-requestid': crypto.randomUUID()
			}, out);
		}
		const kept = records.filter((r, i) => !fail[i]);
		const newBody = Buffer.from(JSON.stringify({
			...parsed,
			Records: kept
		}));
		forward(req, newBody, (err, status, headers, ubody) => {
			if (err)
				return upstreamFailed(res, err);
			stats.forwarded++;
			let answer;
			try {
				answer = JSON.parse(ubody.toString('utf8'));
			} catch (e) {
				answer = null;
			}
			if (status !== 200 || answer === null ||
			    !Array.isArray(answer.Records) ||
			    answer.Records.length !== kept.length)
				return reply(res, status, headers, ubody);
			let j = 0;
			const merged = records.map((r, i) => fail[i] ?
			    fabricated() : answer.Records[j++]);
			answer.Records = merged;
			answer.FailedRecordCount = merged.filter((r) =>
			    r.ErrorCode !== undefined).length;
			reply(res, 200, headers,
			    Buffer.from(JSON.stringify(answer)));
		});
	}

	function upstreamFailed(res, err) {
		stats.upstreamErrors++;
		logLine(`upstream error: ${err.message}`);
		sendAwsError(res, 500, 'InternalFailure',
		    `proxy could not reach the target: ${err.message}`);
	}

	function forwardAndReply(req, res, body) {
		forward(req, body, (err, status, headers, ubody) => {
			if (err)
				return upstreamFailed(res, err);
			stats.forwarded++;
			reply(res, status, headers, ubody);
		});
	}

	async function handle(req, res, body) {
		stats.requests++;
		const v = await verifyRequest(req, body, opts.creds);
		if (!v.ok) {
			stats.rejected++;
			logLine(`REJECTED ${req.method} ${req.url} ` +
			    `target=${req.headers['x-amz-target']}: ${v.reason}`);
			logLine(`  Authorization: ${req.headers.authorization}`);
			if (v.canonical !== undefined) {
				logLine(`  expected signature ${v.expected}, ` +
				    `got ${v.got}`);
				logLine(`  canonical request:\n${v.canonical}\n` +
				    `  string to sign:\n${v.stringToSign}`);
			}
			return sendAwsError(res, 403, 'InvalidSignatureException',
			    v.reason);
		}
		stats.verified++;
		const op = req.headers['x-amz-target'] || '';
		const type = (req.headers['content-type'] || '').split(';')[0]
		    .trim();
		if (op === 'Kinesis_20131202.PutRecords' &&
		    type === 'application/x-amz-json-1.1') {
			let parsed = null;
			try {
				parsed = JSON.parse(body.toString('utf8'));
			} catch (e) {
				parsed = null;
			}
			if (parsed !== null && Array.isArray(parsed.Records))
				return putRecords(req, res, body, parsed);
		}
		logLine(`${op || req.method + ' ' + req.url} forwarded`);
		forwardAndReply(req, res, body);
	}

	const server = http.createServer((req, res) => {
		if (req.method === 'GET' && req.url === '/__stats') {
			const out = Buffer.from(JSON.stringify(stats) + '\n');
			return reply(res, 200,
			    { 'content-type': 'application/json' }, out);
		}
		const chunks = [];
		let size = 0;
		let tooBig = false;
		req.on('data', (c) => {
			size += c.length;
			if (size > MAX_BODY)
				tooBig = true;
			else
				chunks.push(c);
		});
		req.on('end', () => {
			if (tooBig) {
				stats.requests++;
				return sendAwsError(res, 413,
				    'SerializationException',
				    `request body over ${MAX_BODY} bytes`);
			}
			handle(req, res, Buffer.concat(chunks)).catch((e) => {
				logLine(`internal error: ${e.stack}`);
				if (!res.headersSent)
					sendAwsError(res, 500, 'InternalFailure',
					    String(e.message));
			});
		});
	});
	/* Longer than a sender's idle keep-alive, so the proxy is not the one
	 * to close connections under it in the middle of a test. */
	server.keepAliveTimeout = 120000;
	server.headersTimeout = 130000;
	server.stats = stats;
	server.agent = agent;
	server.closeLog = (cb) => (log === null ? cb() : log.end(cb));
	return server;
}

async function main() {
	let args;
	try {
		args = parseArgs({
			options: {
				'listen-port': { type: 'string', default: '0' },
				target: { type: 'string' },
				'port-file': { type: 'string' },
				throttle: { type: 'string', default: '0' },
				'throttle-request': { type: 'string',
				    default: '0' },
				seed: { type: 'string', default: '1' },
				log: { type: 'string' },
				'access-key': { type: 'string',
				    default: TEST_ACCESS_KEY },
				'secret-key': { type: 'string',
				    default: TEST_SECRET_KEY },
				'session-token': { type: 'string' }
			}
		}).values;
	} catch (e) {
		usage(e.message);
	}
	const port = Number(args['listen-port']);
	if (!Number.isInteger(port) || port < 0 || port > 65535)
		usage(`bad --listen-port ${args['listen-port']}`);
	if (!args.target || !/^http:\/\/127\.0\.0\.1:\d+\/?$/.test(args.target))
		usage('--target must be http://127.0.0.1:PORT');
	const throttle = Number(args.throttle);
	const throttleRequest = Number(args['throttle-request']);
	if (!(throttle >= 0 && throttle <= 1) ||
	    !(throttleRequest >= 0 && throttleRequest <= 1))
		usage('throttle probabilities must be in [0, 1]');
	const seed = Number(args.seed);
	if (!Number.isInteger(seed))
		usage(`bad --seed ${args.seed}`);

	const server = startProxy({
		target: args.target,
		throttle,
		throttleRequest,
		seed,
		log: args.log,
		creds: {
			accessKeyId: args['access-key'],
			secretAccessKey: args['secret-key'],
			sessionToken: args['session-token']
		}
	});
	let stopping = false;
	const stop = (sig) => {
		if (stopping)
			return;
		stopping = true;
		console.log(`sigproxy: ${sig}, stats ` +
		    JSON.stringify(server.stats));
		server.close();
		server.closeAllConnections();
		server.agent.destroy();
		server.closeLog(() => process.exit(0));
		setTimeout(() => process.exit(0), 2000).unref();
	};
	process.on('SIGTERM', () => stop('SIGTERM'));
	process.on('SIGINT', () => stop('SIGINT'));

	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', resolve);
	});
	const actual = server.address().port;
	if (args['port-file']) {
		const tmp = `${args['port-file']}.tmp`;
		fs.writeFileSync(tmp, `${actual}\n`);
		fs.renameSync(tmp, args['port-file']);
	}
	console.log(`sigproxy listening on 127.0.0.1:${actual} -> ` +
	    `${args.target}`);
}

if (require.main === module) {
	main().catch((e) => {
		process.stderr.write(`sigproxy.js: ${e.stack || e}\n`);
		process.exit(1);
	});
}

module.exports = { startProxy, verifyRequest, parseAuthorization };
