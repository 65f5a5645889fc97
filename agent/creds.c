/*
 * creds: see creds.h.
 *
 * The chain is creds_providers[], a NULL-terminated table of
 * struct creds_provider_ops; creds_create walks it once.  Each provider
 * here copies its strings so that the environment or the config can change
 * or be freed afterwards.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "config.h"
#include "creds.h"
#include "sigv4.h"
#include "xmalloc.h"

/* Longer strings than this are not credentials AWS would ever issue. */
#define CREDS_MAX_LEN	8192

struct creds {
	const struct creds_provider_ops	*provider;
	struct creds_value		 value;
};

static enum creds_result	creds_config_load(const struct config *,
			    struct creds_value *, char **);
static enum creds_result	creds_env_load(const struct config *,
			    struct creds_value *, char **);

static const struct creds_provider_ops creds_config_ops = {
	"config", creds_config_load
};
static const struct creds_provider_ops creds_env_ops = {
	"environment", creds_env_load
};

/* The chain, in the Kinesis Agent's order. */
static const struct creds_provider_ops *creds_providers[] = {
	&creds_config_ops,
	&creds_env_ops,
	NULL
};

static int
creds_is_space(char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/*
 * Returns a trimmed copy of s, or NULL if s is NULL or only whitespace:
 * the SDK for Java trims these values too, and a stray newline from
 * "export X=$(cat file)" would otherwise break every signature.
 */
static char *
creds_trimmed(const char *s)
{
	size_t	len;

	if (s == NULL)
		return (NULL);
	while (creds_is_space(*s))
		s++;
	len = strlen(s);
	while (len > 0 && creds_is_space(s[len - 1]))
		len--;
	if (len == 0)
		return (NULL);
	return (xstrndup(s, len));
}

static void
creds_wipe(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void
creds_value_clear(struct creds_value *v)
{
	free(v->access_key_id);
	creds_wipe(v->secret_access_key);
	creds_wipe(v->session_token);
	memset(v, 0, sizeof *v);
}

/*
 * Fills v from an access key id and a secret that are either both set or
 * both unset; origin names the pair in the messages.  Returns like load.
 */
static enum creds_result
creds_pair(const char *id, const char *secret, const char *token,
    const char *origin, const char *id_name, const char *secret_name,
    struct creds_value *v, char **cause)
{
	if (id == NULL && secret == NULL)
		return (CREDS_NONE);
	if (id == NULL || secret == NULL) {
		xasprintf(cause, "%s: %s is set but %s is not", origin,
		    id != NULL ? id_name : secret_name,
		    id != NULL ? secret_name : id_name);
		return (CREDS_ERROR);
	}
	if (strlen(id) > CREDS_MAX_LEN || strlen(secret) > CREDS_MAX_LEN ||
	    (token != NULL && strlen(token) > CREDS_MAX_LEN)) {
		xasprintf(cause, "%s: credentials longer than %d bytes",
		    origin, CREDS_MAX_LEN);
		return (CREDS_ERROR);
	}
	v->access_key_id = xstrdup(id);
	v->secret_access_key = xstrdup(secret);
	v->session_token = token != NULL ? xstrdup(token) : NULL;
	v->expiration = 0;
	return (CREDS_FOUND);
}

static enum creds_result
creds_config_load(const struct config *cfg, struct creds_value *v,
    char **cause)
{
	char			*id, *secret;
	enum creds_result	 rc;

	if (cfg == NULL)
		return (CREDS_NONE);
	id = creds_trimmed(cfg->aws_access_key_id);
	secret = creds_trimmed(cfg->aws_secret_access_key);
	rc = creds_pair(id, secret, NULL, cfg->path != NULL ? cfg->path :
	    "config", "awsAccessKeyId", "awsSecretAccessKey", v, cause);
	creds_wipe(secret);
	free(id);
	return (rc);
}

/* The SDK's primary name, else its alternate name. */
static char *
creds_getenv(const char *name, const char *alternate)
{
	char	*s;

	if ((s = creds_trimmed(getenv(name))) == NULL && alternate != NULL)
		s = creds_trimmed(getenv(alternate));
	return (s);
}

static enum creds_result
creds_env_load(const struct config *cfg, struct creds_value *v,
    char **cause)
{
	char			*id, *secret, *token;
	enum creds_result	 rc;

	(void)cfg;
	id = creds_getenv("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY");
	secret = creds_getenv("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY");
	token = creds_getenv("AWS_SESSION_TOKEN", NULL);
	rc = creds_pair(id, secret, token, "environment",
	    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", v, cause);
	creds_wipe(token);
	creds_wipe(secret);
	free(id);
	return (rc);
}

struct creds *
creds_create(const struct config *cfg, char **cause)
{
	const struct creds_provider_ops	**p;
	struct creds			 *c;
	enum creds_result		  rc;

	c = xcalloc(1, sizeof *c);
	for (p = creds_providers; *p != NULL; p++) {
		*cause = NULL;
		if ((rc = (*p)->load(cfg, &c->value, cause)) == CREDS_FOUND) {
			c->provider = *p;
			return (c);
		}
		creds_value_clear(&c->value);
		if (rc == CREDS_ERROR)
			goto fail;
	}
	xasprintf(cause, "no AWS credentials found: set awsAccessKeyId and "
	    "awsSecretAccessKey in the config, or AWS_ACCESS_KEY_ID and "
	    "AWS_SECRET_ACCESS_KEY in the environment");

fail:
	free(c);
	return (NULL);
}

int
creds_get(struct creds *c, struct sigv4_credentials *out)
{
	if (c->value.expiration != 0 && time(NULL) >= c->value.expiration)
		return (-1);
	out->access_key_id = c->value.access_key_id;
	out->secret_access_key = c->value.secret_access_key;
	out->session_token = c->value.session_token;
	return (0);
}

const char *
creds_source(struct creds *c)
{
	return (c->provider->name);
}

void
creds_free(struct creds *c)
{
	if (c == NULL)
		return;
	creds_value_clear(&c->value);
	free(c);
}
