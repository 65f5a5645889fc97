#!/usr/bin/env node
/*
 * Checks what the stream holds against what was written to the log files:
 * every line written (with its trailing newline) must have arrived as one
 * record, byte for byte.  Duplicates are allowed (delivery is at least
 * once) and counted; a line missing or a record that matches no written
 * line (corrupted, split or merged) fails the check.
 *
 *   node compare.js --received FILE_OF_BASE64_LINES WRITTEN_FILE...
 *
 * Prints "lines written: N, records received: M, unique: U,
 * duplicates: D, missing: X, unexpected: C" and exits 0 only if X and C
 * are both 0 (1 otherwise, 2 on usage errors).
 */
'use strict';

const fs = require('node:fs');
const { parseArgs } = require('node:util');

/* How many offenders to show of each kind. */
const SHOW = 5;

function usage(msg) {
	process.stderr.write(`compare.js: ${msg}\nusage: node compare.js ` +
	    '--received FILE WRITTEN_FILE...\n');
	process.exit(2);
}

/* Splits a file into lines that keep their "\n"; a last partial line
 * (no newline yet) is kept as is. */
function splitLines(buf) {
	const lines = [];
	let start = 0;
	for (;;) {
		const nl = buf.indexOf(0x0a, start);
		if (nl < 0)
			break;
		lines.push(buf.subarray(start, nl + 1).toString('latin1'));
		start = nl + 1;
	}
	if (start < buf.length)
		lines.push(buf.subarray(start).toString('latin1'));
	return lines;
}

let args;
try {
	args = parseArgs({
		allowPositionals: true,
		options: { received: { type: 'string' } }
	});
} catch (e) {
	usage(e.message);
}
if (!args.values.received || args.positionals.length === 0)
	usage('--received and at least one written file are required');

/* latin1 maps bytes 1:1 to chars, so comparisons are byte for byte. */
const written = [];
for (const f of args.positionals)
	written.push(...splitLines(fs.readFileSync(f)));
const received = [];
for (const b64 of fs.readFileSync(args.values.received, 'latin1')
    .split('\n')) {
	if (b64 !== '')
		received.push(Buffer.from(b64, 'base64').toString('latin1'));
}

const writtenSet = new Set(written);
const counts = new Map();
for (const r of received)
	counts.set(r, (counts.get(r) || 0) + 1);
const missing = written.filter((w) => !counts.has(w));
const unexpected = [...counts.keys()].filter((r) => !writtenSet.has(r));
const dupWritten = written.length - writtenSet.size;

const show = (label, list) => {
	for (const x of list.slice(0, SHOW))
		process.stderr.write(`${label}: ${JSON.stringify(x)}\n`);
	if (list.length > SHOW)
		process.stderr.write(`${label}: ... and ${list.length - SHOW} ` +
		    'more\n');
};
show('missing', missing);
show('unexpected', unexpected);
if (dupWritten > 0)
	process.stderr.write(`warning: ${dupWritten} written lines are not ` +
	    'unique; duplicates among them cannot be told apart\n');

console.log(`lines written: ${written.length}, records received: ` +
    `${received.length}, unique: ${counts.size}, duplicates: ` +
    `${received.length - counts.size}, missing: ${missing.length}, ` +
    `unexpected: ${unexpected.length}`);
process.exitCode = missing.length === 0 && unexpected.length === 0 ? 0 : 1;
