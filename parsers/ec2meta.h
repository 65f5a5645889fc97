/*
 * ec2meta: the EC2 instance's identity and tags, for the ADDEC2METADATA
 * converter, fetched by a background thread so that converting a record
 * never waits on the network.
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
 *   AWS_ACCESS_KEY_ID etc.              credentials for DescribeTags (see
 *                                       creds.h); without them, the
 *                                       instance role's from IMDS.
 *
 * The snapshot is a json object holding, in this order, privateIp,
 * availabilityZone, instanceId, instanceType, accountId, amiId, region
 * (strings, or null when the document lacks them), metadataTimestamp (the
 * time of the fetch as "yyyy-MM-dd'T'HH:mm:ssZ" in local time, e.g.
 * "2024-05-01T12:00:00+0000") and, when DescribeTags succeeded, tags (an
 * object of lower-cased key to value).  As in the agent, a failed
 * DescribeTags leaves tags out, and a failed identity fetch leaves no
 * snapshot at all.
 */
#ifndef EC2META_H
#define EC2META_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Retry a failed fetch after at most this long, even with a longer TTL. */
#define EC2META_RETRY_SECS	60

struct ec2meta;

/*
 * Starts the fetcher: it fetches at once, then again ttl seconds (at least
 * 1) after each successful fetch, and min(ttl, EC2META_RETRY_SECS) after a
 * failed one.  Waits up to wait_ms for the first fetch to finish, so that
 * the first records usually get metadata.  Returns NULL with *cause set
 * (the caller frees it) only if the thread cannot be started: metadata
 * that cannot be had is not an error here (see ec2meta_update).  Free with
 * ec2meta_free.
 */
struct ec2meta	*ec2meta_create(unsigned int ttl, unsigned int wait_ms,
		    char **cause);

/*
 * Brings the caller's copy up to date.  *gen is the generation the caller
 * has (start with 0).  If a newer snapshot exists, releases *meta and
 * *cause, sets *meta to a private copy of the snapshot (the caller owns
 * it; NULL if there is no metadata, in which case *cause is set to the
 * reason, also owned by the caller), sets *gen and returns 1.  Otherwise
 * changes nothing and returns 0.  Takes a lock only briefly; safe to call
 * from any thread.
 */
int		 ec2meta_update(struct ec2meta *, uint64_t *gen, json_t **meta,
		    char **cause);

/*
 * Stops the thread (an HTTP request in progress is abandoned within about
 * a second) and frees everything.  NULL is allowed.
 */
void		 ec2meta_free(struct ec2meta *);

/*
 * Parses a DescribeTags response body (EC2 Query API XML) into a json
 * object of lower-cased tag key to value, in document order; a later
 * duplicate key replaces the value in place, as Java's LinkedHashMap
 * does.  Entities (&amp; &lt; &gt; &quot; &apos; &#N; &#xN;) are decoded.
 * Returns the object (the caller owns it), or NULL with *cause set (the
 * caller frees it) if the body is not a DescribeTagsResponse or has more
 * than EC2META_MAX_TAGS tags.
 */
#define EC2META_MAX_TAGS	1000
json_t		*ec2meta_parse_tags(const char *xml, size_t len, char **cause);

#endif /* EC2META_H */
