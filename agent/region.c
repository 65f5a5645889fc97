/*
 * region: the region of each destination (see region.h).
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "awsfiles.h"
#include "config.h"
#include "dest.h"
#include "ec2_metadata.h"
#include "imds.h"
#include "log.h"
#include "region.h"
#include "xmalloc.h"

/* The region in an endpoint URL's AWS host name, or NULL. */
static char *
region_from_endpoint(const char *endpoint)
{
	CURLU	*u;
	char	*host = NULL, *r = NULL;

	if (endpoint == NULL || *endpoint == '\0')
		return (NULL);
	if ((u = curl_url()) == NULL)
		fatalx("region: curl_url");
	if (curl_url_set(u, CURLUPART_URL, endpoint, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		r = dest_region_from_host(host);
	curl_free(host);
	curl_url_cleanup(u);
	return (r);
}

/*
 * Whether r has a region's shape: two letters, words, a number
 * ("eu-west-1", "us-gov-west-1", "cn-north-1").  Only for a warning: a
 * new kind of name must not be refused.
 */
static int
region_is_plausible(const char *r)
{
	const char	*p = r;
	int		 words = 0;

	if (strspn(p, "abcdefghijklmnopqrstuvwxyz") != 2)
		return (0);
	p += 2;
	while (*p == '-' && strspn(p + 1, "abcdefghijklmnopqrstuvwxyz") > 0) {
		p++;
		p += strspn(p, "abcdefghijklmnopqrstuvwxyz");
		words++;
	}
	if (words == 0 || *p++ != '-' || strspn(p, "0123456789") == 0)
		return (0);
	return (p[strspn(p, "0123456789")] == '\0');
}

/*
 * The region that no key names, from the environment, the profile or
 * (when imds is not NULL) the instance metadata.  Returns it allocated
 * with *source set to where it came from (allocated), or NULL.
 */
static char *
region_default(struct imds *imds, char **source)
{
	static const char		*vars[] = {
		"AWS_REGION", "AWS_DEFAULT_REGION", NULL
	};
	const struct ec2_metadata	*md;
	const char			**var, *v;
	char				*r = NULL, *cause = NULL;

	for (var = vars; *var != NULL; var++)
		if ((v = getenv(*var)) != NULL && *v != '\0') {
			*source = xstrdup(*var);
			return (xstrdup(v));
		}
	switch (awsfiles_get(AWSFILES_CONFIG, NULL, "region", &r, source,
	    &cause)) {
	case 1:
		if (*r != '\0')
			return (r);
		free(r);
		free(*source);
		*source = NULL;
		break;
	case -1:
		log_warnx("region: %s", cause);
		free(cause);
		break;
	}
	if (imds == NULL)
		return (NULL);
	if ((md = imds_get(imds, 3600)) != NULL && md->error == NULL &&
	    md->region != NULL && *md->region != '\0') {
		r = xstrdup(md->region);
		*source = xstrdup("instance metadata");
	}
	imds_release(md);
	return (r);
}

int
region_resolve(struct config *cfg, struct imds *imds, char **cause)
{
	struct {
		enum config_dest	 kind;
		const char		*name, *key;
		char			**region;
		const char		*endpoint;
	} dests[] = {
		{ CONFIG_DEST_KINESIS, "Kinesis", "kinesis.region",
		  &cfg->kinesis_region,
		  dest_endpoint_url(CONFIG_DEST_KINESIS, cfg) },
		{ CONFIG_DEST_FIREHOSE, "Firehose", "firehose.region",
		  &cfg->firehose_region,
		  dest_endpoint_url(CONFIG_DEST_FIREHOSE, cfg) },
	};
	char		*def = NULL, *defsource = NULL, *r;
	size_t		 i, j;
	int		 used, looked = 0, rv = -1;

	for (i = 0; i < sizeof dests / sizeof dests[0]; i++) {
		for (used = 0, j = 0; j < cfg->nflows; j++)
			if (cfg->flows[j].dest == dests[i].kind)
				used = 1;
		if (!used)
			continue;
		if (*dests[i].region != NULL && **dests[i].region != '\0') {
			log_info("%s region %s (from %s)", dests[i].name,
			    *dests[i].region, dests[i].key);
			if (!region_is_plausible(*dests[i].region))
				log_warnx("%s is \"%s\", which does not look "
				    "like an AWS region (such as eu-west-1)",
				    dests[i].key, *dests[i].region);
			/* AWS refuses a request signed for another region. */
			r = region_from_endpoint(dests[i].endpoint);
			if (r != NULL && strcmp(r, *dests[i].region) != 0)
				log_warnx("%s is %s but the endpoint %s is in "
				    "%s: AWS refuses requests signed for "
				    "another region; make them agree",
				    dests[i].key, *dests[i].region,
				    dests[i].endpoint, r);
			free(r);
			continue;
		}
		if ((r = region_from_endpoint(dests[i].endpoint)) != NULL) {
			log_info("%s region %s (from the endpoint's host)",
			    dests[i].name, r);
			free(*dests[i].region);
			*dests[i].region = r;
			continue;
		}
		if (!looked) {
			def = region_default(imds, &defsource);
			looked = 1;
		}
		if (def == NULL && imds == NULL) {
			log_warnx("no region for %s in %s, AWS_REGION or the "
			    "AWS config file: the instance metadata will be "
			    "asked at start; set %s to be sure", dests[i].name,
			    cfg->path, dests[i].key);
			continue;
		}
		if (def == NULL) {
			xasprintf(cause, "no region for %s: set %s in %s, or "
			    "AWS_REGION in the environment, or region in the "
			    "AWS config file's profile (the instance metadata "
			    "did not answer either)", dests[i].name,
			    dests[i].key, cfg->path);
			goto out;
		}
		log_info("%s region %s (from %s)", dests[i].name, def,
		    defsource);
		free(*dests[i].region);
		*dests[i].region = xstrdup(def);
	}
	rv = 0;
out:
	free(def);
	free(defsource);
	return (rv);
}
