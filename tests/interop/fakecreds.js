/*
 * fakecreds.js: checks sluice's credential fakes against the AWS SDK for
 * JavaScript's own credential providers and clients, so that the fakes
 * are known to speak the real protocols:
 *   - tests/fakeimds as the instance metadata service (IMDSv2 token and
 *     role credentials), read by fromInstanceMetadata;
 *   - its container endpoint, read by fromContainerMetadata (token in the
 *     environment) and fromHttp (token file);
 *   - its STS: AssumeRole through STSClient, whose SigV4 signature the
 *     fake checks with the exact source credentials (a wrong secret must
 *     be refused), and AssumeRoleWithWebIdentity through fromTokenFile;
 *   - tests/fakeaws --expect-key/--expect-secret/--expect-token: a
 *     KinesisClient PutRecords with a session token must verify, and a
 *     wrong token or secret must be refused as AWS refuses them.
 * Every credential each provider returns must be the one the fake issued.
 *
 * Usage: node fakecreds.js FAKEIMDS FAKEAWS   (paths of the built fakes)
 * Everything is on 127.0.0.1; exits 0 when all checks pass.
 */
'use strict';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { startFake } = require('./lib');
const {
	fromInstanceMetadata, fromContainerMetadata, fromHttp, fromTokenFile
} = require('@aws-sdk/credential-providers');
const { STSClient, AssumeRoleCommand } = require('@aws-sdk/client-sts');
const { KinesisClient, PutRecordsCommand } =
    require('@aws-sdk/client-kinesis');
const { NodeHttpHandler } = require('@smithy/node-http-handler');

const [fakeimds, fakeaws] = process.argv.slice(2);
if (!fakeimds || !fakeaws) {
	console.error('usage: node fakecreds.js FAKEIMDS FAKEAWS');
	process.exit(2);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fakecreds-'));
const children = [];
let failed = 0;

function cleanup() {
	for (const c of children)
		c.kill('SIGTERM');
	fs.rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);

function ok(what) {
	console.log(`ok: ${what}`);
}

function bad(what, detail) {
	console.log(`FAIL: ${what}: ${detail}`);
	failed++;
}

function handler() {
	return new NodeHttpHandler({ connectionTimeout: 5000,
	    requestTimeout: 10000 });
}

/* Starts a fake with a port file; resolves to its port. */
function start(bin, args, portfile) {
	return startFake(children, bin, args, portfile);
}

function control(file, lines) {
	fs.writeFileSync(file + '.tmp', lines.join('\n') + '\n');
	fs.renameSync(file + '.tmp', file);
}

/* The credentials a provider returned must be those issued. */
function same(what, got, want) {
	const diffs = [];
	for (const k of ['accessKeyId', 'secretAccessKey', 'sessionToken'])
		if (got[k] !== want[k])
			diffs.push(`${k} ${JSON.stringify(got[k])}`);
	if (want.expiration && (!(got.expiration instanceof Date) ||
	    Math.abs(got.expiration - want.expiration) > 5000))
		diffs.push(`expiration ${got.expiration}`);
	if (diffs.length)
		bad(what, diffs.join(', '));
	else
		ok(what);
}

async function refused(what, promise, code) {
	try {
		await promise;
		bad(what, 'was accepted');
	} catch (e) {
		const name = e.name || e.Code || e.code;
		if (code && name !== code)
			bad(what, `refused as ${name}, not ${code}: ${e.message}`);
		else
			ok(`${what} (${name})`);
	}
}

async function main() {
	const ictl = path.join(tmp, 'imds.control');
	const issued = {
		accessKeyId: 'ASIAFAKEISSUED000001',
		secretAccessKey: 'issuedSecret/0001+abc',
		sessionToken: 'issuedToken0001+/=',
		expiration: new Date(Math.floor(Date.now() / 1000 + 3600) * 1000)
	};
	const base = ['key ' + issued.accessKeyId,
	    'secret ' + issued.secretAccessKey,
	    'token ' + issued.sessionToken, 'expires_in 3600',
	    'role sdk-role'];
	control(ictl, base);
	const iport = await start(fakeimds, ['-p', '0', '-P',
	    path.join(tmp, 'imds.port'), '-c', ictl], path.join(tmp,
	    'imds.port'));
	const iurl = `http://127.0.0.1:${iport}`;

	/* IMDSv2: the SDK gets a token, then the role's credentials. */
	process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = iurl;
	process.env.AWS_EC2_METADATA_V1_DISABLED = 'true';
	same('fromInstanceMetadata (IMDSv2) reads fakeimds',
	    await fromInstanceMetadata({ timeout: 2000, maxRetries: 0 })(),
	    issued);

	/* The container endpoint, with the token in the environment... */
	control(ictl, base.concat(['container_auth ctr-token-0001']));
	process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI =
	    `${iurl}/container/creds`;
	process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = 'ctr-token-0001';
	same('fromContainerMetadata reads the container endpoint',
	    await fromContainerMetadata({ timeout: 2000, maxRetries: 0 })(),
	    issued);
	process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = 'wrong';
	await refused('the container endpoint refuses a wrong token',
	    fromContainerMetadata({ timeout: 2000, maxRetries: 0 })());
	/* ...and in a file, as EKS Pod Identity has it (fromHttp). */
	fs.writeFileSync(path.join(tmp, 'ctr-token'), 'ctr-token-0001');
	delete process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
	process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE =
	    path.join(tmp, 'ctr-token');
	same('fromHttp reads the container endpoint with a token file',
	    await fromHttp({ timeout: 2000, maxRetries: 0 })(), issued);
	delete process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
	delete process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;

	/* STS AssumeRole, signed by the SDK with the source credentials. */
	const role = 'arn:aws:iam::123456789012:role/sdk-role';
	const src = { accessKeyId: 'AKIDSDKSOURCE0000001',
	    secretAccessKey: 'sourceSecret/0001', sessionToken: 'srcTok1' };
	control(ictl, base.concat(['sts_key ' + src.accessKeyId,
	    'sts_secret ' + src.secretAccessKey,
	    'sts_token ' + src.sessionToken, 'role_arn ' + role,
	    'external_id ext-1', 'web_token eyJ.sdk.token']));
	const sts = (creds) => new STSClient({ endpoint: iurl,
	    region: 'us-east-1', credentials: creds, maxAttempts: 1,
	    requestHandler: handler() });
	const ar = await sts(src).send(new AssumeRoleCommand({
	    RoleArn: role, RoleSessionName: 'sdk', ExternalId: 'ext-1' }));
	same('STSClient AssumeRole verifies at the fake STS', {
		accessKeyId: ar.Credentials.AccessKeyId,
		secretAccessKey: ar.Credentials.SecretAccessKey,
		sessionToken: ar.Credentials.SessionToken,
		expiration: ar.Credentials.Expiration
	}, issued);
	await refused('the fake STS refuses a signature with a wrong secret',
	    sts({ ...src, secretAccessKey: 'wrong' }).send(
	    new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'sdk',
	    ExternalId: 'ext-1' })), 'SignatureDoesNotMatch');
	await refused('the fake STS refuses a wrong ExternalId',
	    sts(src).send(new AssumeRoleCommand({ RoleArn: role,
	    RoleSessionName: 'sdk', ExternalId: 'other' })), 'AccessDenied');

	/* AssumeRoleWithWebIdentity, through the SDK's token file provider. */
	fs.writeFileSync(path.join(tmp, 'web-token'), 'eyJ.sdk.token');
	const web = (file) => fromTokenFile({ webIdentityTokenFile: file,
	    roleArn: role, roleSessionName: 'sdk-web', clientConfig: {
	    endpoint: iurl, region: 'us-east-1', maxAttempts: 1,
	    requestHandler: handler() } })();
	same('fromTokenFile (AssumeRoleWithWebIdentity) at the fake STS',
	    await web(path.join(tmp, 'web-token')), issued);
	fs.writeFileSync(path.join(tmp, 'bad-token'), 'eyJ.other');
	await refused('the fake STS refuses another web identity token',
	    web(path.join(tmp, 'bad-token')), 'InvalidIdentityTokenException');

	/* fakeaws's signature check, with a session token. */
	const actl = path.join(tmp, 'aws.control');
	control(actl, ['expect-key=' + issued.accessKeyId,
	    'expect-secret=' + issued.secretAccessKey,
	    'expect-token=' + issued.sessionToken]);
	const aport = await start(fakeaws, ['-p', '0', '-P',
	    path.join(tmp, 'aws.port'), '-c', actl, '-s', 'sdk'],
	    path.join(tmp, 'aws.port'));
	const kin = (creds) => new KinesisClient({
	    endpoint: `http://127.0.0.1:${aport}`, region: 'us-east-1',
	    credentials: creds, maxAttempts: 1, requestHandler: handler() });
	const put = (creds) => kin(creds).send(new PutRecordsCommand({
	    StreamName: 'sdk', Records: [{ Data: Buffer.from('x\n'),
	    PartitionKey: 'k' }] }));
	try {
		const r = await put(issued);
		if (r.FailedRecordCount === 0)
			ok('KinesisClient PutRecords verifies at fakeaws');
		else
			bad('PutRecords at fakeaws', JSON.stringify(r));
	} catch (e) {
		bad('KinesisClient PutRecords at fakeaws', e.message);
	}
	await refused('fakeaws refuses an old session token',
	    put({ ...issued, sessionToken: 'old' }), 'ExpiredTokenException');
	await refused('fakeaws refuses a wrong secret',
	    put({ ...issued, secretAccessKey: 'wrong' }),
	    'InvalidSignatureException');
	await refused('fakeaws refuses another key',
	    put({ ...issued, accessKeyId: 'ASIAOTHER', sessionToken:
	    issued.sessionToken }), 'UnrecognizedClientException');
}

main().then(() => {
	console.log(failed ? `${failed} check(s) failed` : 'all checks passed');
	process.exit(failed ? 1 : 0);
}, (e) => {
	console.log(`FAIL: ${e.stack || e}`);
	process.exit(1);
});
