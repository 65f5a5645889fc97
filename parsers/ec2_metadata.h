/*
 * ec2_metadata: the EC2 instance's identity and tags, as ADDEC2METADATA
 * puts them into records.
 *
 * The agent's metadata client (agent/imds.c) fetches them; a converter
 * gets them through its context (struct conv_ctx in converter.h), so that
 * parsers/ needs nothing from agent/.  A snapshot is immutable once it is
 * handed out, and whoever hands it out keeps it alive for as long as the
 * context says; each new snapshot has a new gen, so a converter that
 * caches what it made of one knows when to make it again.
 */
#ifndef EC2_METADATA_H
#define EC2_METADATA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* One tag from DescribeTags. */
struct ec2_metadata_tag {
	const char	*key;		/* lower-cased, unique here */
	const char	*value;		/* value_len bytes of UTF-8, NULs too */
	size_t		 value_len;
};

struct ec2_metadata {
	uint64_t	 gen;		/* > 0, different for every snapshot */

	/*
	 * Non-NULL: there is no metadata (the identity document could not be
	 * had), and this says why; the fields below are then unset.
	 */
	const char	*error;

	/* The identity document's strings, NULL where it lacks one. */
	const char	*private_ip;		/* privateIp */
	const char	*availability_zone;	/* availabilityZone */
	const char	*instance_id;		/* instanceId */
	const char	*instance_type;		/* instanceType */
	const char	*account_id;		/* accountId */
	const char	*ami_id;		/* imageId */
	const char	*region;		/* region */

	time_t		 fetched;	/* when the fetch began */

	/*
	 * The tags, in DescribeTags' order (a later duplicate key replaced
	 * the value in place).  has_tags is 0 when DescribeTags failed: the
	 * agent then leaves "tags" out, where no tags at all is an empty
	 * object.
	 */
	int				 has_tags;
	const struct ec2_metadata_tag	*tags;
	size_t				 ntags;
};

/*
 * The identity fields, in the order ADDEC2METADATA adds them: doc is the
 * key in IMDS's instance identity document, key the member the record
 * gets (the agent's names; they differ for the AMI), and off where struct
 * ec2_metadata keeps the value (a const char *, or NULL).
 */
struct ec2_metadata_field {
	const char	*doc;
	const char	*key;
	size_t		 off;
};
#define EC2_METADATA_NFIELDS	7
extern const struct ec2_metadata_field
		ec2_metadata_fields[EC2_METADATA_NFIELDS];

#endif /* EC2_METADATA_H */
