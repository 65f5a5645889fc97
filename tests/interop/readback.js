#!/usr/bin/env node
/*
 * Reads back every record of a Kinesis stream with the AWS SDK, the way a
 * consumer would: ListShards, GetShardIterator TRIM_HORIZON on each shard,
 * then GetRecords until the shard is drained.  Each record's Data is
 * written as one base64 line (or, with --decode, as UTF-8 text) to FILE or
 * stdout.
 *
 *   node readback.js --endpoint http://127.0.0.1:PORT --stream NAME
 *        [--out FILE] [--expect N] [--timeout-ms T] [--decode]
 *        [--deaggregate]
 *
 * Without --expect, one pass: stops when every shard is drained.  With
 * --expect N, keeps polling until N distinct Data values were seen (so that
 * duplicates, which at-least-once delivery allows, do not end it early) or
 * the timeout passes.  With --deaggregate, a record in the KPL aggregated
 * format is checked (MD5) and replaced by the user records it holds, read
 * with Amazon's own aws-kinesis-agg; other records pass unchanged.  An
 * aggregated record that does not decode is an error (exit 1).  Exit status: 0 on success, 1 if --expect was not
 * reached in time, 2 on usage errors.  A summary goes to stderr.
 */
'use strict';

const fs = require('node:fs');
const { parseArgs } = require('node:util');
const {
	GetRecordsCommand,
	GetShardIteratorCommand,
	ListShardsCommand
} = require('@aws-sdk/client-kinesis');
const agg = require('aws-kinesis-agg');
const { makeClient } = require('./lib');

/* The first bytes of a KPL aggregated record. */
const KPL_MAGIC = Buffer.from('f3899ac2', 'hex');

/* The largest Limit GetRecords accepts. */
const GET_LIMIT = 10000;
const POLL_MS = 200;

function usage(msg) {
	if (msg)
		process.stderr.write(`readback.js: ${msg}\n`);
	process.stderr.write('usage: node readback.js --endpoint ' +
	    'http://127.0.0.1:PORT --stream NAME [--out FILE] [--expect N] ' +
	    '[--timeout-ms T] [--decode] [--deaggregate]\n');
	process.exit(2);
}

async function listShards(client, stream) {
	const shards = [];
	let token;
	do {
		const r = await client.send(new ListShardsCommand(token ?
		    { NextToken: token } : { StreamName: stream }));
		shards.push(...r.Shards);
		token = r.NextToken;
	} while (token);
	return shards;
}

async function main() {
	let args;
	try {
		args = parseArgs({
			options: {
				endpoint: { type: 'string' },
				stream: { type: 'string' },
				out: { type: 'string' },
				expect: { type: 'string' },
				'timeout-ms': { type: 'string', default: '60000' },
				decode: { type: 'boolean', default: false },
				deaggregate: { type: 'boolean', default: false }
			}
		}).values;
	} catch (e) {
		usage(e.message);
	}
	if (!args.endpoint || !args.stream)
		usage('--endpoint and --stream are required');
	const expect = args.expect === undefined ? null : Number(args.expect);
	if (expect !== null && !(Number.isInteger(expect) && expect >= 0))
		usage(`bad --expect ${args.expect}`);
	const timeoutMs = Number(args['timeout-ms']);
	if (!(Number.isInteger(timeoutMs) && timeoutMs > 0))
		usage(`bad --timeout-ms ${args['timeout-ms']}`);

	const deadline = Date.now() + timeoutMs;
	const client = makeClient(args.endpoint);
	const out = args.out ? fs.createWriteStream(args.out) : process.stdout;
	const seen = new Set();
	let total = 0;
	let aggregated = 0;

	const emit = (data) => {
		const buf = Buffer.from(data);
		const b64 = buf.toString('base64');
		total++;
		seen.add(b64);
		if (!args.decode)
			return out.write(`${b64}\n`);
		const s = buf.toString('utf8');
		return out.write(s.endsWith('\n') ? s : `${s}\n`);
	};

	/* The user records in one Kinesis record. */
	const userRecords = (rec) => {
		const data = Buffer.from(rec.Data);
		if (!args.deaggregate || data.length < 20 ||
		    !data.subarray(0, 4).equals(KPL_MAGIC))
			return [data];
		let result = null;
		agg.deaggregateSync({
			data: data.toString('base64'),
			partitionKey: rec.PartitionKey,
			sequenceNumber: rec.SequenceNumber
		}, true, (err, users) => {
			if (err)
				throw new Error(`record ${rec.SequenceNumber}: ` +
				    `bad KPL aggregate: ${err.message || err}`);
			result = users.map((u) => Buffer.from(u.data, 'base64'));
		});
		aggregated++;
		return result;
	};

	const shards = await listShards(client, args.stream);
	const iters = new Map();
	for (const s of shards) {
		const r = await client.send(new GetShardIteratorCommand({
			StreamName: args.stream,
			ShardId: s.ShardId,
			ShardIteratorType: 'TRIM_HORIZON'
		}));
		iters.set(s.ShardId, r.ShardIterator);
	}

	let reached = false;
	for (;;) {
		let drained = true;
		for (const [shard, iter] of iters) {
			if (!iter)
				continue;
			const r = await client.send(new GetRecordsCommand({
				ShardIterator: iter,
				Limit: GET_LIMIT
			}));
			for (const rec of r.Records) {
				for (const data of userRecords(rec)) {
					if (!emit(data))
						await new Promise((res) =>
						    out.once('drain', res));
				}
			}
			iters.set(shard, r.NextShardIterator);
			if (r.Records.length > 0 || r.MillisBehindLatest > 0)
				drained = false;
		}
		if (expect !== null && seen.size >= expect) {
			reached = true;
			break;
		}
		if (expect === null && drained) {
			reached = true;
			break;
		}
		if (Date.now() > deadline)
			break;
		if (drained)
			await new Promise((res) => setTimeout(res, POLL_MS));
	}
	client.destroy();
	if (out !== process.stdout)
		await new Promise((res) => out.end(res));
	process.stderr.write(`readback: ${shards.length} shards, ${total} ` +
	    `records, ${seen.size} unique` +
	    (args.deaggregate ? ` (from ${aggregated} aggregates)` : '') +
	    (expect !== null ? `, expected ${expect}` : '') +
	    (reached ? '' : ', TIMED OUT') + '\n');
	process.exitCode = reached ? 0 : 1;
}

main().catch((e) => {
	process.stderr.write(`readback.js: ${e.stack || e}\n`);
	process.exit(1);
});
