/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsIngest"

#include "config.h"

#include <string.h>

#include "gs-enums-types.h"
#include "gs-ingest-private.h"

/* GsIngest's counters: every outcome and reason, in total and per source, and their snapshot
 * for metrics */

const gchar *
gs_ingest_outcome_to_string(GsIngestOutcome outcome)
{
	static GEnumClass *klass = NULL;
	GEnumValue *value;

	if (g_once_init_enter(&klass))
		g_once_init_leave(&klass, g_type_class_ref(GS_TYPE_INGEST_OUTCOME));
	value = g_enum_get_value(klass, outcome);
	return value != NULL ? value->value_nick : NULL;
}

void
gs_ingest_count(GsIngest *self, GsIngestItem *item)
{
	GsIngestCounters *counters[] = {&self->totals,
					item->source != NULL ? &item->source->counters : NULL};

	for (guint i = 0; i < G_N_ELEMENTS(counters); i++) {
		if (counters[i] == NULL)
			continue;
		counters[i]->outcomes[item->outcome]++;
		counters[i]->verify_skipped += item->verify_skipped ? 1 : 0;
		if (item->reason != GS_REJECT_REASON_NONE)
			counters[i]->reasons[item->reason]++;
	}
}

/**
 * gs_ingest_get_counters:
 * @source: (nullable): a source, or %NULL for the totals
 * @counters: (out caller-allocates): the values
 *
 * Returns: %FALSE (and zeros) when @source is unknown
 */
gboolean
gs_ingest_get_counters(GsIngest *self, const gchar *source, GsIngestCounters *counters)
{
	GsIngestSourceState *state;

	g_return_val_if_fail(GS_IS_INGEST(self), FALSE);
	memset(counters, 0, sizeof(*counters));
	if (source == NULL) {
		*counters = self->totals;
		return TRUE;
	}
	state = g_hash_table_lookup(self->sources, source);
	if (state == NULL)
		return FALSE;
	*counters = state->counters;
	return TRUE;
}

static GVariant *
gs_ingest_counters_to_variant(const GsIngestCounters *c)
{
	GVariantDict dict;
	GVariantBuilder outcomes;
	GVariantBuilder reasons;

	g_variant_builder_init(&outcomes, G_VARIANT_TYPE("a{st}"));
	for (guint i = 0; i < GS_INGEST_OUTCOME_LAST; i++)
		g_variant_builder_add(
			&outcomes, "{st}", gs_ingest_outcome_to_string(i), c->outcomes[i]);
	g_variant_builder_init(&reasons, G_VARIANT_TYPE("a{st}"));
	for (guint i = GS_REJECT_REASON_NONE + 1; i < GS_REJECT_REASON_LAST; i++) {
		if (c->reasons[i] > 0)
			g_variant_builder_add(
				&reasons, "{st}", gs_reject_reason_to_string(i), c->reasons[i]);
	}
	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "received", "t", c->received);
	g_variant_dict_insert(&dict, "reprocessed", "t", c->reprocessed);
	g_variant_dict_insert(&dict, "transactions", "t", c->transactions);
	g_variant_dict_insert(&dict, "inserted", "t", c->inserted);
	g_variant_dict_insert(&dict, "verify-skipped", "t", c->verify_skipped);
	g_variant_dict_insert_value(&dict, "outcomes", g_variant_builder_end(&outcomes));
	g_variant_dict_insert_value(&dict, "reasons", g_variant_builder_end(&reasons));
	return g_variant_dict_end(&dict);
}

/**
 * gs_ingest_dup_counters:
 *
 * A snapshot for metrics: an `a{sv}` with "received", "reprocessed", "transactions",
 * "inserted" and "verify-skipped" (t), "outcomes" (a{st} by outcome nick) and "reasons" (a{st} by
 * reason nick, non-zero only) for the totals, and "sources" (a{sa{sv}}) with the same keys per
 * source.
 *
 * Returns: (transfer full): a non-floating GVariant
 */
GVariant *
gs_ingest_dup_counters(GsIngest *self)
{
	g_autoptr(GVariant) totals = NULL;
	GVariantDict dict;
	GVariantBuilder sources;
	GHashTableIter iter;
	gpointer value;

	g_return_val_if_fail(GS_IS_INGEST(self), NULL);
	g_variant_builder_init(&sources, G_VARIANT_TYPE("a{sa{sv}}"));
	g_hash_table_iter_init(&iter, self->sources);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		GsIngestSourceState *state = value;
		g_variant_builder_add(&sources,
				      "{s@a{sv}}",
				      state->name,
				      gs_ingest_counters_to_variant(&state->counters));
	}
	totals = g_variant_ref_sink(gs_ingest_counters_to_variant(&self->totals));
	g_variant_dict_init(&dict, totals);
	g_variant_dict_insert_value(&dict, "sources", g_variant_builder_end(&sources));
	return g_variant_ref_sink(g_variant_dict_end(&dict));
}

/**
 * gs_ingest_forget_source:
 *
 * Drops the counters of @source (a relay that was removed), once its events in flight are
 * done. The totals keep counting them.
 */
void
gs_ingest_forget_source(GsIngest *self, const gchar *source)
{
	GsIngestSourceState *state;

	g_return_if_fail(GS_IS_INGEST(self));
	state = g_hash_table_lookup(self->sources, source);
	if (state == NULL)
		return;
	state->forgotten = TRUE;
	if (state->n_items == 0)
		g_hash_table_remove(self->sources, source);
}
