/*
 * health: the daemon's health, from its status document (see health.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "health.h"
#include "metrics.h"

static int64_t
health_int(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	return (json_is_integer(v) ? (int64_t)json_integer_value(v) : 0);
}

static void
health_add(json_t *reasons, int *bad, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
health_add(json_t *reasons, int *bad, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_array_append_new(reasons, json_string(buf));
	if (bad != NULL)
		*bad = 1;
}

/* One flow's reasons; returns whether it has any. */
static int
health_flow(json_t *reasons, json_t *f, uint64_t spool_max)
{
	const char	*name, *what, *state;
	json_t		*p;
	int64_t		 n;
	size_t		 i;
	int		 bad = 0;

	name = json_string_value(json_object_get(f, "name"));
	if (name == NULL)
		name = "?";
	json_array_foreach(json_object_get(f, "health"), i, p) {
		what = json_string_value(json_object_get(p, "what"));
		health_add(reasons, &bad, "flow %s: %s for %llds", name,
		    what != NULL ? what : "a problem",
		    (long long)health_int(p, "seconds"));
	}
	if ((n = (int64_t)json_array_size(json_object_get(f,
	    "problems"))) > 0)
		health_add(reasons, &bad, "flow %s: %lld file%s or "
		    "director%s cannot be read", name, (long long)n,
		    n == 1 ? "" : "s", n == 1 ? "y" : "ies");
	state = json_string_value(json_object_get(f, "spoolState"));
	if (state != NULL && strcmp(state, "ok") != 0)
		health_add(reasons, &bad, "flow %s: %s", name, state);
	if (spool_max > 0 && (uint64_t)health_int(f, "spoolBytes") * 100 >
	    spool_max * HEALTH_SPOOL_PCT)
		health_add(reasons, &bad, "flow %s: spool %llu%% full", name,
		    (unsigned long long)((uint64_t)health_int(f,
		    "spoolBytes") * 100 / spool_max));
	if ((n = health_int(f, "lagGrowingSeconds")) >=
	    METRICS_LAG_DEGRADED_S)
		health_add(reasons, &bad, "flow %s: falling behind for %lld "
		    "min (%lld bytes not read)", name, (long long)(n / 60),
		    (long long)health_int(f, "bytesBehind"));
	if ((n = health_int(f, "deadLetters")) > 0)
		health_add(reasons, &bad, "flow %s: %lld dead letter%s "
		    "(sluicectl state)", name, (long long)n, n == 1 ? "" : "s");
	return (bad);
}

void
health_judge(json_t *doc, uint64_t spool_max, int creds_ok)
{
	json_t	*reasons, *f;
	size_t	 i, n;
	int	 flows;

	reasons = json_array();
	/* {"since", "error"}: the file on disk would fail the next start. */
	if ((f = json_object_get(doc, "reloadRefused")) != NULL)
		health_add(reasons, NULL, "the configuration file is not "
		    "valid (reload refused %llds ago; running on the one "
		    "before): %s; the next start would fail (sluiced -n)",
		    (long long)(time(NULL) - health_int(f, "since")),
		    json_is_string(json_object_get(f, "error")) ?
		    json_string_value(json_object_get(f, "error")) : "?");
	flows = json_array_size(json_object_get(doc, "flows")) > 0;
	if (!creds_ok && flows)
		health_add(reasons, NULL, "no AWS credentials: records are "
		    "spooled, not sent");
	json_array_foreach(json_object_get(doc, "flows"), i, f) {
		if (!json_is_object(f))
			continue;
		json_object_set_new(f, "degraded", json_boolean(
		    health_flow(reasons, f, spool_max)));
	}
	/* Dead letters: {"flow", "records"} each (deadletter.h). */
	json_array_foreach(json_object_get(doc, "deadLetters"), i, f) {
		if (health_int(f, "records") <= 0)
			continue;
		health_add(reasons, NULL, "flow %s: %lld dead letter%s "
		    "(sluicectl state)", json_is_string(json_object_get(f,
		    "flow")) ? json_string_value(json_object_get(f, "flow")) :
		    "?", (long long)health_int(f, "records"),
		    health_int(f, "records") == 1 ? "" : "s");
	}
	if ((n = json_array_size(json_object_get(doc, "orphanedState"))) > 0)
		health_add(reasons, NULL, "%zu orphaned state director%s "
		    "(sluicectl state)", n, n == 1 ? "y" : "ies");
	if ((n = json_array_size(json_object_get(doc, "refusedFlows"))) > 0)
		health_add(reasons, NULL, "%zu refused flow%s (sluicectl "
		    "state)", n, n == 1 ? "" : "s");
	json_object_set_new(doc, "healthy",
	    json_boolean(json_array_size(reasons) == 0));
	json_object_set_new(doc, "degraded", reasons);
}
