/*
 * imds: the EC2 instance metadata client.  It fetches the instance's
 * identity and tags on a thread of its own and hands out immutable
 * snapshots (struct ec2_metadata, parsers/ec2_metadata.h), so that whoever
 * reads them, such as ADDEC2METADATA, never waits on the network.
 *
 * What is fetched is what the Kinesis Agent's AddEC2MetadataConverter
 * reads through the AWS SDK for Java: the instance identity document from
 * the instance metadata service (EC2MetadataUtils.getInstanceInfo), and
 * the instance's tags from the EC2 DescribeTags API, whose keys are
 * lower-cased.  IMDSv2 is used (a session token from PUT
 * /latest/api/token); a service that answers the token request with 403,
 * 404 or 405 is read without a token (IMDSv1), as the SDKs fall back.
 *
 * The environment is read once, at creation, as the AWS SDKs read it:
 *   AWS_EC2_METADATA_DISABLED=true      no IMDS (so no metadata at all);
 *   AWS_EC2_METADATA_SERVICE_ENDPOINT   IMDS base URL (default
 *                                       http://169.254.169.254);
 *   AWS_REGION                          region of the EC2 API (default:
 *                                       the identity document's region);
 *   AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL
 *                                       EC2 API base URL (default
 *                                       https://ec2.REGION.amazonaws.com);
 *   AWS_ACCESS_KEY_ID etc.              credentials for DescribeTags: the
 *                                       daemon's chain (imds_set_creds),
 *                                       else the SDK default chain
 *                                       (creds.h without the config).
 *
 * Nothing is fetched, and no thread runs, until the first imds_get: a
 * daemon whose flows never ask for metadata (or `sluiced -n`) never
 * touches the network for it.  As in the agent, a failed DescribeTags
 * leaves the tags out (has_tags 0), and a failed identity fetch makes a
 * snapshot with only an error.
 */
#ifndef IMDS_H
#define IMDS_H

#include <stddef.h>

#include <stdatomic.h>

#include <jansson.h>

#include "creds.h"

struct ec2_metadata;
struct imds;

/* The first imds_get waits this long for the first fetch (~1 ms on EC2). */
#define IMDS_WAIT_MS		2000
/* Retry a failed fetch after at most this long, even with a longer TTL. */
#define IMDS_RETRY_SECS		60

/*
 * Reads the environment and returns a client that has not started: no
 * thread, no request.  Free with imds_free.
 */
struct imds	*imds_create(void);

/*
 * Returns a reference to the latest snapshot (the caller releases it with
 * imds_release), or NULL if there is none yet.  The first call starts the
 * fetcher and waits up to IMDS_WAIT_MS for its first fetch, so that the
 * first records usually get metadata.  max_age is how old, in seconds, a
 * snapshot may grow: the fetcher refreshes at the smallest max_age any
 * call gave (at least 1), and retries a failed fetch after
 * min(that, IMDS_RETRY_SECS).  Safe to call from any thread.
 */
const struct ec2_metadata *imds_get(struct imds *, unsigned int max_age);

/* Drops a reference from imds_get; NULL is allowed. */
void		 imds_release(const struct ec2_metadata *);

/*
 * imds_get for struct conv_ctx's ec2 member, arg being the struct imds:
 * the client keeps the reference, and the snapshot stays valid until the
 * next call or imds_free.  For the one thread that converts records; it
 * takes no lock while the snapshot it holds is the latest.
 */
const struct ec2_metadata *imds_conv_get(void *arg, unsigned int max_age);

/*
 * Stops the thread (an HTTP request in progress is abandoned within about
 * a second) and frees the client; snapshots still referenced stay valid
 * until released.  NULL is allowed.
 */
void		 imds_free(struct imds *);

/*
 * Parses a DescribeTags response body (EC2 Query API XML) into a json
 * object of lower-cased tag key to value, in document order; a later
 * duplicate key replaces the value in place, as Java's LinkedHashMap
 * does.  Entities (&amp; &lt; &gt; &quot; &apos; &#N; &#xN;) are decoded.
 * Returns the object (the caller owns it), or NULL with *cause set (the
 * caller frees it) if the body is not a DescribeTagsResponse or has more
 * than IMDS_MAX_TAGS tags.
 */
#define IMDS_MAX_TAGS		1000
json_t		*imds_parse_tags(const char *xml, size_t len, char **cause);

/*
 * The instance role's credentials (creds.h's last provider), through the
 * same token and HTTP path as the metadata: a token PUT, the role's name,
 * then its credentials.  Blocking for up to a few seconds, abandoned when
 * *stop is set.  IMDSv1 (no token API) is used only with v1_fallback.
 * Returns CREDS_FOUND with *v filled and *desc ("instance role NAME
 * (IMDSv2)"); CREDS_NONE when there is no metadata service
 * (AWS_EC2_METADATA_DISABLED, not reachable), with *cause perhaps set;
 * CREDS_ERROR with *cause when it answers but gives no credentials.  The
 * caller frees *desc and *cause and clears *v.
 */
enum creds_result imds_role_credentials(struct imds *, int v1_fallback,
		    const atomic_int *stop, struct creds_value *v,
		    char **desc, char **cause);

/*
 * Makes DescribeTags sign with c (the daemon's credential chain) rather
 * than the SDK default chain of its own; NULL goes back to that.  c must
 * outlive its use: imds_free, or imds_set_creds(m, NULL), first.
 */
void		 imds_set_creds(struct imds *, struct creds *c);

/*
 * A minimal XML reader for the AWS Query APIs' answers (EC2, STS).
 * imds_xml_find finds the element <name> (or <name/>) in [s, end) at any
 * depth: returns 1 with its content and where it ends, or 0.
 * imds_xml_text decodes character data (entities, CDATA) into a new
 * string, or returns NULL on a bad entity.
 */
int		 imds_xml_find(const char *s, const char *end,
		    const char *name, const char **content, size_t *clen,
		    const char **after);
char		*imds_xml_text(const char *s, size_t len, size_t *outlen);

#endif /* IMDS_H */
