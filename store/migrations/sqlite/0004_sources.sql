-- Sources: the web pages, sitemaps, sites and Git folders whose pages a
-- server's knowledge base (or, under guild '', the operator's base) is
-- fetched from and kept current. The store keeps each source's
-- description and what its last fetch remembers as JSON text it never
-- looks inside (sources.Source and sources.State), with the figures that
-- /corpus sources shows. The fetched pages themselves are documents of
-- the knowledge base, like uploads.
--
-- PostgreSQL has the same tables (migrations/postgres/0003_sources.sql)
-- with its own row ID and collation; the statements are shared.
-- Times are Unix milliseconds, 0 for never.
CREATE TABLE sources (
	id           INTEGER PRIMARY KEY,
	guild        TEXT NOT NULL,
	-- source_key identifies what the source fetches (sources.Source.Key):
	-- one source per key per server.
	source_key   TEXT NOT NULL,
	spec         TEXT NOT NULL,
	added_by     TEXT NOT NULL DEFAULT '',
	added_at     INTEGER NOT NULL,
	-- state is written by successful refreshes only: a failed one keeps
	-- the last good state, as the knowledge base keeps the last good pages.
	state        TEXT NOT NULL DEFAULT '',
	pages        INTEGER NOT NULL DEFAULT 0,
	failed       INTEGER NOT NULL DEFAULT 0,
	refreshed_at INTEGER NOT NULL DEFAULT 0,
	succeeded_at INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT '',
	summary      TEXT NOT NULL DEFAULT '',
	UNIQUE (guild, source_key)
) STRICT;

-- Per-server settings chosen from Discord by the server's admins, one row
-- per setting: today the moderator channel that refresh summaries are
-- posted to ('moderator_channel').
CREATE TABLE guild_settings (
	guild  TEXT NOT NULL,
	name   TEXT NOT NULL,
	value  TEXT NOT NULL,
	set_by TEXT NOT NULL DEFAULT '',
	set_at INTEGER NOT NULL,
	PRIMARY KEY (guild, name)
) STRICT;
