#!/usr/bin/env node
/*
 * A reference producer for the self-test: sends each line of the given
 * files (with its newline) as one record through the AWS SDK, in
 * PutRecords batches of up to 500, and resends the records a batch reports
 * as failed until every record is in or the timeout passes.  Proves the
 * proxy's verification and throttling with a third-party signer before
 * sluice is put in the same place.
 *
 *   node put.js --endpoint http://127.0.0.1:PORT --stream NAME
 *        [--timeout-ms T] [--secret-key S] FILE...
 *
 * Exits 0 when every record was accepted, 1 otherwise; prints a summary.
 */
'use strict';

const fs = require('node:fs');
const { parseArgs } = require('node:util');
const { PutRecordsCommand } = require('@aws-sdk/client-kinesis');
const { makeClient } = require('./lib');

const BATCH = 500;

async function main() {
	const args = parseArgs({
		allowPositionals: true,
		options: {
			endpoint: { type: 'string' },
			stream: { type: 'string' },
			'timeout-ms': { type: 'string', default: '60000' },
			'secret-key': { type: 'string' }
		}
	});
	const { endpoint, stream } = args.values;
	if (!endpoint || !stream || args.positionals.length === 0) {
		process.stderr.write('usage: node put.js --endpoint URL ' +
		    '--stream NAME [--timeout-ms T] [--secret-key S] FILE...\n');
		process.exit(2);
	}
	const deadline = Date.now() + Number(args.values['timeout-ms']);
	const client = makeClient(endpoint, {
		secretAccessKey: args.values['secret-key'],
		maxAttempts: 1
	});
	let pending = [];
	for (const f of args.positionals) {
		const text = fs.readFileSync(f);
		let start = 0;
		for (;;) {
			const nl = text.indexOf(0x0a, start);
			if (nl < 0)
				break;
			pending.push(text.subarray(start, nl + 1));
			start = nl + 1;
		}
	}
	const total = pending.length;
	let calls = 0;
	let retried = 0;
	let seq = 0;
	while (pending.length > 0 && Date.now() < deadline) {
		const failed = [];
		for (let i = 0; i < pending.length; i += BATCH) {
			const batch = pending.slice(i, i + BATCH);
			const r = await client.send(new PutRecordsCommand({
				StreamName: stream,
				Records: batch.map((d) => ({
					Data: d,
					PartitionKey: `pk-${seq++}`
				}))
			}));
			calls++;
			r.Records.forEach((x, j) => {
				if (x.ErrorCode)
					failed.push(batch[j]);
			});
		}
		retried += failed.length;
		pending = failed;
		if (pending.length > 0)
			await new Promise((res) => setTimeout(res, 50));
	}
	client.destroy();
	console.log(`put: ${total} records in ${calls} PutRecords calls, ` +
	    `${retried} resent after partial failure, ` +
	    `${pending.length} not accepted`);
	process.exitCode = pending.length === 0 ? 0 : 1;
}

main().catch((e) => {
	process.stderr.write(`put.js: ${e.name}: ${e.message}\n`);
	process.exit(1);
});
