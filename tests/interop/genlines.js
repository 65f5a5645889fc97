#!/usr/bin/env node
/*
 * Appends test log lines numbered FROM (inclusive) to TO (exclusive) to two
 * files: odd numbers to the first, even to the second.  Each line is unique
 * ("line 000042 file b ...") and carries padding of varied length and
 * content (quotes, backslashes, tabs, JSON-looking text, multi-byte UTF-8),
 * so that any escaping or splitting bug in the data path shows up as a
 * mismatch.  Deterministic: the same numbers give the same bytes.
 *
 *   node genlines.js --from I --to J FILE_A FILE_B
 */
'use strict';

const fs = require('node:fs');
const { parseArgs } = require('node:util');

const PIECES = ['alpha', 'beta "quoted"', 'back\\slash', 'tab\there',
    '{"json": [1, 2, 3]}', '<xml a="b"/>', 'caf\u00e9', '\u20ac 100',
    '\u65e5\u672c\u8a9e', '\ud83d\ude00', '%s %d %n', 'a=b&c=d',
    'SELECT * FROM t;', '\u00a0nbsp', '~!@#$%^&*()_+', ''];

function line(i, file) {
	/* A cheap hash of i picks the length and the pieces. */
	let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
	const words = [];
	const n = h % 23;
	for (let k = 0; k < n; k++) {
		h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
		words.push(PIECES[h % PIECES.length]);
	}
	/* Every 997th line is long, to cross buffer boundaries. */
	const pad = i % 997 === 0 ? 'x'.repeat(4000 + (i % 1000)) : '';
	return `line ${String(i).padStart(6, '0')} file ${file} ` +
	    `${words.join(' ')}${pad}\n`;
}

const args = parseArgs({
	allowPositionals: true,
	options: {
		from: { type: 'string' },
		to: { type: 'string' }
	}
});
const from = Number(args.values.from);
const to = Number(args.values.to);
if (!Number.isInteger(from) || !Number.isInteger(to) || from > to ||
    args.positionals.length !== 2) {
	process.stderr.write('usage: node genlines.js --from I --to J ' +
	    'FILE_A FILE_B\n');
	process.exit(2);
}
const out = [[], []];
for (let i = from; i < to; i++)
	out[i % 2 === 1 ? 0 : 1].push(line(i, i % 2 === 1 ? 'a' : 'b'));
/* One write per file, so a reader sees whole chunks appear. */
fs.appendFileSync(args.positionals[0], out[0].join(''));
fs.appendFileSync(args.positionals[1], out[1].join(''));
