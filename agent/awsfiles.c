/*
 * awsfiles: the AWS shared configuration files (see awsfiles.h).
 */
#include <sys/types.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "awsfiles.h"
#include "xmalloc.h"

/* A longer line is not a setting we read; it is skipped. */
#define AWSFILES_LINE_MAX	8192

char *
awsfiles_path(enum awsfiles_file which)
{
	const char	*env, *home, *name;
	struct passwd	*pw;
	char		*path;

	env = getenv(which == AWSFILES_CONFIG ? "AWS_CONFIG_FILE" :
	    "AWS_SHARED_CREDENTIALS_FILE");
	if (env != NULL && *env != '\0')
		return (xstrdup(env));
	if ((home = getenv("HOME")) == NULL || *home == '\0') {
		if ((pw = getpwuid(getuid())) == NULL || pw->pw_dir == NULL ||
		    *pw->pw_dir == '\0')
			return (NULL);
		home = pw->pw_dir;
	}
	name = which == AWSFILES_CONFIG ? "config" : "credentials";
	xasprintf(&path, "%s/.aws/%s", home, name);
	return (path);
}

const char *
awsfiles_profile(void)
{
	const char	*p;

	if ((p = getenv("AWS_PROFILE")) != NULL && *p != '\0')
		return (p);
	return ("default");
}

/* Trims white space at both ends, in place. */
static char *
awsfiles_trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return (s);
}

/*
 * Whether the section header in line (without its brackets, trimmed) is
 * the profile's.  The config file names profiles "profile NAME", except
 * the default one; the credentials file names them bare.
 */
static int
awsfiles_is_section(enum awsfiles_file which, const char *name,
    const char *profile)
{
	if (which == AWSFILES_CREDENTIALS || strcmp(profile, "default") == 0)
		if (strcmp(name, profile) == 0)
			return (1);
	if (which == AWSFILES_CONFIG && strncmp(name, "profile", 7) == 0 &&
	    (name[7] == ' ' || name[7] == '\t')) {
		name += 7;
		while (*name == ' ' || *name == '\t')
			name++;
		return (strcmp(name, profile) == 0);
	}
	return (0);
}

/* Cuts a " #" or " ;" comment off a value. */
static void
awsfiles_cut_comment(char *v)
{
	char	*p;

	for (p = v; *p != '\0'; p++)
		if ((*p == '#' || *p == ';') && p > v &&
		    (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
}

int
awsfiles_get(enum awsfiles_file which, const char *profile, const char *key,
    char **value, char **where, char **cause)
{
	FILE		*f;
	char		*path, *line, *s, *eq, *end;
	int		 in = 0, found = 0;

	*value = NULL;
	if (where != NULL)
		*where = NULL;
	if (profile == NULL)
		profile = awsfiles_profile();
	if ((path = awsfiles_path(which)) == NULL)
		return (0);
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR) {
			free(path);
			return (0);
		}
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(path);
		return (-1);
	}
	line = xmalloc(AWSFILES_LINE_MAX);
	while (!found && fgets(line, AWSFILES_LINE_MAX, f) != NULL) {
		if (strchr(line, '\n') == NULL && !feof(f)) {
			/* Overlong: skip the rest of it. */
			while (fgets(line, AWSFILES_LINE_MAX, f) != NULL &&
			    strchr(line, '\n') == NULL)
				;
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t')
			continue;	/* nested setting, or blank */
		s = awsfiles_trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			if ((end = strchr(s, ']')) == NULL) {
				in = 0;
				continue;
			}
			*end = '\0';
			in = awsfiles_is_section(which, awsfiles_trim(s + 1),
			    profile);
			continue;
		}
		if (!in || (eq = strchr(s, '=')) == NULL)
			continue;
		*eq = '\0';
		if (strcmp(awsfiles_trim(s), key) != 0)
			continue;
		awsfiles_cut_comment(eq + 1);
		*value = xstrdup(awsfiles_trim(eq + 1));
		found = 1;
	}
	if (ferror(f)) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(*value);
		*value = NULL;
		found = -1;
	} else if (found && where != NULL)
		xasprintf(where, "%s, profile %s", path, profile);
	fclose(f);
	/* The line may have held a secret key. */
	explicit_bzero(line, AWSFILES_LINE_MAX);
	free(line);
	free(path);
	return (found);
}
