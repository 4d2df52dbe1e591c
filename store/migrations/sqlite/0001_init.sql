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
