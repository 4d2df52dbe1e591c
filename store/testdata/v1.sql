-- A database as faqbot wrote it before per-server data (schema 1), for the
-- migration tests: one server's questions, votes (one on an answer never
-- recorded), two thread conversations, the change log, and the hashing key
-- kept in the meta table. Hashes are HMAC-SHA-256 under that key.
-- Times are Unix milliseconds (UTC): they sort, compare and group by day
-- cheaply, and carry no time-zone ambiguity.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

CREATE TABLE questions (
	id         INTEGER PRIMARY KEY,
	answer_id  TEXT UNIQUE,
	asked_at   INTEGER NOT NULL,
	guild      TEXT NOT NULL DEFAULT '',
	channel    TEXT NOT NULL DEFAULT '',
	user_id    TEXT,
	question   TEXT NOT NULL,
	answer     TEXT NOT NULL DEFAULT '',
	mode       TEXT NOT NULL DEFAULT '',
	sources    TEXT NOT NULL DEFAULT '[]',
	refused    INTEGER NOT NULL DEFAULT 0,
	latency_ms INTEGER NOT NULL DEFAULT 0,
	note       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX questions_asked_at ON questions(asked_at);
CREATE INDEX questions_user ON questions(user_id);

CREATE TABLE feedback (
	answer_id TEXT NOT NULL,
	-- voter is the user ID, its hash ("h:..."), or in privacy mode none a
	-- per-answer token ("t:...") that cannot be joined across answers.
	voter     TEXT NOT NULL,
	question  TEXT NOT NULL DEFAULT '',
	vote      INTEGER NOT NULL CHECK (vote IN (-1, 1)),
	voted_at  INTEGER NOT NULL,
	PRIMARY KEY (answer_id, voter)
) STRICT;
CREATE INDEX feedback_voted_at ON feedback(voted_at);
CREATE INDEX feedback_voter ON feedback(voter);

CREATE TABLE corpus_changes (
	id         INTEGER PRIMARY KEY,
	changed_at INTEGER NOT NULL,
	who        TEXT NOT NULL DEFAULT '',
	action     TEXT NOT NULL,
	document   TEXT NOT NULL DEFAULT '',
	summary    TEXT NOT NULL DEFAULT '',
	error      TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE conversations (
	thread_id  TEXT PRIMARY KEY,
	turns      TEXT NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX conversations_updated_at ON conversations(updated_at);

CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT;
INSERT INTO schema_version VALUES (1, '0001_init.sql', 1740000000000);
INSERT INTO meta VALUES ('user_salt', '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff');

INSERT INTO questions (answer_id, asked_at, guild, channel, user_id, question, answer, mode, sources, refused, latency_ms) VALUES
	('ans-1', 1741600000000, '111', 'chan-1', 'h:8114ec3c2c97fe78039126ee53a5e71051d912407ac3e6a27f0a92f273490fd0', 'where do staff park?', 'In the north lot [1].', 'extractive', '["parking.md#0"]', 0, 40),
	('ans-2', 1741600060000, '111', 'thread-9', 'h:8114ec3c2c97fe78039126ee53a5e71051d912407ac3e6a27f0a92f273490fd0', 'and visitors?', 'I couldn''t find that.', 'extractive', '[]', 1, 35),
	('ans-3', 1741600120000, '111', 'chan-1', 'h:7ebc820b54648c32a6e012c86ed34b604f4c3895b9168e01cf66bd2f8a9ed84c', 'how do refunds work', 'Within 5 days [1].', 'extractive', '["refunds.md#0"]', 0, 50);

INSERT INTO feedback (answer_id, voter, question, vote, voted_at) VALUES
	('ans-1', 'h:7ebc820b54648c32a6e012c86ed34b604f4c3895b9168e01cf66bd2f8a9ed84c', 'where do staff park?', 1, 1741600200000),
	('ans-3', 'h:8114ec3c2c97fe78039126ee53a5e71051d912407ac3e6a27f0a92f273490fd0', 'how do refunds work', -1, 1741600210000),
	('mem-7', 'h:7ebc820b54648c32a6e012c86ed34b604f4c3895b9168e01cf66bd2f8a9ed84c', 'is the canteen open on sundays', -1, 1741600220000);

INSERT INTO corpus_changes (changed_at, who, action, document, summary, error) VALUES
	(1741500000000, 'mia (222)', 'add', 'parking.md', '1 added, 3 passages', ''),
	(1741500100000, 'sighup', 'edit', '', '1 changed', '');

INSERT INTO conversations (thread_id, turns, updated_at) VALUES
	('thread-9', '[{"q":"where do staff park?","a":"In the north lot [1].","at":"2025-03-10T09:46:40Z"},{"q":"and visitors?","a":"I couldn''t find that.","at":"2025-03-10T09:47:40.5Z"}]', 1741600060500),
	('thread-lone', '[{"q":"hello there","a":"hi"}]', 1741600300000);
