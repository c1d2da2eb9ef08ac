/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * gen-events: a deterministic generator of signed NIP-34 data sets, one event a line (JSONL)
 * on stdout. The same --seed and options give the same bytes.
 *
 * Per repository: the owner's announcement (listing --service in `relays` and `clone` for
 * the --ours fraction of repositories, other hosts otherwise), 0-3 maintainers with their own
 * announcements, a state event per maintainer; then, for our repositories, patches (1617,
 * some as series with `e` replies), pull requests (1618), issues (1621), status events
 * (1630-1633), NIP-22 comments (1111: E/K/P root, e/k/p parent, A for repository comments)
 * and kind-1 replies (e/E/q/a/A). Other repositories get only announcements and states, as
 * the sync engine fetches only those for repositories that are not ours.
 */

#define G_LOG_DOMAIN "GenEvents"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs-event.h"
#include "gs-hex.h"

#define GEN_BASE_TIME 1700000000

typedef struct {
	guint8 seckey[32];
	gchar pubkey[65];
} GenKey;

typedef struct {
	GRand *rand;
	GArray *keys; /* GenKey */
	const gchar *service;
	gchar *service_host;
	gdouble ours;
	guint64 target;
	guint64 emitted; /* signed */
	guint64 written; /* on stdout: at most @target */
	gint64 clock;
	GPtrArray *pending; /* events of the current repository, for --shuffle */
	gdouble shuffle;
} Gen;

/* a repository being generated */
typedef struct {
	gchar *d;
	gchar *coordinate;
	guint owner;
	guint maintainers[3];
	guint n_maintainers;
	gboolean ours;
	gchar *euc;	    /* the earliest unique commit */
	GPtrArray *roots;   /* GsEvent of patches, PRs and issues */
	GPtrArray *threads; /* GsEvent that comments may answer */
} GenRepo;

static void
gen_key_from_index(guint64 seed, guint index, GenKey *key)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	guint8 pub[32];
	gsize len = 32;
	guint32 attempt = 0;

	do {
		g_checksum_reset(sum);
		g_checksum_update(sum, (const guchar *)"gen-events", -1);
		g_checksum_update(sum, (const guchar *)&seed, sizeof(seed));
		g_checksum_update(sum, (const guchar *)&index, sizeof(index));
		g_checksum_update(sum, (const guchar *)&attempt, sizeof(attempt));
		len = 32;
		g_checksum_get_digest(sum, key->seckey, &len);
		attempt++;
	} while (!gs_seckey_get_pubkey(key->seckey, pub, NULL));
	gs_hex_encode_to(pub, 32, key->pubkey);
}

static GenKey *
gen_key(Gen *gen, guint index)
{
	return &g_array_index(gen->keys, GenKey, index);
}

static guint
gen_int(Gen *gen, guint lo, guint hi)
{
	return (guint)g_rand_int_range(gen->rand, (gint32)lo, (gint32)hi + 1);
}

static gchar *
gen_hex(Gen *gen, guint nbytes)
{
	g_autofree guint8 *buf = g_new(guint8, nbytes);
	for (guint i = 0; i < nbytes; i++)
		buf[i] = (guint8)g_rand_int_range(gen->rand, 0, 256);
	return gs_hex_encode(buf, nbytes);
}

static const gchar *gen_words[] = {
	"fix",	   "add",     "remove", "refactor", "parser", "relay",	"cache",   "index",
	"nostr",   "git",     "patch",	"branch",   "merge",  "commit", "test",	   "docs",
	"the",	   "a",	      "of",	"for",	    "when",   "with",	"without", "error",
	"handle",  "timeout", "update", "config",   "server", "client", "sync",	   "event",
	"support", "crash",   "memory", "leak",	    "faster", "slower", "build",   "release",
};

static void
gen_append_words(Gen *gen, GString *out, guint n)
{
	for (guint i = 0; i < n; i++) {
		if (i > 0)
			g_string_append_c(out, ' ');
		g_string_append(out, gen_words[gen_int(gen, 0, G_N_ELEMENTS(gen_words) - 1)]);
	}
}

static gchar *
gen_sentence(Gen *gen, guint lo, guint hi)
{
	GString *out = g_string_new(NULL);
	gen_append_words(gen, out, gen_int(gen, lo, hi));
	return g_string_free(out, FALSE);
}

/* a `git format-patch` shaped body of a few hunks */
static gchar *
gen_patch_body(Gen *gen, const gchar *subject, const gchar *commit)
{
	GString *out = g_string_new(NULL);
	guint hunks = gen_int(gen, 1, 6);

	g_string_append_printf(out,
			       "From %s Mon Sep 17 00:00:00 2001\nFrom: dev <dev@example.com>\n"
			       "Subject: [PATCH] %s\n\n---\n",
			       commit,
			       subject);
	for (guint h = 0; h < hunks; h++) {
		g_autofree gchar *file = gen_sentence(gen, 1, 2);
		g_strdelimit(file, " ", '-');
		g_string_append_printf(out,
				       "diff --git a/src/%s.c b/src/%s.c\n@@ -%u,7 +%u,8 @@\n",
				       file,
				       file,
				       gen_int(gen, 1, 900),
				       gen_int(gen, 1, 900));
		for (guint l = gen_int(gen, 3, 12); l > 0; l--) {
			g_string_append_c(out, "+- "[gen_int(gen, 0, 2)]);
			g_string_append_c(out, '\t');
			gen_append_words(gen, out, gen_int(gen, 2, 9));
			g_string_append(out, ";\n");
		}
	}
	g_string_append(out, "-- \n2.43.0\n");
	return g_string_free(out, FALSE);
}

/* tags: a NULL-terminated list of NULL-terminated string arrays, built with gen_tag() */
static void
gen_tag(GPtrArray *tags, const gchar *name, ...)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	va_list args;

	g_strv_builder_add(builder, name);
	va_start(args, name);
	for (const gchar *v = va_arg(args, const gchar *); v != NULL;
	     v = va_arg(args, const gchar *))
		g_strv_builder_add(builder, v);
	va_end(args);
	g_ptr_array_add(tags, g_strv_builder_end(builder));
}

static GsEvent *
gen_sign(Gen *gen, guint key, guint kind, GPtrArray *tags, const gchar *content)
{
	g_autoptr(GError) error = NULL;
	GsEvent *ev;

	gen->clock += gen_int(gen, 1, 90);
	ev = gs_event_new_signed(
		gen_key(gen, key)->seckey, gen->clock, kind, tags, content, &error);
	if (ev == NULL)
		g_error("signing failed: %s", error->message);
	g_ptr_array_add(gen->pending, gs_event_ref(ev));
	gen->emitted++;
	return ev;
}

static GPtrArray *
gen_tags_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
}

static void
gen_announcement(Gen *gen, GenRepo *repo, guint author)
{
	g_autoptr(GPtrArray) tags = gen_tags_new();
	g_autofree gchar *name = gen_sentence(gen, 1, 3);
	g_autofree gchar *clone = NULL;
	g_autofree gchar *other_relay =
		g_strdup_printf("wss://relay%u.example.net", gen_int(gen, 1, 40));
	g_autofree gchar *desc = gen_sentence(gen, 5, 25);
	g_autoptr(GStrvBuilder) maint = g_strv_builder_new();
	g_auto(GStrv) maintainers = NULL;
	g_autoptr(GsEvent) ev = NULL;
	const gchar *host = repo->ours ? gen->service_host : "git.elsewhere.example.org";

	clone = g_strdup_printf(
		"https://%s/%s/%s.git", host, gen_key(gen, repo->owner)->pubkey, repo->d);
	gen_tag(tags, "d", repo->d, NULL);
	gen_tag(tags, "name", name, NULL);
	gen_tag(tags, "description", desc, NULL);
	gen_tag(tags, "clone", clone, NULL);
	gen_tag(tags, "web", clone, NULL);
	if (repo->ours)
		gen_tag(tags, "relays", gen->service, other_relay, NULL);
	else
		gen_tag(tags, "relays", other_relay, NULL);
	/* maintainers list each other, the owner included */
	g_strv_builder_add(maint, "maintainers");
	for (guint i = 0; i <= repo->n_maintainers; i++) {
		guint k = i == 0 ? repo->owner : repo->maintainers[i - 1];
		if (k != author)
			g_strv_builder_add(maint, gen_key(gen, k)->pubkey);
	}
	maintainers = g_strv_builder_end(maint);
	if (maintainers[1] != NULL)
		g_ptr_array_add(tags, g_strdupv(maintainers));
	gen_tag(tags, "r", repo->euc, "euc", NULL);
	gen_tag(tags, "t", "nostr", NULL);
	ev = gen_sign(gen, author, 30617, tags, "");
}

static void
gen_state(Gen *gen, GenRepo *repo, guint author)
{
	g_autoptr(GPtrArray) tags = gen_tags_new();
	g_autofree gchar *main_commit = gen_hex(gen, 20);
	g_autofree gchar *tag_commit = gen_hex(gen, 20);
	g_autoptr(GsEvent) ev = NULL;

	gen_tag(tags, "d", repo->d, NULL);
	gen_tag(tags, "refs/heads/main", main_commit, NULL);
	gen_tag(tags, "refs/tags/v1.0", tag_commit, NULL);
	gen_tag(tags, "HEAD", "ref: refs/heads/main", NULL);
	ev = gen_sign(gen, author, 30618, tags, "");
}

/* someone who writes about the repository: a maintainer half the time */
static guint
gen_contributor(Gen *gen, GenRepo *repo)
{
	if (gen_int(gen, 0, 1) == 0)
		return repo->n_maintainers > 0
			       ? repo->maintainers[gen_int(gen, 0, repo->n_maintainers - 1)]
			       : repo->owner;
	return gen_int(gen, 0, gen->keys->len - 1);
}

static void
gen_patch_series(Gen *gen, GenRepo *repo)
{
	guint author = gen_contributor(gen, repo);
	guint n = gen_int(gen, 1, 4);
	g_autoptr(GsEvent) root = NULL;

	for (guint i = 0; i < n; i++) {
		g_autoptr(GPtrArray) tags = gen_tags_new();
		g_autofree gchar *subject = gen_sentence(gen, 3, 9);
		g_autofree gchar *commit = gen_hex(gen, 20);
		g_autofree gchar *parent = gen_hex(gen, 20);
		g_autofree gchar *body = gen_patch_body(gen, subject, commit);
		GsEvent *ev;

		gen_tag(tags, "a", repo->coordinate, NULL);
		gen_tag(tags, "r", repo->euc, NULL);
		gen_tag(tags, "p", gen_key(gen, repo->owner)->pubkey, NULL);
		if (root == NULL)
			gen_tag(tags, "t", "root", NULL);
		else
			gen_tag(tags, "e", gs_event_get_id(root), "", "reply", NULL);
		gen_tag(tags, "commit", commit, NULL);
		gen_tag(tags, "r", commit, NULL);
		gen_tag(tags, "parent-commit", parent, NULL);
		ev = gen_sign(gen, author, 1617, tags, body);
		g_ptr_array_add(repo->threads, gs_event_ref(ev));
		if (root == NULL) {
			root = ev;
			g_ptr_array_add(repo->roots, gs_event_ref(ev));
		} else {
			gs_event_unref(ev);
		}
	}
}

static void
gen_pull_request(Gen *gen, GenRepo *repo)
{
	g_autoptr(GPtrArray) tags = gen_tags_new();
	g_autofree gchar *subject = gen_sentence(gen, 3, 9);
	g_autofree gchar *body = gen_sentence(gen, 10, 80);
	g_autofree gchar *tip = gen_hex(gen, 20);
	g_autofree gchar *clone = g_strdup_printf("https://git.example.org/fork/%s.git", repo->d);
	GsEvent *ev;

	gen_tag(tags, "a", repo->coordinate, NULL);
	gen_tag(tags, "r", repo->euc, NULL);
	gen_tag(tags, "p", gen_key(gen, repo->owner)->pubkey, NULL);
	gen_tag(tags, "subject", subject, NULL);
	gen_tag(tags, "t", "enhancement", NULL);
	gen_tag(tags, "c", tip, NULL);
	gen_tag(tags, "clone", clone, NULL);
	gen_tag(tags, "branch-name", "feature", NULL);
	ev = gen_sign(gen, gen_contributor(gen, repo), 1618, tags, body);
	g_ptr_array_add(repo->roots, gs_event_ref(ev));
	g_ptr_array_add(repo->threads, ev);
}

static void
gen_issue(Gen *gen, GenRepo *repo)
{
	g_autoptr(GPtrArray) tags = gen_tags_new();
	g_autofree gchar *subject = gen_sentence(gen, 3, 9);
	g_autofree gchar *body = gen_sentence(gen, 20, 150);
	GsEvent *ev;

	gen_tag(tags, "a", repo->coordinate, NULL);
	gen_tag(tags, "p", gen_key(gen, repo->owner)->pubkey, NULL);
	gen_tag(tags, "subject", subject, NULL);
	gen_tag(tags, "t", gen_int(gen, 0, 1) ? "bug" : "question", NULL);
	ev = gen_sign(gen, gen_int(gen, 0, gen->keys->len - 1), 1621, tags, body);
	g_ptr_array_add(repo->roots, gs_event_ref(ev));
	g_ptr_array_add(repo->threads, ev);
}

static void
gen_status(Gen *gen, GenRepo *repo, GsEvent *root)
{
	g_autoptr(GPtrArray) tags = gen_tags_new();
	g_autoptr(GsEvent) ev = NULL;

	gen_tag(tags, "e", gs_event_get_id(root), "", "root", NULL);
	gen_tag(tags, "p", gs_event_get_pubkey(root), NULL);
	gen_tag(tags, "a", repo->coordinate, NULL);
	gen_tag(tags, "r", repo->euc, NULL);
	ev = gen_sign(gen, repo->owner, 1630 + gen_int(gen, 0, 3), tags, "");
}

/* NIP-22: E/K/P name the root, e/k/p the parent; on the repository itself A/K and a/k */
static void
gen_comment(Gen *gen, GenRepo *repo, GsEvent *root, GsEvent *parent)
{
	g_autoptr(GPtrArray) tags = gen_tags_new();
	g_autofree gchar *body = gen_sentence(gen, 4, 40);
	g_autofree gchar *root_kind = NULL;
	g_autofree gchar *parent_kind = NULL;
	GsEvent *ev;

	if (root == NULL) {
		gen_tag(tags, "A", repo->coordinate, NULL);
		gen_tag(tags, "K", "30617", NULL);
		gen_tag(tags, "P", gen_key(gen, repo->owner)->pubkey, NULL);
		gen_tag(tags, "a", repo->coordinate, NULL);
		gen_tag(tags, "k", "30617", NULL);
		gen_tag(tags, "p", gen_key(gen, repo->owner)->pubkey, NULL);
	} else {
		root_kind = g_strdup_printf("%u", gs_event_get_kind(root));
		parent_kind = g_strdup_printf("%u", gs_event_get_kind(parent));
		gen_tag(tags, "E", gs_event_get_id(root), "", gs_event_get_pubkey(root), NULL);
		gen_tag(tags, "K", root_kind, NULL);
		gen_tag(tags, "P", gs_event_get_pubkey(root), NULL);
		gen_tag(tags, "e", gs_event_get_id(parent), "", gs_event_get_pubkey(parent), NULL);
		gen_tag(tags, "k", parent_kind, NULL);
		gen_tag(tags, "p", gs_event_get_pubkey(parent), NULL);
	}
	ev = gen_sign(gen, gen_int(gen, 0, gen->keys->len - 1), 1111, tags, body);
	g_ptr_array_add(repo->threads, ev);
}

/* a kind-1 reply: e root/reply markers, a quote (q), the repository (a or A) */
static void
gen_reply(Gen *gen, GenRepo *repo, GsEvent *root)
{
	g_autoptr(GPtrArray) tags = gen_tags_new();
	g_autofree gchar *body = gen_sentence(gen, 3, 30);
	GsEvent *quoted = g_ptr_array_index(repo->threads, gen_int(gen, 0, repo->threads->len - 1));
	g_autoptr(GsEvent) ev = NULL;

	gen_tag(tags, "e", gs_event_get_id(root), "", "root", NULL);
	if (quoted != root)
		gen_tag(tags, "q", gs_event_get_id(quoted), "", gs_event_get_pubkey(quoted), NULL);
	gen_tag(tags, gen_int(gen, 0, 1) ? "a" : "A", repo->coordinate, NULL);
	gen_tag(tags, "p", gs_event_get_pubkey(root), NULL);
	ev = gen_sign(gen, gen_int(gen, 0, gen->keys->len - 1), 1, tags, body);
}

static void
gen_discussion(Gen *gen, GenRepo *repo)
{
	for (guint i = 0; i < repo->roots->len; i++) {
		GsEvent *root = g_ptr_array_index(repo->roots, i);
		GsEvent *parent = root;

		if (gen_int(gen, 0, 1) == 0)
			gen_status(gen, repo, root);
		for (guint c = gen_int(gen, 0, 4); c > 0; c--) {
			gen_comment(gen, repo, root, parent);
			parent = g_ptr_array_index(repo->threads, repo->threads->len - 1);
		}
		if (gen_int(gen, 0, 2) == 0)
			gen_reply(gen, repo, root);
	}
	if (gen_int(gen, 0, 3) == 0)
		gen_comment(gen, repo, NULL, NULL);
}

static void
gen_flush(Gen *gen)
{
	/* --shuffle: some events swap with an earlier one of their repository, so that they
	 * arrive before what they depend on */
	for (guint i = 1; i < gen->pending->len; i++) {
		if (g_rand_double(gen->rand) < gen->shuffle) {
			guint j = gen_int(gen, 0, i - 1);
			gpointer tmp = gen->pending->pdata[i];
			gen->pending->pdata[i] = gen->pending->pdata[j];
			gen->pending->pdata[j] = tmp;
		}
	}
	for (guint i = 0; i < gen->pending->len && gen->written < gen->target; i++) {
		GsEvent *ev = g_ptr_array_index(gen->pending, i);
		gen->written++;
		fwrite(gs_event_get_json(ev), 1, gs_event_get_json_size(ev), stdout);
		fputc('\n', stdout);
	}
	g_ptr_array_set_size(gen->pending, 0);
}

static void
gen_repo(Gen *gen, guint index)
{
	GenRepo repo = {0};

	repo.d = g_strdup_printf("repo-%u", index);
	repo.owner = gen_int(gen, 0, gen->keys->len - 1);
	repo.ours = g_rand_double(gen->rand) < gen->ours;
	repo.n_maintainers = gen_int(gen, 0, 3);
	for (guint i = 0; i < repo.n_maintainers; i++)
		repo.maintainers[i] = gen_int(gen, 0, gen->keys->len - 1);
	repo.coordinate = gs_coordinate_build(30617, gen_key(gen, repo.owner)->pubkey, repo.d);
	repo.euc = gen_hex(gen, 20);
	repo.roots = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	repo.threads = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);

	gen_announcement(gen, &repo, repo.owner);
	for (guint i = 0; i < repo.n_maintainers; i++)
		gen_announcement(gen, &repo, repo.maintainers[i]);
	gen_state(gen, &repo, repo.owner);
	for (guint i = 0; i < repo.n_maintainers; i++)
		gen_state(gen, &repo, repo.maintainers[i]);
	if (repo.ours) {
		for (guint i = gen_int(gen, 0, 4); i > 0; i--)
			gen_patch_series(gen, &repo);
		for (guint i = gen_int(gen, 0, 2); i > 0; i--)
			gen_pull_request(gen, &repo);
		for (guint i = gen_int(gen, 0, 5); i > 0; i--)
			gen_issue(gen, &repo);
		gen_discussion(gen, &repo);
	}
	gen_flush(gen);
	g_ptr_array_unref(repo.threads);
	g_ptr_array_unref(repo.roots);
	g_free(repo.euc);
	g_free(repo.coordinate);
	g_free(repo.d);
}

int
main(int argc, char **argv)
{
	gint64 seed = 1;
	gint64 count = 100000;
	gint users = 2000;
	gdouble ours = 0.8;
	gdouble shuffle = 0.0;
	g_autofree gchar *service = g_strdup("wss://relay.example.com");
	g_autoptr(GOptionContext) context = g_option_context_new("- generate signed NIP-34 events");
	g_autoptr(GError) error = NULL;
	g_autoptr(GUri) uri = NULL;
	Gen gen = {0};
	const GOptionEntry entries[] = {
		{"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 1)", "N"},
		{"count",
		 'n',
		 0,
		 G_OPTION_ARG_INT64,
		 &count,
		 "Events to write (default 100000)",
		 "N"},
		{"users", 0, 0, G_OPTION_ARG_INT, &users, "Distinct keys (default 2000)", "N"},
		{"service", 0, 0, G_OPTION_ARG_STRING, &service, "Our relay URL", "URL"},
		{"ours",
		 0,
		 0,
		 G_OPTION_ARG_DOUBLE,
		 &ours,
		 "Fraction of repositories listing it",
		 "F"},
		{"shuffle", 0, 0, G_OPTION_ARG_DOUBLE, &shuffle, "Out-of-order fraction", "F"},
		{NULL}};

	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("gen-events: %s\n", error->message);
		return 2;
	}
	if (count < 0 || users < 4 || ours < 0 || ours > 1 || shuffle < 0 || shuffle > 1) {
		g_printerr("gen-events: option out of range\n");
		return 2;
	}
	if (!gs_crypto_init(&error)) {
		g_printerr("gen-events: %s\n", error->message);
		return 1;
	}
	gen.rand = g_rand_new_with_seed((guint32)seed);
	gen.keys = g_array_sized_new(FALSE, TRUE, sizeof(GenKey), users);
	g_array_set_size(gen.keys, users);
	for (gint i = 0; i < users; i++)
		gen_key_from_index((guint64)seed, (guint)i, gen_key(&gen, i));
	uri = g_uri_parse(service, G_URI_FLAGS_NONE, &error);
	if (uri == NULL || g_uri_get_host(uri) == NULL) {
		g_printerr("gen-events: --service: not a URL\n");
		return 2;
	}
	gen.service = service;
	gen.service_host = g_strdup(g_uri_get_host(uri));
	gen.ours = ours;
	gen.shuffle = shuffle;
	gen.target = (guint64)count;
	gen.clock = GEN_BASE_TIME;
	gen.pending = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	for (guint i = 0; gen.written < gen.target; i++)
		gen_repo(&gen, i);
	g_ptr_array_unref(gen.pending);
	g_array_unref(gen.keys);
	g_free(gen.service_host);
	g_rand_free(gen.rand);
	return fflush(stdout) == 0 ? 0 : 1;
}
