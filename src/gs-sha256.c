/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsEvent"

#include "config.h"

#include <string.h>

#include "gs-sha256.h"

/*
 * Every event id is a SHA-256 of the event's canonical form, so hashing is on the ingest's
 * hot path. GLib's GChecksum is portable C; on x86-64 CPUs with the SHA extensions (Intel
 * since Goldmont and Ice Lake, AMD since Zen) the compression function is done with
 * SHA256RNDS2/SHA256MSG1/SHA256MSG2 instead, selected at run time with CPUID.
 */

#if defined(__x86_64__) && defined(__GNUC__)
#define GS_SHA256_HAVE_SHANI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

#ifdef GS_SHA256_HAVE_SHANI

static const guint32 gs_sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

/* the state in the lane order SHA256RNDS2 wants: ABEF and CDGH */
__attribute__((target("sha,ssse3,sse4.1"))) static void
gs_sha256_blocks_shani(guint32 *state, const guint8 *data, gsize nblocks)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i tmp = _mm_loadu_si128((const __m128i *)&state[0]);
	__m128i st1 = _mm_loadu_si128((const __m128i *)&state[4]);
	__m128i st0;

	tmp = _mm_shuffle_epi32(tmp, 0xb1);
	st1 = _mm_shuffle_epi32(st1, 0x1b);
	st0 = _mm_alignr_epi8(tmp, st1, 8);
	st1 = _mm_blend_epi16(st1, tmp, 0xf0);
	for (; nblocks > 0; nblocks--, data += 64) {
		__m128i save0 = st0;
		__m128i save1 = st1;
		__m128i w[16];

		for (guint g = 0; g < 16; g++) {
			__m128i msg;
			if (g < 4) {
				w[g] = _mm_shuffle_epi8(
					_mm_loadu_si128((const __m128i *)(data + 16 * g)), bswap);
			} else {
				/* W[g] from the four groups before it */
				__m128i m = _mm_sha256msg1_epu32(w[g - 4], w[g - 3]);
				m = _mm_add_epi32(m, _mm_alignr_epi8(w[g - 1], w[g - 2], 4));
				w[g] = _mm_sha256msg2_epu32(m, w[g - 1]);
			}
			msg = _mm_add_epi32(w[g],
					    _mm_loadu_si128((const __m128i *)&gs_sha256_k[4 * g]));
			st1 = _mm_sha256rnds2_epu32(st1, st0, msg);
			msg = _mm_shuffle_epi32(msg, 0x0e);
			st0 = _mm_sha256rnds2_epu32(st0, st1, msg);
		}
		st0 = _mm_add_epi32(st0, save0);
		st1 = _mm_add_epi32(st1, save1);
	}
	tmp = _mm_shuffle_epi32(st0, 0x1b);
	st1 = _mm_shuffle_epi32(st1, 0xb1);
	st0 = _mm_blend_epi16(tmp, st1, 0xf0);
	st1 = _mm_alignr_epi8(st1, tmp, 8);
	_mm_storeu_si128((__m128i *)&state[0], st0);
	_mm_storeu_si128((__m128i *)&state[4], st1);
}

static gboolean
gs_sha256_cpu_has_shani(void)
{
	guint a = 0, b = 0, c = 0, d = 0;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return FALSE;
	/* SSSE3 (ecx 9) and SSE4.1 (ecx 19) for the shuffles and blends */
	if ((c & (1u << 9)) == 0 || (c & (1u << 19)) == 0)
		return FALSE;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return FALSE;
	return (b & (1u << 29)) != 0;
}

#endif /* GS_SHA256_HAVE_SHANI */

gboolean
gs_sha256_is_accelerated(void)
{
#ifdef GS_SHA256_HAVE_SHANI
	static gsize once = 0;
	static gboolean accelerated = FALSE;

	/* GS_SHA256_PORTABLE=1 forces the portable code, for tests and comparisons */
	if (g_once_init_enter(&once)) {
		accelerated = gs_sha256_cpu_has_shani() && g_getenv("GS_SHA256_PORTABLE") == NULL;
		g_once_init_leave(&once, 1);
	}
	return accelerated;
#else
	return FALSE;
#endif
}

static const guint32 gs_sha256_iv[8] = {0x6a09e667,
					0xbb67ae85,
					0x3c6ef372,
					0xa54ff53a,
					0x510e527f,
					0x9b05688c,
					0x1f83d9ab,
					0x5be0cd19};

void
gs_sha256_init(GsSha256 *ctx)
{
	memcpy(ctx->state, gs_sha256_iv, sizeof(ctx->state));
	ctx->buf_len = 0;
	ctx->total = 0;
	ctx->portable = gs_sha256_is_accelerated() ? NULL : g_checksum_new(G_CHECKSUM_SHA256);
}

void
gs_sha256_update(GsSha256 *ctx, const guint8 *data, gsize len)
{
	if (ctx->portable != NULL) {
		g_checksum_update(ctx->portable, data, len);
		return;
	}
#ifdef GS_SHA256_HAVE_SHANI
	ctx->total += len;
	if (ctx->buf_len > 0) {
		gsize take = MIN(len, 64 - ctx->buf_len);
		memcpy(ctx->buf + ctx->buf_len, data, take);
		ctx->buf_len += take;
		data += take;
		len -= take;
		if (ctx->buf_len < 64)
			return;
		gs_sha256_blocks_shani(ctx->state, ctx->buf, 1);
		ctx->buf_len = 0;
	}
	gs_sha256_blocks_shani(ctx->state, data, len / 64);
	memcpy(ctx->buf, data + len - len % 64, len % 64);
	ctx->buf_len = len % 64;
#endif
}

void
gs_sha256_final(GsSha256 *ctx, guint8 *out)
{
	gsize out_len = 32;

	if (ctx->portable != NULL) {
		g_checksum_get_digest(ctx->portable, out, &out_len);
		g_clear_pointer(&ctx->portable, g_checksum_free);
		return;
	}
#ifdef GS_SHA256_HAVE_SHANI
	{
		guint8 tail[128] = {0};
		gsize tail_len = ctx->buf_len < 56 ? 64 : 128;
		guint64 bits = ctx->total * 8;

		memcpy(tail, ctx->buf, ctx->buf_len);
		tail[ctx->buf_len] = 0x80;
		for (guint i = 0; i < 8; i++)
			tail[tail_len - 1 - i] = (guint8)(bits >> (8 * i));
		gs_sha256_blocks_shani(ctx->state, tail, tail_len / 64);
		for (guint i = 0; i < 8; i++) {
			out[4 * i] = (guint8)(ctx->state[i] >> 24);
			out[4 * i + 1] = (guint8)(ctx->state[i] >> 16);
			out[4 * i + 2] = (guint8)(ctx->state[i] >> 8);
			out[4 * i + 3] = (guint8)ctx->state[i];
		}
	}
#endif
}

void
gs_sha256(const guint8 *data, gsize len, guint8 *out)
{
	GsSha256 ctx;
	gs_sha256_init(&ctx);
	gs_sha256_update(&ctx, data, len);
	gs_sha256_final(&ctx, out);
}
