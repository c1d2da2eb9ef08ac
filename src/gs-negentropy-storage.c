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

/* one record: 40 bytes, sorted by (ts, id) once sealed */
typedef struct {
	guint64 ts;
	guint8 id[GS_NEGENTROPY_ID_SIZE];
} GsNegentropyItem;

/* a 256-bit number as four little-endian 64-bit limbs, limb 0 least significant */
typedef struct {
	guint64 limb[4];
} GsNegentropySum;

struct _GsNegentropyStorage {
	grefcount ref_count;
	gboolean sealed;
	GsNegentropyItem *items;
	gsize n_items;
	gsize n_alloc;
	/* sums[i] = id[0] + ... + id[i] mod 2^256; the sum of an empty prefix is implicit */
	GsNegentropySum *sums;
};

gsize
gs_negentropy_varint_encode(guint64 value, guint8 *out)
{
	guint8 tmp[GS_NEGENTROPY_VARINT_MAX_SIZE];
	gsize n = 0;

	do {
		tmp[n++] = value & 0x7f;
		value >>= 7;
	} while (value != 0);
	for (gsize i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i] | (i + 1 < n ? 0x80 : 0x00);
	return n;
}

gboolean
gs_negentropy_varint_decode(const guint8 **pos, const guint8 *end, guint64 *value, GError **error)
{
	const guint8 *p = *pos;
	guint64 res = 0;

	for (gsize i = 0;; i++) {
		if (p >= end) {
			g_set_error_literal(error,
					    GS_ERROR,
					    GS_ERROR_PROTOCOL,
					    "truncated message: varint ends prematurely");
			return FALSE;
		}
		if (i >= GS_NEGENTROPY_VARINT_MAX_SIZE) {
			g_set_error_literal(
				error, GS_ERROR, GS_ERROR_PROTOCOL, "varint longer than 10 bytes");
			return FALSE;
		}
		if ((res >> 57) != 0) {
			g_set_error_literal(
				error, GS_ERROR, GS_ERROR_PROTOCOL, "varint overflows 64 bits");
			return FALSE;
		}
		res = (res << 7) | (*p & 0x7f);
		if ((*p++ & 0x80) == 0)
			break;
	}
	*pos = p;
	*value = res;
	return TRUE;
}

static void
gs_negentropy_sum_from_id(GsNegentropySum *sum, const guint8 *id)
{
	for (guint i = 0; i < 4; i++) {
		guint64 v;
		memcpy(&v, id + 8 * i, sizeof(v));
		sum->limb[i] = GUINT64_FROM_LE(v);
	}
}

static void
gs_negentropy_sum_add(GsNegentropySum *acc, const GsNegentropySum *x)
{
	guint64 carry = 0;
	for (guint i = 0; i < 4; i++) {
		guint64 a = acc->limb[i];
		guint64 s = a + x->limb[i];
		guint64 c1 = s < a;
		guint64 s2 = s + carry;
		guint64 c2 = s2 < s;
		acc->limb[i] = s2;
		carry = c1 | c2;
	}
}

static void
gs_negentropy_sum_sub(GsNegentropySum *acc, const GsNegentropySum *x)
{
	guint64 borrow = 0;
	for (guint i = 0; i < 4; i++) {
		guint64 a = acc->limb[i];
		guint64 d = a - x->limb[i];
		guint64 b1 = a < x->limb[i];
		guint64 d2 = d - borrow;
		guint64 b2 = d < borrow;
		acc->limb[i] = d2;
		borrow = b1 | b2;
	}
}

/* SHA-256(sum as 32 little-endian bytes || varint(count)), first 16 bytes */
static void
gs_negentropy_sum_digest(const GsNegentropySum *sum, guint64 count, guint8 *out)
{
	guint8 buf[GS_NEGENTROPY_ID_SIZE + GS_NEGENTROPY_VARINT_MAX_SIZE];
	guint8 digest[32];
	gsize digest_len = sizeof(digest);
	gsize len;
	/* one hasher per thread, reset per use: fingerprints are the codec's hot path */
	static GPrivate hasher = G_PRIVATE_INIT((GDestroyNotify)g_checksum_free);
	GChecksum *checksum = g_private_get(&hasher);

	if (checksum == NULL) {
		checksum = g_checksum_new(G_CHECKSUM_SHA256);
		g_private_set(&hasher, checksum);
	} else {
		g_checksum_reset(checksum);
	}

	for (guint i = 0; i < 4; i++) {
		guint64 v = GUINT64_TO_LE(sum->limb[i]);
		memcpy(buf + 8 * i, &v, sizeof(v));
	}
	len = GS_NEGENTROPY_ID_SIZE +
	      gs_negentropy_varint_encode(count, buf + GS_NEGENTROPY_ID_SIZE);
	g_checksum_update(checksum, buf, len);
	g_checksum_get_digest(checksum, digest, &digest_len);
	memcpy(out, digest, GS_NEGENTROPY_FINGERPRINT_SIZE);
}

void
gs_negentropy_fingerprint_ids(const guint8 *ids, gsize count, guint8 *out)
{
	GsNegentropySum acc = {{0}};
	for (gsize i = 0; i < count; i++) {
		GsNegentropySum x;
		gs_negentropy_sum_from_id(&x, ids + i * GS_NEGENTROPY_ID_SIZE);
		gs_negentropy_sum_add(&acc, &x);
	}
	gs_negentropy_sum_digest(&acc, count, out);
}

/**
 * gs_negentropy_storage_new:
 * @reserve: how many records to make room for (0 if unknown)
 *
 * Returns: (transfer full): empty, unsealed storage
 */
GsNegentropyStorage *
gs_negentropy_storage_new(gsize reserve)
{
	GsNegentropyStorage *self = g_new0(GsNegentropyStorage, 1);
	g_ref_count_init(&self->ref_count);
	if (reserve > 0) {
		self->items = g_new(GsNegentropyItem, reserve);
		self->n_alloc = reserve;
	}
	return self;
}

GsNegentropyStorage *
gs_negentropy_storage_ref(GsNegentropyStorage *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_ref_count_inc(&self->ref_count);
	return self;
}

void
gs_negentropy_storage_unref(GsNegentropyStorage *self)
{
	g_return_if_fail(self != NULL);
	if (!g_ref_count_dec(&self->ref_count))
		return;
	g_free(self->items);
	g_free(self->sums);
	g_free(self);
}

/**
 * gs_negentropy_storage_add:
 * @id: 32 bytes
 *
 * Adds one record. Fails for the reserved timestamp 2^64-1 and once the storage is sealed.
 */
gboolean
gs_negentropy_storage_add(GsNegentropyStorage *self,
			  guint64 timestamp,
			  const guint8 *id,
			  GError **error)
{
	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(id != NULL, FALSE);

	if (self->sealed) {
		g_set_error_literal(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_ARGUMENT,
				    "negentropy storage is already sealed");
		return FALSE;
	}
	if (timestamp == GS_NEGENTROPY_TIMESTAMP_INFINITY) {
		g_set_error_literal(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_ARGUMENT,
				    "timestamp 2^64-1 is reserved for infinity");
		return FALSE;
	}
	if (self->n_items == self->n_alloc) {
		self->n_alloc = MAX(16, self->n_alloc * 2);
		self->items = g_renew(GsNegentropyItem, self->items, self->n_alloc);
	}
	self->items[self->n_items].ts = timestamp;
	memcpy(self->items[self->n_items].id, id, GS_NEGENTROPY_ID_SIZE);
	self->n_items++;
	return TRUE;
}

static inline gint
gs_negentropy_item_cmp(const GsNegentropyItem *x, const GsNegentropyItem *y)
{
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return memcmp(x->id, y->id, GS_NEGENTROPY_ID_SIZE);
}

static inline gboolean
gs_negentropy_item_less(const GsNegentropyItem *x, const GsNegentropyItem *y)
{
	return gs_negentropy_item_cmp(x, y) < 0;
}

static inline void
gs_negentropy_item_swap(GsNegentropyItem *x, GsNegentropyItem *y)
{
	GsNegentropyItem tmp = *x;
	*x = *y;
	*y = tmp;
}

static void
gs_negentropy_sort_insertion(GsNegentropyItem *v, gsize n)
{
	for (gsize i = 1; i < n; i++) {
		GsNegentropyItem tmp = v[i];
		gsize j = i;
		for (; j > 0 && gs_negentropy_item_less(&tmp, &v[j - 1]); j--)
			v[j] = v[j - 1];
		v[j] = tmp;
	}
}

static void
gs_negentropy_sort_sift(GsNegentropyItem *v, gsize root, gsize n)
{
	for (gsize child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && gs_negentropy_item_less(&v[child], &v[child + 1]))
			child++;
		if (!gs_negentropy_item_less(&v[root], &v[child]))
			return;
		gs_negentropy_item_swap(&v[root], &v[child]);
	}
}

static void
gs_negentropy_sort_heap(GsNegentropyItem *v, gsize n)
{
	for (gsize i = n / 2; i-- > 0;)
		gs_negentropy_sort_sift(v, i, n);
	for (gsize end = n; end-- > 1;) {
		gs_negentropy_item_swap(&v[0], &v[end]);
		gs_negentropy_sort_sift(v, 0, end);
	}
}

/* Hoare partition around the median of three, moved to v[0]; returns the left part's size */
static gsize
gs_negentropy_sort_partition(GsNegentropyItem *v, gsize n)
{
	GsNegentropyItem *a = &v[0], *b = &v[n / 2], *c = &v[n - 1];
	GsNegentropyItem pivot;
	gsize i = 0, j = n - 1;

	if (gs_negentropy_item_less(b, a))
		gs_negentropy_item_swap(a, b);
	if (gs_negentropy_item_less(c, b)) {
		gs_negentropy_item_swap(b, c);
		if (gs_negentropy_item_less(b, a))
			gs_negentropy_item_swap(a, b);
	}
	gs_negentropy_item_swap(&v[0], &v[n / 2]);
	pivot = v[0];
	for (;;) {
		while (gs_negentropy_item_less(&v[i], &pivot))
			i++;
		while (gs_negentropy_item_less(&pivot, &v[j]))
			j--;
		if (i >= j)
			return j + 1;
		gs_negentropy_item_swap(&v[i++], &v[j--]);
	}
}

/*
 * introsort in place on the 40-byte records: glibc's qsort sorts records this large through
 * an array of pointers, which costs a cache miss per comparison on a million records
 */
static void
gs_negentropy_sort(GsNegentropyItem *v, gsize n, guint depth)
{
	while (n > 16) {
		gsize left;
		if (depth-- == 0) {
			gs_negentropy_sort_heap(v, n);
			return;
		}
		left = gs_negentropy_sort_partition(v, n);
		/* recurse into the smaller part, loop on the larger: the stack stays O(log n) */
		if (left < n - left) {
			gs_negentropy_sort(v, left, depth);
			v += left;
			n -= left;
		} else {
			gs_negentropy_sort(v + left, n - left, depth);
			n = left;
		}
	}
	gs_negentropy_sort_insertion(v, n);
}

/* drops records equal to their predecessor; the array is sorted */
static void
gs_negentropy_storage_dedup(GsNegentropyStorage *self)
{
	gsize out = 0;
	for (gsize i = 0; i < self->n_items; i++) {
		if (out > 0 && gs_negentropy_item_cmp(&self->items[out - 1], &self->items[i]) == 0)
			continue;
		if (out != i)
			self->items[out] = self->items[i];
		out++;
	}
	self->n_items = out;
}

/**
 * gs_negentropy_storage_seal:
 *
 * Sorts, removes duplicates, trims the allocation and builds the prefix sums. After this the
 * storage is read-only; sealing twice does nothing.
 */
void
gs_negentropy_storage_seal(GsNegentropyStorage *self)
{
	GsNegentropySum acc = {{0}};

	g_return_if_fail(self != NULL);
	if (self->sealed)
		return;
	self->sealed = TRUE;
	gs_negentropy_sort(self->items, self->n_items, 2 * g_bit_storage(self->n_items));
	gs_negentropy_storage_dedup(self);
	if (self->n_items == 0) {
		g_clear_pointer(&self->items, g_free);
		self->n_alloc = 0;
		return;
	}
	self->items = g_renew(GsNegentropyItem, self->items, self->n_items);
	self->n_alloc = self->n_items;
	self->sums = g_new(GsNegentropySum, self->n_items);
	for (gsize i = 0; i < self->n_items; i++) {
		GsNegentropySum x;
		gs_negentropy_sum_from_id(&x, self->items[i].id);
		gs_negentropy_sum_add(&acc, &x);
		self->sums[i] = acc;
	}
}

gboolean
gs_negentropy_storage_is_sealed(GsNegentropyStorage *self)
{
	g_return_val_if_fail(self != NULL, FALSE);
	return self->sealed;
}

gsize
gs_negentropy_storage_get_size(GsNegentropyStorage *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return self->n_items;
}

guint64
gs_negentropy_storage_get_timestamp(GsNegentropyStorage *self, gsize index)
{
	g_return_val_if_fail(self != NULL, 0);
	g_return_val_if_fail(index < self->n_items, 0);
	return self->items[index].ts;
}

const guint8 *
gs_negentropy_storage_get_id(GsNegentropyStorage *self, gsize index)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_return_val_if_fail(index < self->n_items, NULL);
	return self->items[index].id;
}

/**
 * gs_negentropy_storage_lower_bound:
 * @id: a full 32-byte key (a bound's prefix padded with zeros)
 *
 * Returns: the first index in [@begin, @end) whose record is >= (@timestamp, @id), or @end
 */
gsize
gs_negentropy_storage_lower_bound(GsNegentropyStorage *self,
				  gsize begin,
				  gsize end,
				  guint64 timestamp,
				  const guint8 *id)
{
	g_return_val_if_fail(self != NULL, end);
	g_return_val_if_fail(begin <= end && end <= self->n_items, end);

	while (begin < end) {
		gsize mid = begin + (end - begin) / 2;
		const GsNegentropyItem *it = &self->items[mid];
		gboolean below =
			it->ts < timestamp ||
			(it->ts == timestamp && memcmp(it->id, id, GS_NEGENTROPY_ID_SIZE) < 0);
		if (below)
			begin = mid + 1;
		else
			end = mid;
	}
	return begin;
}

/**
 * gs_negentropy_storage_fingerprint:
 * @out: 16 bytes
 *
 * The fingerprint of the records [@begin, @end) in O(1), from the prefix sums.
 */
void
gs_negentropy_storage_fingerprint(GsNegentropyStorage *self, gsize begin, gsize end, guint8 *out)
{
	GsNegentropySum acc = {{0}};

	g_return_if_fail(self != NULL && self->sealed);
	g_return_if_fail(begin <= end && end <= self->n_items);

	if (end > begin) {
		acc = self->sums[end - 1];
		if (begin > 0)
			gs_negentropy_sum_sub(&acc, &self->sums[begin - 1]);
	}
	gs_negentropy_sum_digest(&acc, end - begin, out);
}

/* bytes held by the records and prefix sums (the allocations, not malloc's overhead) */
gsize
gs_negentropy_storage_get_memory_size(GsNegentropyStorage *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return sizeof(*self) + self->n_alloc * sizeof(GsNegentropyItem) +
	       (self->sums != NULL ? self->n_items * sizeof(GsNegentropySum) : 0);
}
