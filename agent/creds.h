/*
 * creds: where the AWS credentials that sign each request come from.
 *
 * A chain of providers is tried in order, the Kinesis Agent's
 * (awslabs/amazon-kinesis-agent's
 * AgentAWSCredentialsProviderChain.java, which ends in the SDK's default
 * chain); the first provider that has credentials wins:
 *   1. "config"        awsAccessKeyId / awsSecretAccessKey, and
 *                      awsSessionToken, from sluice.yaml;
 *   2. "environment"   AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY),
 *                      AWS_SECRET_ACCESS_KEY (or AWS_SECRET_KEY) and the
 *                      optional AWS_SESSION_TOKEN, as the SDK for Java
 *                      reads them (values trimmed, empty means unset);
 *   3. "web identity"  AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN (and
 *                      AWS_ROLE_SESSION_NAME): STS
 *                      AssumeRoleWithWebIdentity, unsigned (EKS IRSA);
 *   4. "container"     AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, against
 *                      http://169.254.170.2, or _FULL_URI (https, or http
 *                      to a loopback address or the ECS / EKS Pod
 *                      Identity hosts, as the SDKs allow), with the
 *                      Authorization header from
 *                      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read at
 *                      each fetch, as it rotates) or _TOKEN;
 *   5. "profile"       the shared files' profile (awsfiles.h): static keys
 *                      (aws_access_key_id, aws_secret_access_key,
 *                      aws_session_token), else credential_process, else
 *                      role_arn with source_profile (STS AssumeRole signed
 *                      with the source profile's keys) or with
 *                      credential_source Environment / Ec2InstanceMetadata
 *                      / EcsContainer;
 *   6. "instance role" EC2 instance metadata (imds.h): IMDSv2, or IMDSv1
 *                      only with imdsV1Fallback: true;
 *                      AWS_EC2_METADATA_DISABLED=true skips it.
 * assumeRoleARN (with assumeRoleExternalId) wraps whatever the chain
 * found: STS AssumeRole at sts.endpoint, else AWS_ENDPOINT_URL_STS, else
 * AWS_ENDPOINT_URL, else https://sts.REGION.amazonaws.com of sts.region,
 * else of the Kinesis (or Firehose) region.
 *
 * A provider that finds a source half set up (a key without its secret, a
 * token file that cannot be read, an STS error) stops the chain with an
 * error, so that it is reported rather than silently skipped.
 *
 * Threads.  The daemon's creds (creds_start) run a refresher thread that
 * walks the chain with blocking calls and publishes each result as an
 * immutable, reference-counted snapshot; signing (creds_sign) takes a
 * reference under a mutex, never waits on the network, and works from any
 * thread.  Temporary credentials are refreshed 5 minutes before they
 * expire (halfway through a shorter life), at once when the sender reports
 * ExpiredToken, ExpiredTokenException or, after a refresh, an
 * InvalidSignatureException (creds_report: once per key), and the chain
 * is walked again every credentialsRetrySeconds (60) while it has found
 * nothing: the daemon then starts anyway, spools, and says "no
 * credentials" in status and the log (STYLE rule 23).
 *
 * Secrets (the secret key, session tokens, web identity and container
 * tokens, credential_process output) never appear in messages; they are
 * wiped when freed.
 */
#ifndef CREDS_H
#define CREDS_H

#include <time.h>

#include <curl/curl.h>

struct config;
struct imds;
struct sigv4_call;
struct creds;

/* Refresh this long before temporary credentials expire. */
#define CREDS_REFRESH_BEFORE	300
/* Longer strings than this are not credentials AWS would ever issue. */
#define CREDS_MAX_LEN		8192

/* A provider's result.  Strings are owned by whoever holds the value. */
struct creds_value {
	char	*access_key_id;
	char	*secret_access_key;
	char	*session_token;		/* NULL if none */
	time_t	 expiration;		/* 0: does not expire */
};

/*
 * What a provider's load found.  CREDS_ERROR stops the chain so that a
 * half-configured source is reported rather than silently skipped.
 */
enum creds_result {
	CREDS_FOUND,		/* *out and *desc are filled */
	CREDS_NONE,		/* this source has none: the chain goes on;
				   *cause may say why, for status */
	CREDS_ERROR		/* unusable credentials; *cause is set */
};

/*
 * Creates credentials for cfg (NULL: no config keys), with imds the
 * instance metadata client (NULL: no instance role).  No I/O, no thread:
 * nothing is looked up until creds_load, creds_start or the first
 * creds_sign.  Free with creds_free.
 */
struct creds	*creds_new(const struct config *cfg, struct imds *imds);

/*
 * Walks the chain now, on the calling thread (it may wait on the network
 * for a few seconds), and publishes what it found.  Returns 0, or -1 with
 * *cause set (the caller frees it) when nothing was found.
 */
int		 creds_load(struct creds *c, char **cause);

/*
 * creds_new and creds_load for a one-shot user without a refresher (the
 * unit tests): returns the credentials, or NULL with *cause set.
 */
struct creds	*creds_create(const struct config *cfg, char **cause);

/*
 * Starts the refresher thread (after a first creds_load by the caller, or
 * with none: it loads at once), and logs the source in use once.  From
 * then on creds_sign never loads on the caller's thread.
 */
void		 creds_start(struct creds *c);

/*
 * Signs call with the current credentials (sigv4_sign) and appends the
 * headers to *hp; free them with sigv4_slist_free.  Without a refresher,
 * missing or expired credentials are loaded first, on the caller's
 * thread.  Returns 0, or -1 with *cause set (the caller frees it) when
 * there are no valid credentials, which the refresher is then asked to
 * look for again.
 */
int		 creds_sign(struct creds *c, const struct sigv4_call *call,
		    struct curl_slist **hp, char **cause);

/* What creds_report did. */
enum creds_action {
	CREDS_KEEP,		/* nothing: the error is not about them */
	CREDS_REFRESHING	/* a refresh at once is asked or under way:
				   retry soon rather than as an operator's
				   error */
};

/*
 * The generation of the credentials creds_sign uses now: 1 for the first
 * found, one more at each refresh; 0 before any.  A caller that reads it
 * just before signing knows what signed a request, or an older one if a
 * refresh came in between (creds_report then asks for a retry, which
 * signs with the newer).
 */
unsigned int	 creds_generation(struct creds *c);

/*
 * Tells the refresher what AWS answered a request signed with the
 * credentials of generation gen (creds_generation; 0: unknown, taken as
 * the current) with: error_type is the error code
 * ("ExpiredTokenException").  If newer credentials than gen are in use
 * already, a refused signature or token is theirs to retry:
 * CREDS_REFRESHING, and no refresh.  Otherwise ExpiredToken and
 * ExpiredTokenException wake it for a refresh at once (at most every few
 * seconds).  So does an InvalidSignatureException with temporary
 * credentials that were refreshed at least once (their source may have
 * rotated them), once per access key: if the keys the refresh brings are
 * refused too, or the credentials are static or were never refreshed,
 * the keys are wrong, which CREDS_KEEP leaves to the caller to report as
 * an operator's error.  Anything else is ignored.  Any thread.  Do not
 * report InvalidSignatureException "Signature expired": that is the
 * clock's.
 */
enum creds_action creds_report(struct creds *c, const char *error_type,
		    unsigned int gen);

/*
 * Describes the credentials in use for status and the log, never with a
 * secret: "instance role bar-role (IMDSv2), expires in 5h12m", or
 * "none: CAUSE".  The caller frees it.
 */
char		*creds_describe(struct creds *c);

/* Returns 1 if there are credentials that have not expired, else 0. */
int		 creds_is_valid(struct creds *c);

/*
 * Stops the refresher thread, if any (a request in progress is abandoned
 * within about a second); signing still works with the last credentials.
 * Call it before freeing what the chain uses (the imds client).
 */
void		 creds_stop(struct creds *c);

/* Stops and frees c (NULL is allowed), wiping the secrets first. */
void		 creds_free(struct creds *c);

/* Frees a value's strings, wiping the secret and the token first. */
void		 creds_value_clear(struct creds_value *v);

/* Frees s (NULL is allowed) after wiping it. */
void		 creds_wipe(char *s);

/*
 * Parses an ISO 8601 UTC time as AWS writes Expiration
 * ("2024-01-01T00:00:00Z", with fractions of a second or "+00:00").
 * Returns 0 with *t set, or -1.
 */
int		 creds_parse_time(const char *s, time_t *t);

#endif /* CREDS_H */
