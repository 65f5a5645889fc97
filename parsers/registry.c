/*
 * registry: every converter sluice knows, by optionName.  The Kinesis
 * Agent's come first, in the order of its DataConversionOption enum, then
 * sluice's own.
 */
#include <stddef.h>
#include <string.h>

#include "converter.h"

const struct converter_ops *const converter_registry[] = {
	&addmetadata_ops,
	&addec2metadata_ops,
	&singleline_ops,
	&csvtojson_ops,
	&logtojson_ops,
	&addbrackets_ops,
	&regextojson_ops,
	&parsejson_ops,
	NULL
};

const struct converter_ops *
converter_find(const char *name)
{
	size_t	i;

	for (i = 0; converter_registry[i] != NULL; i++)
		if (strcmp(converter_registry[i]->name, name) == 0)
			return (converter_registry[i]);
	return (NULL);
}
