/*
 * awsfiles: the AWS shared configuration files, read as the AWS SDKs and
 * the AWS CLI read them (docs.aws.amazon.com/sdkref/latest/guide/
 * file-format.html).
 *
 *   ~/.aws/config         [default] and [profile NAME] sections;
 *   ~/.aws/credentials    [default] and [NAME] sections.
 *
 * The environment picks the files and the profile, read at each call:
 *   AWS_CONFIG_FILE               the config file (default ~/.aws/config);
 *   AWS_SHARED_CREDENTIALS_FILE   the credentials file;
 *   AWS_PROFILE                   the profile (default "default").
 * ~ is $HOME, or the user's home directory from the password database
 * when HOME is unset (a daemon's environment often lacks it).
 *
 * Syntax: "key = value" lines; a line that starts with # or ; is a
 * comment, and so is the rest of a value from a " #" or " ;" on; an
 * indented line continues a nested setting (such as "s3 =") and is
 * skipped; section names and keys are matched exactly, after trimming.
 */
#ifndef AWSFILES_H
#define AWSFILES_H

enum awsfiles_file {
	AWSFILES_CONFIG,
	AWSFILES_CREDENTIALS
};

/*
 * Returns the path of the file (the caller frees it), or NULL when there
 * is no home directory to find it in.
 */
char		*awsfiles_path(enum awsfiles_file);

/* Returns the profile in use: AWS_PROFILE, else "default". */
const char	*awsfiles_profile(void);

/*
 * Looks up key in profile (NULL: awsfiles_profile()) of the given file.
 * Returns 1 with *value set (the caller frees it) and, if where is not
 * NULL, *where set to "PATH, profile NAME" for messages (the caller frees
 * it); 0 when the file, the profile or the key is missing (a missing file
 * is not an error: most machines have none); -1 with *cause set (the
 * caller frees it) when the file exists but cannot be read.
 */
int		 awsfiles_get(enum awsfiles_file, const char *profile,
		    const char *key, char **value, char **where, char **cause);

#endif /* AWSFILES_H */
