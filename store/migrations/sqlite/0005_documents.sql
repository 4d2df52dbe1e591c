-- Each knowledge base's documents, kept in the database: the source of
-- truth for what moderators upload from Discord (and, with a shared
-- database, for the operator's base corpus, under the guild ''). A
-- process's corpus folder for a server is a cache of these rows, and its
-- index is built from them.
CREATE TABLE documents (
	guild       TEXT NOT NULL,
	-- name is the document's ID: its path in the corpus, slash-separated.
	name        TEXT NOT NULL,
	content     BLOB NOT NULL,
	-- hash is the hex SHA-256 of content.
	hash        TEXT NOT NULL,
	size        INTEGER NOT NULL,
	modified_at INTEGER NOT NULL,
	modified_by TEXT NOT NULL DEFAULT '',
	-- removed_at is when the document was removed (0: it is not): a
	-- removed document is kept, as the removed/ folder kept it, until it
	-- is added again.
	removed_at  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (guild, name)
) STRICT;

-- One row per knowledge base whose documents were ever written: version
-- goes up by one with every change, in the change's transaction, so a
-- process that has built an index of version v knows whether it is
-- current with one cheap read.
CREATE TABLE document_versions (
	guild      TEXT PRIMARY KEY,
	version    INTEGER NOT NULL,
	changed_at INTEGER NOT NULL
) STRICT;
