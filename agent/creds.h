/*
 * creds: where the AWS credentials that sign each request come from.
 *
 * A chain of providers is tried in order, as the Kinesis Agent's does
 * (awslabs/amazon-kinesis-agent, src/com/amazon/kinesis/streaming/agent/
 * AgentAWSCredentialsProviderChain.java): the first provider that has
 * credentials wins.  There are two, in the agent's order:
 *   "config"       awsAccessKeyId / awsSecretAccessKey from sluice.yaml
 *                  (no session token: the agent has no key for one);
 *   "environment"  AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY),
 *                  AWS_SECRET_ACCESS_KEY (or AWS_SECRET_KEY) and the
 *                  optional AWS_SESSION_TOKEN, as the AWS SDK for Java
 *                  reads them (values trimmed, empty means unset).
 * Later providers (web identity, container endpoint, profile files, IMDS)
 * are added as more struct creds_provider_ops in the registry in creds.c.
 *
 * With a session token the caller must send and sign X-Amz-Security-Token
 * (see sigv4.h).
 */
#ifndef CREDS_H
#define CREDS_H

#include <time.h>

struct config;
struct sigv4_credentials;
struct creds;

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
	CREDS_FOUND,		/* *out is filled */
	CREDS_NONE,		/* this source has none: the chain goes on */
	CREDS_ERROR		/* unusable credentials; *cause is set */
};

/*
 * One credential provider.  load looks for credentials.  On CREDS_FOUND,
 * the strings of *out are allocated and the caller owns them; on
 * CREDS_ERROR the caller frees *cause.  cfg may be NULL.
 */
struct creds_provider_ops {
	const char	*name;		/* what creds_source returns */
	enum creds_result (*load)(const struct config *cfg,
			    struct creds_value *out, char **cause);
};

/*
 * Walks the provider chain and returns the credentials of the first
 * provider that has some; free them with creds_free.  Returns NULL with
 * *cause set (the caller frees it) if a provider reports an error or none
 * has credentials.  cfg may be NULL (no config provider).
 */
struct creds	*creds_create(const struct config *cfg, char **cause);

/*
 * Fills *out with pointers to the current credentials, valid until
 * creds_free.  Returns 0, or -1 if the credentials have expired (only
 * providers that set an expiration can do that).
 */
int		 creds_get(struct creds *c, struct sigv4_credentials *out);

/* Returns the name of the provider in use: "config" or "environment". */
const char	*creds_source(struct creds *c);

/* Frees a value's strings, wiping the secret and the token first. */
void		 creds_value_clear(struct creds_value *v);

/* Frees c (NULL is allowed), wiping the secrets first. */
void		 creds_free(struct creds *c);

#endif /* CREDS_H */
