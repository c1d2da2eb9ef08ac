/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Negentropy v1 (NIP-77) set reconciliation: a codec and reconciler for both roles.
 * Pure C on GLib types: no GObject, no I/O, no global state.
 *
 * WIRE FORMAT
 *
 * Every message is a version byte and a list of ranges:
 *
 *   Message := 0x61 Range*
 *   Range   := UpperBound Mode Payload
 *   Bound   := Varint(encoded timestamp) Varint(prefix length 0..32) IdPrefix
 *   Mode 0 (Skip)        Payload := (nothing)
 *   Mode 1 (Fingerprint) Payload := 16 bytes
 *   Mode 2 (IdList)      Payload := Varint(count) Id{count}          (each id 32 bytes)
 *
 * Varint: base 128, most significant group first, 0x80 set on every byte but the last
 * (0 -> 00, 127 -> 7f, 128 -> 81 00, 16384 -> 81 80 00, 2^64-1 -> 81 ff*8 7f). Not LEB128.
 *
 * Ranges are adjacent: the first starts at (timestamp 0, empty prefix), each later one at the
 * previous upper bound (inclusive lower, exclusive upper). A message whose last range stops
 * short of infinity has an implicit Skip to infinity after it.
 *
 * Timestamps in bounds: infinity (2^64-1) is written as 0, any other t as 1 + (t - prev),
 * where prev is the previous timestamp written in the same message (0 at its start).
 * Id prefixes are zero-padded to 32 bytes for comparison, so a record whose id equals the
 * padded prefix lies above the bound. Between two adjacent records the minimal bound is
 * (next.ts, no prefix) if the timestamps differ, else (ts, the common prefix + 1 byte).
 *
 * Fingerprint of a set of ids: add them as 256-bit little-endian integers mod 2^256, append
 * Varint(count), SHA-256, keep the first 16 bytes. The empty set's fingerprint is
 * 7f9c9e31ac8256ca2f258583df262dbc; the set {ee..ee} gives d5530eded759c1cb5749aacb9bc66bb2.
 *
 * Splitting a range of n records: n < 32 gives one IdList of all n ids (n may be 0);
 * otherwise exactly 16 Fingerprint ranges, bucket i holding n/16 records plus one more for
 * i < n%16; inner bounds are minimal bounds, the last bucket keeps the incoming upper bound.
 *
 * WORKED EXAMPLE
 *
 * A client with no records initiates with one empty IdList up to infinity:
 *
 *   61             version 1
 *   00 00          bound: timestamp infinity, prefix length 0
 *   02 00          mode IdList, 0 ids
 *
 * A server holding the single record (12345, ee..ee) answers with all its ids in that range:
 *
 *   61 00 00 02 01 ee..ee (32 bytes)
 *
 * The client reports need = {ee..ee}; its own answer would be the bare "61", so it is done.
 * A client with 34 records (32 at timestamp 100, one at 101 and one at 103) instead sends 16
 * fingerprints; the first bucket covers records 0-2, the next bound is written as
 *
 *   65 03 12 02 bb  01  <16 bytes>
 *
 * that is timestamp 100 (varint 101 = 1 + 100 - 0), a 3-byte prefix 12 02 bb separating
 * record 2 (1202aa..) from record 3 (1202bb..), mode Fingerprint. The next bound at the
 * same timestamp is written as delta 0 (varint 01), and the last as 00 00 (infinity).
 *
 * PROCESSING (both roles, stateless per message apart from the sorted records)
 *
 * For each incoming range: Skip -> remember a pending skip; Fingerprint -> if ours matches,
 * pending skip, else split our records of the range; IdList -> the initiator reports have
 * (ours, not theirs) and need (theirs, not ours) and skips, the responder answers with all
 * its ids of the range. Pending skips are merged and written only before a non-skip range;
 * a trailing skip is dropped. A responder always replies (a bare "61" if nothing is left);
 * an initiator whose reply would be the bare "61" is done.
 *
 * Version negotiation: a first byte outside 0x60..0x6f is an error; a responder answers any
 * other version in that range with "61" (its highest); an initiator treats it as an error.
 *
 * FRAME SIZE LIMIT (optional, per side; 0 = unlimited, else >= 4096)
 *
 * The trip test is size > limit - 200. A responder truncates an IdList answer before the
 * id at which (output so far + ids collected) trips; its end bound is then that record's
 * full 32-byte key. After each range, if output + the range's own output trips, that
 * range's output is dropped and one last range (infinity, Fingerprint) closes the message.
 * Messages then stay under the limit (at most about limit - 58). The initiate message is
 * not limited (at most 997 bytes). Under a limit, have/need ids can come up again in
 * later rounds; this object reports each id at most once per session.
 *
 * OUR CHOICE ON THE REFERENCE'S REMAINDER DIGEST (spec section 1.8)
 *
 * The reference digests our records from the *current* range's upper index to the end,
 * while the range it labels starts at the last bound actually written. The records in
 * between are left out, and in one corner case the peer wrongly sees a match and those
 * records are never reconciled. By default we digest from the index of the last bound
 * written, which is what the range means; this changes only those 16 bytes, and only in
 * messages cut by the limit. gs_negentropy_set_reference_digest() restores the reference's
 * digest, for byte-identical transcripts in cross-implementation tests. Without a limit,
 * or when the limit is not reached, our messages are byte-identical to the reference
 * either way.
 *
 * DECODING HOSTILE INPUT
 *
 * Every read is bounds-checked. Errors (GS_ERROR_PROTOCOL, message naming the problem):
 * empty or truncated message, varint longer than 10 bytes or above 2^64-1, prefix length
 * over 32, IdList count larger than the remaining bytes allow (checked before allocating),
 * unknown mode, a bound below the previous one, an infinity bound with a non-zero prefix
 * (nothing lies above infinity), a bad version byte. A decoded timestamp
 * that reaches 2^64-1 saturates to infinity, as in the reference.
 */

#define GS_NEGENTROPY_ID_SIZE 32
#define GS_NEGENTROPY_FINGERPRINT_SIZE 16
#define GS_NEGENTROPY_PROTOCOL_VERSION 0x61
#define GS_NEGENTROPY_FRAME_SIZE_LIMIT_MIN 4096
#define GS_NEGENTROPY_TIMESTAMP_INFINITY G_MAXUINT64
#define GS_NEGENTROPY_VARINT_MAX_SIZE 10
#define GS_NEGENTROPY_FRAME_SIZE_LIMIT_SLACK 200

/* an id as reported in have/need arrays (GArray of GsNegentropyId) */
typedef struct {
	guint8 bytes[GS_NEGENTROPY_ID_SIZE];
} GsNegentropyId;

/* varint: writes at most GS_NEGENTROPY_VARINT_MAX_SIZE bytes, returns the count */
gsize
gs_negentropy_varint_encode(guint64 value, guint8 *out);
/* reads one varint at *pos (advanced past it) from a buffer ending at @end */
gboolean
gs_negentropy_varint_decode(const guint8 **pos, const guint8 *end, guint64 *value, GError **error);
/* fingerprint of @count ids stored back to back in @ids (any order) */
void
gs_negentropy_fingerprint_ids(const guint8 *ids, gsize count, guint8 *out);

/*
 * GsNegentropyStorage: the records of one side. Add records in any order, then seal: that
 * sorts them (timestamp, then id bytes), drops exact duplicates and builds prefix sums of
 * the fingerprint accumulator, so that any range's fingerprint costs O(1). Sealed storage
 * is immutable and can be shared by several sessions (refcounted, not thread-safe while
 * unsealed). The caller must not add one id under two timestamps (Nostr ids cannot be).
 * Memory once sealed: 72 bytes per record.
 */
typedef struct _GsNegentropyStorage GsNegentropyStorage;

GsNegentropyStorage *
gs_negentropy_storage_new(gsize reserve);
GsNegentropyStorage *
gs_negentropy_storage_ref(GsNegentropyStorage *self);
void
gs_negentropy_storage_unref(GsNegentropyStorage *self);
gboolean
gs_negentropy_storage_add(GsNegentropyStorage *self,
			  guint64 timestamp,
			  const guint8 *id,
			  GError **error);
void
gs_negentropy_storage_seal(GsNegentropyStorage *self);
gboolean
gs_negentropy_storage_is_sealed(GsNegentropyStorage *self);
gsize
gs_negentropy_storage_get_size(GsNegentropyStorage *self);
guint64
gs_negentropy_storage_get_timestamp(GsNegentropyStorage *self, gsize index);
const guint8 *
gs_negentropy_storage_get_id(GsNegentropyStorage *self, gsize index);
gsize
gs_negentropy_storage_lower_bound(GsNegentropyStorage *self,
				  gsize begin,
				  gsize end,
				  guint64 timestamp,
				  const guint8 *id);
void
gs_negentropy_storage_fingerprint(GsNegentropyStorage *self, gsize begin, gsize end, guint8 *out);
gsize
gs_negentropy_storage_get_memory_size(GsNegentropyStorage *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsNegentropyStorage, gs_negentropy_storage_unref)

/*
 * GsNegentropy: one reconciliation session over sealed storage (it takes a reference).
 * A session becomes the initiator with gs_negentropy_initiate() and then feeds each reply
 * to gs_negentropy_reconcile(); otherwise it is a responder and answers each message with
 * gs_negentropy_respond(). Errors: GS_ERROR_PROTOCOL for a malformed or unsupported
 * message, GS_ERROR_INVALID_ARGUMENT for misuse (wrong role, bad limit, unsealed storage).
 */
typedef struct _GsNegentropy GsNegentropy;

GsNegentropy *
gs_negentropy_new(GsNegentropyStorage *storage, gsize frame_size_limit, GError **error);
void
gs_negentropy_free(GsNegentropy *self);
void
gs_negentropy_set_reference_digest(GsNegentropy *self, gboolean reference_digest);
gboolean
gs_negentropy_is_initiator(GsNegentropy *self);
gsize
gs_negentropy_get_frame_size_limit(GsNegentropy *self);
GBytes *
gs_negentropy_initiate(GsNegentropy *self, GError **error);
/*
 * initiator: processes the responder's @msg. Appends newly learnt ids (GsNegentropyId) to
 * @have (ours, not theirs) and @need (theirs, not ours), either may be NULL; each id is
 * reported once per session. Sets *@next to the message to send, or NULL when done.
 */
gboolean
gs_negentropy_reconcile(GsNegentropy *self,
			const guint8 *msg,
			gsize len,
			GBytes **next,
			GArray *have,
			GArray *need,
			GError **error);
/* responder: the reply to @msg, never NULL on success (a bare 0x61 when nothing is left) */
GBytes *
gs_negentropy_respond(GsNegentropy *self, const guint8 *msg, gsize len, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsNegentropy, gs_negentropy_free)

G_END_DECLS
