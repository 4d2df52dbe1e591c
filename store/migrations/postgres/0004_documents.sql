-- Each knowledge base's documents, kept in the database: the source of
-- truth for what moderators upload from Discord and for the operator's
-- base corpus (under the guild ''). Each process's corpus folder for a
-- server is a cache of these rows, and its index is built from them. The
-- same tables as SQLite's migration 0005.
CREATE TABLE documents (
	guild       text COLLATE "C" NOT NULL,
	name        text COLLATE "C" NOT NULL,
	content     bytea NOT NULL,
	hash        text NOT NULL,
	size        bigint NOT NULL,
	modified_at bigint NOT NULL,
	modified_by text NOT NULL DEFAULT '',
	removed_at  bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (guild, name)
);

CREATE TABLE document_versions (
	guild      text COLLATE "C" PRIMARY KEY,
	version    bigint NOT NULL,
	changed_at bigint NOT NULL
);
