/*
 * fakecloudwatch.js: checks tests/fakeaws's CloudWatch PutMetricData
 * against the AWS SDK for JavaScript's own CloudWatchClient, so that the
 * fake is known to speak the real protocol.  The client is the SDK's,
 * with the SDK's own awsQuery protocol (AwsQueryProtocol, what STSClient
 * uses) in place of its default AWS JSON 1.0: CloudWatch's model keeps
 * awsQuery compatibility, and the Query protocol is what sluice sends.
 *   - PutMetricData with StatisticValues, dimensions, a timestamp and a
 *     unit, and one with a Value, must verify at fakeaws --expect-key
 *     (SigV4 for "monitoring", with a session token) and be recorded as
 *     sent (fakeaws -m);
 *   - the SDK must read fakeaws's XML errors by their code: a reserved
 *     namespace (InvalidParameterValue, which the SDK maps to its
 *     InvalidParameterValueException), a wrong secret
 *     (InvalidSignatureException), cw-error500 (InternalFailure).
 *
 * Usage: node fakecloudwatch.js FAKEAWS   (the path of the built fake)
 * Everything is on 127.0.0.1; exits 0 when all checks pass.
 */
'use strict';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { startFake } = require('./lib');
const { CloudWatchClient, PutMetricDataCommand } =
    require('@aws-sdk/client-cloudwatch');
const { AwsQueryProtocol } = require('@aws-sdk/core/protocols');
const { NodeHttpHandler } = require('@smithy/node-http-handler');

const [fakeaws] = process.argv.slice(2);
if (!fakeaws) {
	console.error('usage: node fakecloudwatch.js FAKEAWS');
	process.exit(2);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fakecloudwatch-'));
const children = [];
let failed = 0;

process.on('exit', () => {
	for (const c of children)
		c.kill('SIGTERM');
	fs.rmSync(tmp, { recursive: true, force: true });
});

function ok(what) {
	console.log(`ok: ${what}`);
}

function bad(what, detail) {
	console.log(`FAIL: ${what}: ${detail}`);
	failed++;
}

/* Starts a fake with a port file; resolves to its port. */
function start(bin, args, portfile) {
	return startFake(children, bin, args, portfile);
}

const creds = {
	accessKeyId: 'ASIAFAKECLOUDWATCH01',
	secretAccessKey: 'cwSecret/0001+abc',
	sessionToken: 'cwToken0001+/='
};

function client(port, c) {
	return new CloudWatchClient({
		region: 'us-east-1',
		endpoint: `http://127.0.0.1:${port}`,
		credentials: c,
		protocol: AwsQueryProtocol,
		maxAttempts: 1,
		requestHandler: new NodeHttpHandler({ connectionTimeout: 5000,
		    requestTimeout: 10000 })
	});
}

async function refused(what, promise, code) {
	try {
		await promise;
		bad(what, 'was accepted');
	} catch (e) {
		const name = e.name || e.Code || e.code;
		if (name !== code)
			bad(what, `refused as ${name}, not ${code}: ${e.message}`);
		else
			ok(`${what} (${name})`);
	}
}

async function main() {
	const portfile = path.join(tmp, 'port');
	const metrics = path.join(tmp, 'metrics.tsv');
	const ctl = path.join(tmp, 'control');
	const port = await start(fakeaws, ['-p', '0', '-P', portfile, '-m',
	    metrics, '-c', ctl, '--expect-key', creds.accessKeyId,
	    '--expect-secret', creds.secretAccessKey, '--expect-token',
	    creds.sessionToken], portfile);
	const cw = client(port, creds);
	const ts = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));

	try {
		await cw.send(new PutMetricDataCommand({
			Namespace: 'SluiceInterop',
			MetricData: [{
				MetricName: 'RecordsSent',
				Dimensions: [
				    { Name: 'Destination', Value: 'KinesisStream:s 1' },
				    { Name: 'Instance', Value: 'i-0abc' }],
				Timestamp: ts,
				StatisticValues: { SampleCount: 1, Sum: 42,
				    Minimum: 42, Maximum: 42 },
				Unit: 'Count'
			}, {
				MetricName: 'BytesSent',
				Value: 1.5,
				Unit: 'Bytes'
			}]
		}));
		ok('CloudWatchClient PutMetricData (awsQuery) verifies at fakeaws');
	} catch (e) {
		bad('CloudWatchClient PutMetricData at fakeaws',
		    `${e.name}: ${e.message}`);
	}
	const lines = fs.existsSync(metrics) ?
	    fs.readFileSync(metrics, 'utf8').trim().split('\n') : [];
	const want0 = ['SluiceInterop', 'RecordsSent',
	    'Destination=KinesisStream:s 1,Instance=i-0abc', 'Count', '1', '42',
	    '42', '42'];
	const got0 = (lines[0] || '').split('\t');
	if (lines.length === 2 && want0.every((v, i) => got0[i] === v) &&
	    /^2024-01-02T03:04:05(\.0+)?Z$/.test(got0[8]))
		ok('the datums fakeaws recorded are the ones the SDK sent');
	else
		bad('the datums fakeaws recorded', JSON.stringify(lines));
	const got1 = (lines[1] || '').split('\t');
	if (got1[1] === 'BytesSent' && got1[3] === 'Bytes' &&
	    Number(got1[5]) === 1.5)
		ok('a Value datum is recorded as a one-sample set');
	else
		bad('the Value datum', JSON.stringify(lines[1]));

	await refused('a reserved namespace is refused',
	    cw.send(new PutMetricDataCommand({ Namespace: 'AWS/Kinesis',
		MetricData: [{ MetricName: 'x', Value: 1 }] })),
	    /* The SDK's modeled error for the Query code, by awsQueryError. */
	    'InvalidParameterValueException');
	await refused('a wrong secret is refused',
	    client(port, { ...creds, secretAccessKey: 'wrong' }).send(
		new PutMetricDataCommand({ Namespace: 'SluiceInterop',
		    MetricData: [{ MetricName: 'x', Value: 1 }] })),
	    'InvalidSignatureException');
	fs.writeFileSync(ctl + '.tmp', 'cw-error500 = 1\n');
	fs.renameSync(ctl + '.tmp', ctl);
	await refused('cw-error500 fails PutMetricData',
	    cw.send(new PutMetricDataCommand({ Namespace: 'SluiceInterop',
		MetricData: [{ MetricName: 'x', Value: 1 }] })),
	    'InternalFailure');
}

main().then(() => {
	console.log(failed ? `fakecloudwatch: ${failed} failed` :
	    'fakecloudwatch: all passed');
	process.exit(failed ? 1 : 0);
}, (e) => {
	console.log(`FAIL: ${e.stack}`);
	process.exit(1);
});
