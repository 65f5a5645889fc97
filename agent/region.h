/*
 * region: which AWS region each destination signs for, found once at
 * start, so that dest.c only reads cfg->kinesis_region and
 * cfg->firehose_region.  For a destination some flow uses whose region key
 * is unset, the first of these that has one wins:
 *
 *   1. the region in the endpoint's host name, when kinesis.endpoint or
 *      firehose.endpoint names an AWS host (kinesis.eu-west-1.amazonaws.com);
 *   2. AWS_REGION, then AWS_DEFAULT_REGION;
 *   3. "region" in the profile of the AWS config file (awsfiles.h);
 *   4. the instance's region, from EC2 instance metadata (imds.h).
 *
 * Nothing falls back to us-east-1: with none, the error says how to set
 * one.
 */
#ifndef REGION_H
#define REGION_H

struct config;
struct imds;

/*
 * Fills the unset region keys of cfg for the destinations its flows use,
 * and logs each region and where it came from once.  imds is asked only
 * when nothing else names a region; with imds NULL (sluiced -n, which
 * touches no network) a missing region is a warning that says so, and 0
 * is returned.  Returns 0, or -1 with *cause set (the caller frees it)
 * when a destination has no region.
 */
int		 region_resolve(struct config *, struct imds *, char **cause);

#endif /* REGION_H */
