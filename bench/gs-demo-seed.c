/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * gs-demo-seed: signed NIP-34 data for scripts/demo.
 *
 *   gs-demo-seed store DB RELAY REPOS ROOTS REPLIES
 *     writes REPOS repositories into the event store DB (created when missing): for each an
 *     announcement naming RELAY, its state, ROOTS patches and issues, and REPLIES comments,
 *     status events and quotes on each root; prints the number of events
 *   gs-demo-seed publish RELAY TEXT
 *     publishes a new issue on the first repository, and a comment on it, to RELAY over
 *     NIP-01 and waits (5 s at most) for both OKs; prints the issue id
 *
 * Keys are derived from fixed seeds, so both commands agree on the repositories.
 */

#include "config.h"

#include <stdlib.h>

#include "gs-hex.h"
#include "gs-relay-connection.h"
#include "gs-store.h"

static void
demo_seckey(guint32 n, guint8 *seckey)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	gsize len = 32;

	g_checksum_update(sum, (const guchar *)"grasp-sync-demo", -1);
	g_checksum_update(sum, (const guchar *)&n, sizeof(n));
	g_checksum_get_digest(sum, seckey, &len);
}

/* @tags: NULL-separated tags, ending with two NULLs */
static GsEvent *
demo_event(guint32 key, gint64 at, guint kind, const gchar *const *flat, const gchar *content)
{
	g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	g_autoptr(GError) error = NULL;
	guint8 seckey[32];
	GsEvent *ev;

	demo_seckey(key, seckey);
	for (guint i = 0; flat[i] != NULL;) {
		g_autoptr(GStrvBuilder) b = g_strv_builder_new();
		for (; flat[i] != NULL; i++)
			g_strv_builder_add(b, flat[i]);
		g_ptr_array_add(tags, g_strv_builder_end(b));
		i++;
	}
	ev = gs_event_new_signed(seckey, at, kind, tags, content, &error);
	if (ev == NULL)
		g_error("%s", error->message);
	return ev;
}

static gchar *
demo_coordinate(guint32 owner, const gchar *d)
{
	guint8 seckey[32], pubkey[32];
	g_autofree gchar *hex = NULL;

	demo_seckey(owner, seckey);
	gs_seckey_get_pubkey(seckey, pubkey, NULL);
	hex = gs_hex_encode(pubkey, 32);
	return g_strdup_printf("30617:%s:%s", hex, d);
}

static void
demo_repo(GPtrArray *out, guint r, const gchar *relay, guint n_roots, guint n_replies)
{
	g_autofree gchar *d = g_strdup_printf("demo-repo-%u", r);
	g_autofree gchar *coordinate = demo_coordinate(100 + r, d);
	g_autofree gchar *name = g_strdup_printf("Demo repository %u", r);
	gint64 base = g_get_real_time() / G_USEC_PER_SEC - 30 * 86400 + r * 1000;
	const gchar *ann[] = {"d", d, NULL, "name", name, NULL, "relays", relay, NULL, NULL};
	const gchar *state[] = {"d", d, NULL, "HEAD", "ref: refs/heads/main", NULL, NULL};
	const gchar *kinds_tag[] = {"E", "e", "q"};
	const guint kinds[] = {1111, 1630, 1111};

	g_ptr_array_add(out, demo_event(100 + r, base, 30617, ann, "a demo repository"));
	g_ptr_array_add(out, demo_event(100 + r, base + 1, 30618, state, ""));
	for (guint i = 0; i < n_roots; i++) {
		g_autofree gchar *subject = g_strdup_printf("%s: change %u", d, i);
		const gchar *root_tags[] = {"a", coordinate, NULL, "subject", subject, NULL, NULL};
		GsEvent *root = demo_event(
			200 + i % 7, base + 10 + i, i % 2 ? 1621 : 1617, root_tags, subject);

		g_ptr_array_add(out, root);
		for (guint j = 0; j < n_replies; j++) {
			const gchar *reply_tags[] = {
				kinds_tag[j % 3], gs_event_get_id(root), NULL, NULL};
			g_ptr_array_add(out,
					demo_event(300 + j % 5,
						   base + 500 + i * 10 + j,
						   kinds[j % 3],
						   reply_tags,
						   "looks good"));
		}
	}
}

static int
demo_store(const gchar *db, const gchar *relay, guint repos, guint roots, guint replies)
{
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GsStore) store = NULL;
	g_autoptr(GError) error = NULL;

	for (guint r = 0; r < repos; r++)
		demo_repo(events, r, relay, roots, replies);
	store = gs_store_new(db, &error);
	if (store == NULL || !gs_store_insert_batch(store, events, NULL, &error)) {
		g_printerr("gs-demo-seed: %s\n", error->message);
		return 1;
	}
	g_print("%u\n", events->len);
	return 0;
}

typedef struct {
	GMainLoop *loop;
	GPtrArray *events;
	guint oks;
	gboolean failed;
	guint timeout_id;
} DemoPublish;

static void
demo_ok_cb(GsRelayConnection *conn,
	   const gchar *event_id,
	   gboolean accepted,
	   const gchar *message,
	   gpointer user_data)
{
	DemoPublish *p = user_data;

	if (!accepted) {
		g_printerr("gs-demo-seed: %s refused: %s\n", event_id, message);
		p->failed = TRUE;
	}
	if (++p->oks == p->events->len || p->failed)
		g_main_loop_quit(p->loop);
}

static void
demo_opened_cb(GsRelayConnection *conn, gpointer user_data)
{
	DemoPublish *p = user_data;

	for (guint i = 0; i < p->events->len; i++)
		gs_relay_connection_publish(
			conn, g_ptr_array_index(p->events, i), demo_ok_cb, p, NULL);
}

static void
demo_failed_cb(GsRelayConnection *conn, GError *error, gpointer user_data)
{
	DemoPublish *p = user_data;

	g_printerr("gs-demo-seed: %s\n", error->message);
	p->failed = TRUE;
	g_main_loop_quit(p->loop);
}

static gboolean
demo_timeout_cb(gpointer user_data)
{
	DemoPublish *p = user_data;

	g_printerr("gs-demo-seed: no OK from the relay within 5 s\n");
	p->timeout_id = 0;
	p->failed = TRUE;
	g_main_loop_quit(p->loop);
	return G_SOURCE_REMOVE;
}

static int
demo_publish(const gchar *relay, const gchar *text)
{
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GsRelayConnection) conn = gs_relay_connection_new(relay, NULL);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autofree gchar *coordinate = demo_coordinate(100, "demo-repo-0");
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	const gchar *issue_tags[] = {"a", coordinate, NULL, "subject", text, NULL, NULL};
	DemoPublish p = {loop, events, 0, FALSE, 0};
	GsEvent *issue = demo_event(201, now, 1621, issue_tags, text);
	const gchar *comment_tags[] = {"E", gs_event_get_id(issue), NULL, NULL};

	g_ptr_array_add(events, issue);
	g_ptr_array_add(events, demo_event(301, now, 1111, comment_tags, "+1"));
	g_signal_connect(conn, "opened", G_CALLBACK(demo_opened_cb), &p);
	g_signal_connect(conn, "connect-failed", G_CALLBACK(demo_failed_cb), &p);
	gs_relay_connection_connect(conn);
	p.timeout_id = g_timeout_add_seconds(5, demo_timeout_cb, &p);
	g_main_loop_run(loop);
	g_clear_handle_id(&p.timeout_id, g_source_remove);
	if (p.failed)
		return 1;
	g_print("%s\n", gs_event_get_id(issue));
	return 0;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;

	if (!gs_crypto_init(&error)) {
		g_printerr("gs-demo-seed: %s\n", error->message);
		return 1;
	}
	if (argc == 7 && g_strcmp0(argv[1], "store") == 0)
		return demo_store(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
	if (argc == 4 && g_strcmp0(argv[1], "publish") == 0)
		return demo_publish(argv[2], argv[3]);
	g_printerr("usage: gs-demo-seed store DB RELAY REPOS ROOTS REPLIES\n"
		   "       gs-demo-seed publish RELAY TEXT\n");
	return 2;
}
