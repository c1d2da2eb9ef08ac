/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsNegentropy"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gs-error.h"
#include "gs-negentropy.h"

#define GS_NEGENTROPY_MODE_SKIP 0
#define GS_NEGENTROPY_MODE_FINGERPRINT 1
#define GS_NEGENTROPY_MODE_IDLIST 2

#define GS_NEGENTROPY_BUCKETS 16

struct _GsNegentropy {
	GsNegentropyStorage *storage;
	gsize frame_size_limit;
	gboolean initiator;
	gboolean reference_digest;
	/* ids already reported, so that repeats under frame limits are not reported again */
	guint8 *have_seen; /* one bit per storage index, allocated on first use */
	GTree *need_seen;  /* a tree, not a hash table: a peer cannot force collisions */
};

/* a range bound: the key is (ts, id) with id zero-padded; len bytes of it go on the wire */
typedef struct {
	guint64 ts;
	guint len;
	guint8 id[GS_NEGENTROPY_ID_SIZE];
} GsNegentropyBound;

/* the state of processing one incoming message */
typedef struct {
	GsNegentropy *self;
	gsize n;
	const guint8 *pos;
	const guint8 *end;
	guint64 last_in;
	guint64 last_out;
	GByteArray *out;
	GByteArray *o; /* the current range's output, dropped if it would overflow the frame */
	GsNegentropyBound prev_bound;
	gsize prev_index;
	gsize written_index; /* storage index of the last bound written to out */
	gboolean skip;
	GArray *have;
	GArray *need;
} GsNegentropyCtx;

static void
gs_negentropy_append_varint(GByteArray *buf, guint64 value)
{
	guint8 tmp[GS_NEGENTROPY_VARINT_MAX_SIZE];
	gsize n = gs_negentropy_varint_encode(value, tmp);
	g_byte_array_append(buf, tmp, n);
}

static gint
gs_negentropy_bound_cmp(const GsNegentropyBound *a, const GsNegentropyBound *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return memcmp(a->id, b->id, GS_NEGENTROPY_ID_SIZE);
}

static void
gs_negentropy_bound_init(GsNegentropyBound *bound, guint64 ts)
{
	memset(bound, 0, sizeof(*bound));
	bound->ts = ts;
}

/* the bound that is exactly record @index, with its full id */
static void
gs_negentropy_bound_from_record(GsNegentropyBound *bound, GsNegentropyStorage *st, gsize index)
{
	bound->ts = gs_negentropy_storage_get_timestamp(st, index);
	bound->len = GS_NEGENTROPY_ID_SIZE;
	memcpy(bound->id, gs_negentropy_storage_get_id(st, index), GS_NEGENTROPY_ID_SIZE);
}

/* the shortest bound above record @index - 1 and at or below record @index */
static void
gs_negentropy_bound_minimal(GsNegentropyBound *bound, GsNegentropyStorage *st, gsize index)
{
	guint64 ts_prev = gs_negentropy_storage_get_timestamp(st, index - 1);
	guint64 ts_curr = gs_negentropy_storage_get_timestamp(st, index);
	const guint8 *id_prev = gs_negentropy_storage_get_id(st, index - 1);
	const guint8 *id_curr = gs_negentropy_storage_get_id(st, index);
	guint shared = 0;

	gs_negentropy_bound_init(bound, ts_curr);
	if (ts_prev != ts_curr)
		return;
	while (shared < GS_NEGENTROPY_ID_SIZE && id_prev[shared] == id_curr[shared])
		shared++;
	bound->len = MIN(shared + 1, GS_NEGENTROPY_ID_SIZE);
	memcpy(bound->id, id_curr, bound->len);
}

static void
gs_negentropy_encode_bound(GsNegentropyCtx *ctx, GByteArray *buf, const GsNegentropyBound *bound)
{
	if (bound->ts == GS_NEGENTROPY_TIMESTAMP_INFINITY) {
		ctx->last_out = GS_NEGENTROPY_TIMESTAMP_INFINITY;
		gs_negentropy_append_varint(buf, 0);
	} else {
		/* wraps after an infinity exactly as the reference does; no honest path needs it */
		gs_negentropy_append_varint(buf, bound->ts - ctx->last_out + 1);
		ctx->last_out = bound->ts;
	}
	gs_negentropy_append_varint(buf, bound->len);
	g_byte_array_append(buf, bound->id, bound->len);
}

static gboolean
gs_negentropy_read_bytes(GsNegentropyCtx *ctx,
			 gsize len,
			 const guint8 **data,
			 const gchar *what,
			 GError **error)
{
	if ((gsize)(ctx->end - ctx->pos) < len) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_PROTOCOL,
			    "truncated message: %s needs %" G_GSIZE_FORMAT
			    " bytes, %" G_GSIZE_FORMAT " left",
			    what,
			    len,
			    (gsize)(ctx->end - ctx->pos));
		return FALSE;
	}
	*data = ctx->pos;
	ctx->pos += len;
	return TRUE;
}

static gboolean
gs_negentropy_decode_bound(GsNegentropyCtx *ctx, GsNegentropyBound *bound, GError **error)
{
	guint64 v = 0;
	guint64 len = 0;
	const guint8 *prefix = NULL;
	static const guint8 zeros[GS_NEGENTROPY_ID_SIZE] = {0};

	if (!gs_negentropy_varint_decode(&ctx->pos, ctx->end, &v, error))
		return FALSE;
	if (v == 0 || ctx->last_in == GS_NEGENTROPY_TIMESTAMP_INFINITY ||
	    v - 1 >= GS_NEGENTROPY_TIMESTAMP_INFINITY - ctx->last_in)
		ctx->last_in = GS_NEGENTROPY_TIMESTAMP_INFINITY; /* saturates, as the reference */
	else
		ctx->last_in += v - 1;
	if (!gs_negentropy_varint_decode(&ctx->pos, ctx->end, &len, error))
		return FALSE;
	if (len > GS_NEGENTROPY_ID_SIZE) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_PROTOCOL,
			    "bound id prefix length %" G_GUINT64_FORMAT " exceeds 32",
			    len);
		return FALSE;
	}
	if (!gs_negentropy_read_bytes(ctx, len, &prefix, "bound id prefix", error))
		return FALSE;
	gs_negentropy_bound_init(bound, ctx->last_in);
	bound->len = len;
	memcpy(bound->id, prefix, len);
	/* no key lies above (infinity, zeros); one would make our own replies go backwards */
	if (bound->ts == GS_NEGENTROPY_TIMESTAMP_INFINITY && memcmp(bound->id, zeros, 32) != 0) {
		g_set_error_literal(error,
				    GS_ERROR,
				    GS_ERROR_PROTOCOL,
				    "bound above infinity: non-zero id prefix");
		return FALSE;
	}
	if (gs_negentropy_bound_cmp(bound, &ctx->prev_bound) < 0) {
		g_set_error_literal(error,
				    GS_ERROR,
				    GS_ERROR_PROTOCOL,
				    "bounds not ascending: a range ends below its start");
		return FALSE;
	}
	return TRUE;
}

/* writes ranges covering our records [lo, hi) up to @upper (spec 1.5) */
static void
gs_negentropy_split(GsNegentropyCtx *ctx,
		    GByteArray *buf,
		    gsize lo,
		    gsize hi,
		    const GsNegentropyBound *upper)
{
	GsNegentropyStorage *st = ctx->self->storage;
	gsize n = hi - lo;

	if (n < 2 * GS_NEGENTROPY_BUCKETS) {
		gs_negentropy_encode_bound(ctx, buf, upper);
		gs_negentropy_append_varint(buf, GS_NEGENTROPY_MODE_IDLIST);
		gs_negentropy_append_varint(buf, n);
		for (gsize i = lo; i < hi; i++)
			g_byte_array_append(
				buf, gs_negentropy_storage_get_id(st, i), GS_NEGENTROPY_ID_SIZE);
		return;
	}
	for (gsize b = 0, curr = lo; b < GS_NEGENTROPY_BUCKETS; b++) {
		gsize size = n / GS_NEGENTROPY_BUCKETS + (b < n % GS_NEGENTROPY_BUCKETS ? 1 : 0);
		guint8 fp[GS_NEGENTROPY_FINGERPRINT_SIZE];
		GsNegentropyBound bound;

		gs_negentropy_storage_fingerprint(st, curr, curr + size, fp);
		curr += size;
		if (curr == hi)
			bound = *upper;
		else
			gs_negentropy_bound_minimal(&bound, st, curr);
		gs_negentropy_encode_bound(ctx, buf, &bound);
		gs_negentropy_append_varint(buf, GS_NEGENTROPY_MODE_FINGERPRINT);
		g_byte_array_append(buf, fp, sizeof(fp));
	}
}

static gboolean
gs_negentropy_exceeds(GsNegentropyCtx *ctx, gsize size)
{
	gsize limit = ctx->self->frame_size_limit;
	return limit != 0 && size > limit - GS_NEGENTROPY_FRAME_SIZE_LIMIT_SLACK;
}

/* writes a pending skip up to the previous range's bound */
static void
gs_negentropy_flush_skip(GsNegentropyCtx *ctx)
{
	if (!ctx->skip)
		return;
	ctx->skip = FALSE;
	gs_negentropy_encode_bound(ctx, ctx->o, &ctx->prev_bound);
	gs_negentropy_append_varint(ctx->o, GS_NEGENTROPY_MODE_SKIP);
}

static gboolean
gs_negentropy_handle_fingerprint(GsNegentropyCtx *ctx,
				 const GsNegentropyBound *bound,
				 gsize lower,
				 gsize upper,
				 GError **error)
{
	const guint8 *theirs = NULL;
	guint8 ours[GS_NEGENTROPY_FINGERPRINT_SIZE];

	if (!gs_negentropy_read_bytes(
		    ctx, GS_NEGENTROPY_FINGERPRINT_SIZE, &theirs, "fingerprint", error))
		return FALSE;
	gs_negentropy_storage_fingerprint(ctx->self->storage, lower, upper, ours);
	if (memcmp(theirs, ours, sizeof(ours)) == 0) {
		ctx->skip = TRUE;
		return TRUE;
	}
	gs_negentropy_flush_skip(ctx);
	gs_negentropy_split(ctx, ctx->o, lower, upper, bound);
	return TRUE;
}

static int
gs_negentropy_id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, GS_NEGENTROPY_ID_SIZE);
}

static void
gs_negentropy_report_have(GsNegentropyCtx *ctx, gsize index)
{
	GsNegentropy *self = ctx->self;
	if (self->have_seen == NULL)
		self->have_seen = g_malloc0(ctx->n / 8 + 1);
	if (self->have_seen[index / 8] & (1u << (index % 8)))
		return;
	self->have_seen[index / 8] |= 1u << (index % 8);
	if (ctx->have != NULL)
		g_array_append_vals(
			ctx->have, gs_negentropy_storage_get_id(self->storage, index), 1);
}

static void
gs_negentropy_report_need(GsNegentropyCtx *ctx, const guint8 *id)
{
	GsNegentropy *self = ctx->self;
	guint8 *key;

	if (g_tree_lookup_extended(self->need_seen, id, NULL, NULL))
		return;
	key = g_memdup2(id, GS_NEGENTROPY_ID_SIZE);
	g_tree_insert(self->need_seen, key, key);
	if (ctx->need != NULL)
		g_array_append_vals(ctx->need, id, 1);
}

/*
 * initiator: have = ours in [lower, upper) missing from @ids, need = @ids missing from ours.
 * @ids is sorted and free of duplicates; ours are found in it by binary search.
 */
static void
gs_negentropy_diff_ids(GsNegentropyCtx *ctx,
		       const guint8 *ids,
		       gsize count,
		       gsize lower,
		       gsize upper)
{
	g_autofree guint8 *found = g_malloc0(count / 8 + 1);

	for (gsize i = lower; i < upper; i++) {
		const guint8 *id = gs_negentropy_storage_get_id(ctx->self->storage, i);
		const guint8 *hit = count == 0 ? NULL
					       : bsearch(id,
							 ids,
							 count,
							 GS_NEGENTROPY_ID_SIZE,
							 gs_negentropy_id_cmp);
		if (hit == NULL) {
			gs_negentropy_report_have(ctx, i);
		} else {
			gsize k = (gsize)(hit - ids) / GS_NEGENTROPY_ID_SIZE;
			found[k / 8] |= 1u << (k % 8);
		}
	}
	for (gsize k = 0; k < count; k++) {
		if ((found[k / 8] & (1u << (k % 8))) == 0)
			gs_negentropy_report_need(ctx, ids + k * GS_NEGENTROPY_ID_SIZE);
	}
}

/* sorts @count ids in place and drops repeats; returns the new count */
static gsize
gs_negentropy_sort_unique(guint8 *ids, gsize count)
{
	gsize out = 0;
	if (count > 1)
		qsort(ids, count, GS_NEGENTROPY_ID_SIZE, gs_negentropy_id_cmp);
	for (gsize i = 0; i < count; i++) {
		guint8 *id = ids + i * GS_NEGENTROPY_ID_SIZE;
		if (out > 0 && memcmp(ids + (out - 1) * GS_NEGENTROPY_ID_SIZE, id, 32) == 0)
			continue;
		memmove(ids + out * GS_NEGENTROPY_ID_SIZE, id, GS_NEGENTROPY_ID_SIZE);
		out++;
	}
	return out;
}

/* responder: all our ids in [lower, *upper), cut short if the frame would overflow */
static void
gs_negentropy_answer_ids(GsNegentropyCtx *ctx,
			 const GsNegentropyBound *bound,
			 gsize lower,
			 gsize *upper)
{
	GsNegentropyStorage *st = ctx->self->storage;
	GsNegentropyBound end_bound = *bound;
	gsize count = 0;
	g_autoptr(GByteArray) ids = g_byte_array_new();

	for (gsize i = lower; i < *upper; i++) {
		if (gs_negentropy_exceeds(ctx, ctx->out->len + ids->len)) {
			gs_negentropy_bound_from_record(&end_bound, st, i);
			*upper = i;
			break;
		}
		g_byte_array_append(
			ids, gs_negentropy_storage_get_id(st, i), GS_NEGENTROPY_ID_SIZE);
		count++;
	}
	gs_negentropy_flush_skip(ctx);
	gs_negentropy_encode_bound(ctx, ctx->o, &end_bound);
	gs_negentropy_append_varint(ctx->o, GS_NEGENTROPY_MODE_IDLIST);
	gs_negentropy_append_varint(ctx->o, count);
	g_byte_array_append(ctx->o, ids->data, ids->len);
	g_byte_array_append(ctx->out, ctx->o->data, ctx->o->len);
	g_byte_array_set_size(ctx->o, 0);
	ctx->written_index = *upper;
}

static gboolean
gs_negentropy_handle_idlist(GsNegentropyCtx *ctx,
			    const GsNegentropyBound *bound,
			    gsize lower,
			    gsize *upper,
			    GError **error)
{
	guint64 count = 0;
	const guint8 *data = NULL;
	g_autofree guint8 *ids = NULL;

	if (!gs_negentropy_varint_decode(&ctx->pos, ctx->end, &count, error))
		return FALSE;
	if (count > (gsize)(ctx->end - ctx->pos) / GS_NEGENTROPY_ID_SIZE) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_PROTOCOL,
			    "IdList count %" G_GUINT64_FORMAT " exceeds the %" G_GSIZE_FORMAT
			    " bytes left",
			    count,
			    (gsize)(ctx->end - ctx->pos));
		return FALSE;
	}
	if (!gs_negentropy_read_bytes(ctx, count * GS_NEGENTROPY_ID_SIZE, &data, "IdList", error))
		return FALSE;
	if (!ctx->self->initiator) {
		gs_negentropy_answer_ids(ctx, bound, lower, upper);
		return TRUE;
	}
	ids = g_memdup2(data, count * GS_NEGENTROPY_ID_SIZE);
	count = gs_negentropy_sort_unique(ids, count);
	gs_negentropy_diff_ids(ctx, ids, count, lower, *upper);
	ctx->skip = TRUE;
	return TRUE;
}

/* frame full: close the message with one fingerprint of everything after the last bound */
static void
gs_negentropy_close_frame(GsNegentropyCtx *ctx, gsize upper)
{
	GsNegentropyBound infinity;
	guint8 fp[GS_NEGENTROPY_FINGERPRINT_SIZE];
	gsize from = ctx->self->reference_digest ? upper : ctx->written_index;

	gs_negentropy_storage_fingerprint(ctx->self->storage, from, ctx->n, fp);
	gs_negentropy_bound_init(&infinity, GS_NEGENTROPY_TIMESTAMP_INFINITY);
	gs_negentropy_encode_bound(ctx, ctx->out, &infinity);
	gs_negentropy_append_varint(ctx->out, GS_NEGENTROPY_MODE_FINGERPRINT);
	g_byte_array_append(ctx->out, fp, sizeof(fp));
}

/* processes one range; sets *@full when the frame limit stopped the message */
static gboolean
gs_negentropy_process_range(GsNegentropyCtx *ctx, gboolean *full, GError **error)
{
	GsNegentropyBound bound;
	guint64 mode = 0;
	gsize lower = ctx->prev_index;
	gsize upper;
	gboolean ok;

	if (!gs_negentropy_decode_bound(ctx, &bound, error))
		return FALSE;
	if (!gs_negentropy_varint_decode(&ctx->pos, ctx->end, &mode, error))
		return FALSE;
	upper = gs_negentropy_storage_lower_bound(
		ctx->self->storage, lower, ctx->n, bound.ts, bound.id);
	switch (mode) {
	case GS_NEGENTROPY_MODE_SKIP:
		ctx->skip = TRUE;
		ok = TRUE;
		break;
	case GS_NEGENTROPY_MODE_FINGERPRINT:
		ok = gs_negentropy_handle_fingerprint(ctx, &bound, lower, upper, error);
		break;
	case GS_NEGENTROPY_MODE_IDLIST:
		ok = gs_negentropy_handle_idlist(ctx, &bound, lower, &upper, error);
		break;
	default:
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_PROTOCOL,
			    "unknown range mode %" G_GUINT64_FORMAT,
			    mode);
		return FALSE;
	}
	if (!ok)
		return FALSE;
	if (gs_negentropy_exceeds(ctx, ctx->out->len + ctx->o->len)) {
		gs_negentropy_close_frame(ctx, upper);
		*full = TRUE;
		return TRUE;
	}
	if (ctx->o->len > 0) {
		g_byte_array_append(ctx->out, ctx->o->data, ctx->o->len);
		g_byte_array_set_size(ctx->o, 0);
		ctx->written_index = upper;
	}
	ctx->prev_index = upper;
	ctx->prev_bound = bound;
	return TRUE;
}

static gboolean
gs_negentropy_check_version(GsNegentropy *self,
			    const guint8 *msg,
			    gsize len,
			    gboolean *supported,
			    GError **error)
{
	if (len == 0) {
		g_set_error_literal(error, GS_ERROR, GS_ERROR_PROTOCOL, "empty negentropy message");
		return FALSE;
	}
	if (msg[0] < 0x60 || msg[0] > 0x6f) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_PROTOCOL,
			    "invalid negentropy protocol version byte 0x%02x",
			    msg[0]);
		return FALSE;
	}
	*supported = msg[0] == GS_NEGENTROPY_PROTOCOL_VERSION;
	if (!*supported && self->initiator) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_PROTOCOL,
			    "unsupported negentropy protocol version %u requested",
			    (guint)(msg[0] - 0x60));
		return FALSE;
	}
	return TRUE;
}

/* the routine both roles share (spec 1.7); returns the full output */
static GByteArray *
gs_negentropy_process(GsNegentropy *self,
		      const guint8 *msg,
		      gsize len,
		      GArray *have,
		      GArray *need,
		      GError **error)
{
	GsNegentropyCtx ctx = {.self = self, .have = have, .need = need};
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GByteArray) o = g_byte_array_new();
	gboolean supported = FALSE;
	gboolean full = FALSE;
	guint8 version = GS_NEGENTROPY_PROTOCOL_VERSION;

	if (!gs_negentropy_check_version(self, msg, len, &supported, error))
		return NULL;
	g_byte_array_append(out, &version, 1);
	if (!supported)
		return g_steal_pointer(&out);
	ctx.n = gs_negentropy_storage_get_size(self->storage);
	ctx.pos = msg + 1;
	ctx.end = msg + len;
	ctx.out = out;
	ctx.o = o;
	gs_negentropy_bound_init(&ctx.prev_bound, 0);
	while (ctx.pos < ctx.end && !full) {
		if (!gs_negentropy_process_range(&ctx, &full, error))
			return NULL;
	}
	return g_steal_pointer(&out);
}

static gint
gs_negentropy_id_tree_cmp(gconstpointer a, gconstpointer b, gpointer user_data)
{
	return memcmp(a, b, GS_NEGENTROPY_ID_SIZE);
}

/**
 * gs_negentropy_new:
 * @storage: sealed records; a reference is taken
 * @frame_size_limit: 0 for none, else at least 4096 bytes
 *
 * Returns: (transfer full): a session, neither initiator nor responder yet, or %NULL
 */
GsNegentropy *
gs_negentropy_new(GsNegentropyStorage *storage, gsize frame_size_limit, GError **error)
{
	GsNegentropy *self;

	g_return_val_if_fail(storage != NULL, NULL);

	if (!gs_negentropy_storage_is_sealed(storage)) {
		g_set_error_literal(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_ARGUMENT,
				    "negentropy storage is not sealed");
		return NULL;
	}
	if (frame_size_limit != 0 && frame_size_limit < GS_NEGENTROPY_FRAME_SIZE_LIMIT_MIN) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "frame size limit %" G_GSIZE_FORMAT " too small (minimum %d)",
			    frame_size_limit,
			    GS_NEGENTROPY_FRAME_SIZE_LIMIT_MIN);
		return NULL;
	}
	self = g_new0(GsNegentropy, 1);
	self->storage = gs_negentropy_storage_ref(storage);
	self->frame_size_limit = frame_size_limit;
	self->need_seen = g_tree_new_full(gs_negentropy_id_tree_cmp, NULL, g_free, NULL);
	return self;
}

void
gs_negentropy_free(GsNegentropy *self)
{
	if (self == NULL)
		return;
	gs_negentropy_storage_unref(self->storage);
	g_tree_unref(self->need_seen);
	g_free(self->have_seen);
	g_free(self);
}

/* TRUE: digest the remainder from the current range, as the reference does (spec 1.8) */
void
gs_negentropy_set_reference_digest(GsNegentropy *self, gboolean reference_digest)
{
	g_return_if_fail(self != NULL);
	self->reference_digest = reference_digest;
}

gboolean
gs_negentropy_is_initiator(GsNegentropy *self)
{
	g_return_val_if_fail(self != NULL, FALSE);
	return self->initiator;
}

gsize
gs_negentropy_get_frame_size_limit(GsNegentropy *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return self->frame_size_limit;
}

/**
 * gs_negentropy_initiate:
 *
 * Makes this session the initiator. The first message is not subject to the frame limit;
 * it is at most 997 bytes.
 *
 * Returns: (transfer full): the first message, or %NULL if already initiated
 */
GBytes *
gs_negentropy_initiate(GsNegentropy *self, GError **error)
{
	GsNegentropyCtx ctx = {.self = self};
	GsNegentropyBound infinity;
	g_autoptr(GByteArray) out = g_byte_array_new();
	guint8 version = GS_NEGENTROPY_PROTOCOL_VERSION;

	g_return_val_if_fail(self != NULL, NULL);

	if (self->initiator) {
		g_set_error_literal(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_ARGUMENT,
				    "negentropy session already initiated");
		return NULL;
	}
	self->initiator = TRUE;
	g_byte_array_append(out, &version, 1);
	gs_negentropy_bound_init(&infinity, GS_NEGENTROPY_TIMESTAMP_INFINITY);
	gs_negentropy_split(&ctx, out, 0, gs_negentropy_storage_get_size(self->storage), &infinity);
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

gboolean
gs_negentropy_reconcile(GsNegentropy *self,
			const guint8 *msg,
			gsize len,
			GBytes **next,
			GArray *have,
			GArray *need,
			GError **error)
{
	g_autoptr(GByteArray) out = NULL;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(msg != NULL || len == 0, FALSE);
	g_return_val_if_fail(next != NULL, FALSE);
	g_return_val_if_fail(have == NULL || g_array_get_element_size(have) == 32, FALSE);
	g_return_val_if_fail(need == NULL || g_array_get_element_size(need) == 32, FALSE);

	if (!self->initiator) {
		g_set_error_literal(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_ARGUMENT,
				    "only an initiator reconciles; a responder responds");
		return FALSE;
	}
	out = gs_negentropy_process(self, msg, len, have, need, error);
	if (out == NULL)
		return FALSE;
	*next = out->len > 1 ? g_byte_array_free_to_bytes(g_steal_pointer(&out)) : NULL;
	return TRUE;
}

GBytes *
gs_negentropy_respond(GsNegentropy *self, const guint8 *msg, gsize len, GError **error)
{
	g_autoptr(GByteArray) out = NULL;

	g_return_val_if_fail(self != NULL, NULL);
	g_return_val_if_fail(msg != NULL || len == 0, NULL);

	if (self->initiator) {
		g_set_error_literal(
			error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "an initiator cannot respond");
		return NULL;
	}
	out = gs_negentropy_process(self, msg, len, NULL, NULL, error);
	if (out == NULL)
		return NULL;
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}
