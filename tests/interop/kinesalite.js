#!/usr/bin/env node
/*
 * Starts kinesalite (an independent Kinesis implementation) on 127.0.0.1
 * only, creates the streams the test asks for and waits until they are
 * ACTIVE, so that a test can start sending as soon as it reads "ready".
 * The kinesalite command line listens on every interface, which a test must
 * not do, hence this wrapper.  Storage is in memory (memdown), so nothing is
 * left behind.  Runs until SIGTERM or SIGINT.
 *
 *   node kinesalite.js --port N --stream NAME[:SHARDS] [--stream ...]
 *                      [--port-file F]
 *
 * Port 0 picks a free port; the chosen one is printed as
 * "kinesalite listening on 127.0.0.1:PORT" and written to the port file.
 */
'use strict';

const fs = require('node:fs');
const { parseArgs } = require('node:util');
const kinesalite = require('kinesalite');
const { makeClient, waitActive } = require('./lib');
const {
	CreateStreamCommand
} = require('@aws-sdk/client-kinesis');

const MAX_SHARDS = 100;

function usage(msg) {
	if (msg)
		process.stderr.write(`kinesalite.js: ${msg}\n`);
	process.stderr.write('usage: node kinesalite.js --port N ' +
	    '--stream NAME[:SHARDS] [--stream ...] [--port-file F]\n');
	process.exit(2);
}

function parseStream(spec) {
	const m = /^([A-Za-z0-9_.-]{1,128})(?::(\d+))?$/.exec(spec);
	if (m === null)
		usage(`bad --stream ${spec}`);
	const shards = m[2] === undefined ? 1 : Number(m[2]);
	if (shards < 1 || shards > MAX_SHARDS)
		usage(`bad shard count in ${spec}`);
	return { name: m[1], shards };
}

async function main() {
	let args;
	try {
		args = parseArgs({
			options: {
				port: { type: 'string', default: '0' },
				stream: { type: 'string', multiple: true, default: [] },
				'port-file': { type: 'string' }
			}
		}).values;
	} catch (e) {
		usage(e.message);
	}
	const port = Number(args.port);
	if (!Number.isInteger(port) || port < 0 || port > 65535)
		usage(`bad --port ${args.port}`);
	const streams = args.stream.map(parseStream);

	const server = kinesalite({
		createStreamMs: 0,
		deleteStreamMs: 0,
		updateStreamMs: 0,
		shardLimit: MAX_SHARDS
	});
	/* sluice keeps connections alive; do not cut them under it. */
	server.keepAliveTimeout = 60000;

	let stopping = false;
	const stop = (sig) => {
		if (stopping)
			return;
		stopping = true;
		process.stderr.write(`kinesalite: ${sig}, stopping\n`);
		server.close(() => process.exit(0));
		server.closeAllConnections?.();
		/* Do not hang on a stuck close. */
		setTimeout(() => process.exit(0), 2000).unref();
	};
	process.on('SIGTERM', () => stop('SIGTERM'));
	process.on('SIGINT', () => stop('SIGINT'));

	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', resolve);
	});
	const actual = server.address().port;
	console.log(`kinesalite listening on 127.0.0.1:${actual}`);

	const client = makeClient(`http://127.0.0.1:${actual}`);
	for (const s of streams) {
		await client.send(new CreateStreamCommand({
			StreamName: s.name,
			ShardCount: s.shards
		}));
		await waitActive(client, s.name, 10000);
		console.log(`stream ${s.name} ACTIVE with ${s.shards} shard(s)`);
	}
	client.destroy();

	/* Written last: a reader of the port file may start sending at once. */
	if (args['port-file']) {
		const tmp = `${args['port-file']}.tmp`;
		fs.writeFileSync(tmp, `${actual}\n`);
		fs.renameSync(tmp, args['port-file']);
	}
	console.log('ready');
}

main().catch((e) => {
	process.stderr.write(`kinesalite.js: ${e.stack || e}\n`);
	process.exit(1);
});
