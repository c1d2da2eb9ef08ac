/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsEvent"

#include "config.h"

#include <gio/gio.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <string.h>

#include "gs-error.h"
#include "gs-event-private.h"
#include "gs-event.h"

/* BIP-340 with libsecp256k1: the self test, verification (with a per-thread cache of parsed
 * keys), signing and secret keys; GsEvent checks and signs events with these */

/* signing needs a context of its own; verification uses secp256k1_context_static */
static secp256k1_context *
gs_crypto_sign_context(void)
{
	static gsize once = 0;
	static secp256k1_context *ctx = NULL;

	if (g_once_init_enter(&once)) {
		guint8 seed[32];
		ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
		for (guint i = 0; i < sizeof(seed); i += 4) {
			guint32 r = g_random_int();
			memcpy(seed + i, &r, 4);
		}
		if (!secp256k1_context_randomize(ctx, seed))
			g_critical("failed to randomise the secp256k1 signing context");
		g_once_init_leave(&once, 1);
	}
	return ctx;
}

/**
 * gs_crypto_init:
 *
 * Runs libsecp256k1's self test; call once at start-up before any verification.
 */
gboolean
gs_crypto_init(GError **error)
{
	/* secp256k1_selftest() calls abort() on failure, which is what we want: a broken
	 * library must never be trusted to verify signatures */
	secp256k1_selftest();
	if (gs_crypto_sign_context() == NULL) {
		g_set_error_literal(
			error, GS_ERROR, GS_ERROR_INTERNAL, "failed to create a secp256k1 context");
		return FALSE;
	}
	return TRUE;
}

/*
 * Parsing an x-only key costs a field square root, about an eighth of a verification, and
 * authors repeat (maintainers publish most of a repository's events), so each thread keeps
 * the keys it parsed last in a small direct-mapped table. An entry is used only for the exact
 * 32 bytes it was parsed from; a crafted key can at worst evict another one.
 */
#define GS_PUBKEY_CACHE_SLOTS 2048

typedef struct {
	gboolean used;
	guint8 key[32];
	secp256k1_xonly_pubkey parsed;
} GsPubkeySlot;

static GPrivate gs_pubkey_cache = G_PRIVATE_INIT(g_free);

static gboolean
gs_pubkey_parse_cached(const guint8 *pubkey, secp256k1_xonly_pubkey *out)
{
	GsPubkeySlot *cache = g_private_get(&gs_pubkey_cache);
	GsPubkeySlot *slot;
	guint32 h;

	if (cache == NULL) {
		cache = g_new0(GsPubkeySlot, GS_PUBKEY_CACHE_SLOTS);
		g_private_set(&gs_pubkey_cache, cache);
	}
	memcpy(&h, pubkey + 1, sizeof(h));
	slot = &cache[h % GS_PUBKEY_CACHE_SLOTS];
	if (slot->used && memcmp(slot->key, pubkey, 32) == 0) {
		*out = slot->parsed;
		return TRUE;
	}
	if (!secp256k1_xonly_pubkey_parse(secp256k1_context_static, out, pubkey))
		return FALSE;
	slot->used = TRUE;
	memcpy(slot->key, pubkey, 32);
	slot->parsed = *out;
	return TRUE;
}

/**
 * gs_schnorr_verify:
 * @pubkey: 32-byte x-only public key
 * @msg32: the 32-byte message (for Nostr, the event id)
 * @sig: 64-byte BIP-340 signature
 *
 * Returns: %TRUE when @sig is a valid BIP-340 signature of @msg32 by @pubkey; otherwise
 *   %GS_ERROR_BAD_SIGNATURE, saying whether the key or the signature is at fault
 */
gboolean
gs_schnorr_verify(const guint8 *pubkey, const guint8 *msg32, const guint8 *sig, GError **error)
{
	secp256k1_xonly_pubkey pk;

	if (!gs_pubkey_parse_cached(pubkey, &pk)) {
		g_set_error_literal(error,
				    GS_ERROR,
				    GS_ERROR_BAD_SIGNATURE,
				    "pubkey is not a valid x-only key");
		return FALSE;
	}
	if (!secp256k1_schnorrsig_verify(secp256k1_context_static, sig, msg32, 32, &pk)) {
		g_set_error_literal(
			error, GS_ERROR, GS_ERROR_BAD_SIGNATURE, "signature does not verify");
		return FALSE;
	}
	return TRUE;
}

/*
 * Signing is for tests and tools, not the daemon. @aux_rand32 is BIP-340's auxiliary randomness;
 * %NULL makes libsecp256k1 use 32 zero bytes, which keeps test events deterministic.
 */
gboolean
gs_schnorr_sign(const guint8 *seckey,
		const guint8 *msg32,
		const guint8 *aux_rand32,
		guint8 *sig,
		GError **error)
{
	secp256k1_context *ctx = gs_crypto_sign_context();
	secp256k1_keypair keypair;

	if (!secp256k1_keypair_create(ctx, &keypair, seckey)) {
		g_set_error_literal(
			error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "not a valid secret key");
		return FALSE;
	}
	if (!secp256k1_schnorrsig_sign32(ctx, sig, msg32, &keypair, aux_rand32)) {
		g_set_error_literal(error, GS_ERROR, GS_ERROR_INTERNAL, "signing failed");
		return FALSE;
	}
	return TRUE;
}

/* @seckey: 32 bytes out, a valid secp256k1 secret key from the system's CSPRNG */
gboolean
gs_seckey_generate(guint8 *seckey, GError **error)
{
	for (guint attempt = 0; attempt < 16; attempt++) {
		g_autoptr(GFile) file = g_file_new_for_path("/dev/urandom");
		g_autoptr(GFileInputStream) stream = g_file_read(file, NULL, error);
		gsize got = 0;
		if (stream == NULL)
			return FALSE;
		if (!g_input_stream_read_all(G_INPUT_STREAM(stream), seckey, 32, &got, NULL, error))
			return FALSE;
		if (got == 32 && secp256k1_ec_seckey_verify(secp256k1_context_static, seckey))
			return TRUE;
	}
	g_set_error_literal(error, GS_ERROR, GS_ERROR_INTERNAL, "failed to generate a secret key");
	return FALSE;
}

/* @pubkey: 32 bytes out, the x-only public key */
gboolean
gs_seckey_get_pubkey(const guint8 *seckey, guint8 *pubkey, GError **error)
{
	secp256k1_keypair keypair;
	secp256k1_xonly_pubkey xonly;

	if (!secp256k1_keypair_create(gs_crypto_sign_context(), &keypair, seckey) ||
	    !secp256k1_keypair_xonly_pub(secp256k1_context_static, &xonly, NULL, &keypair) ||
	    !secp256k1_xonly_pubkey_serialize(secp256k1_context_static, pubkey, &xonly)) {
		g_set_error_literal(
			error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "not a valid secret key");
		return FALSE;
	}
	return TRUE;
}
