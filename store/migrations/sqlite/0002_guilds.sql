-- Per-server records: every table a Discord server owns carries its guild
-- ID, and every query names it. Rows from before this migration get the
-- guild their question names where one does; what cannot be tied to a
-- server stays with '' (the operator's base) until the Go step of this
-- migration adopts it for the one server the old bot served, if known.

CREATE INDEX questions_guild_asked_at ON questions(guild, asked_at);

-- feedback gains its guild in the key, and asker: who asked the question
-- voted on, so that a member's request to be forgotten also clears the
-- copy of their question kept with others' votes. The copy is only kept
-- for answers never recorded as questions; for the others it is dropped,
-- since the question row holds the text.
CREATE TABLE feedback_v2 (
	guild     TEXT NOT NULL,
	answer_id TEXT NOT NULL,
	voter     TEXT NOT NULL,
	question  TEXT NOT NULL DEFAULT '',
	asker     TEXT NOT NULL DEFAULT '',
	vote      INTEGER NOT NULL CHECK (vote IN (-1, 1)),
	voted_at  INTEGER NOT NULL,
	PRIMARY KEY (guild, answer_id, voter)
) STRICT;
INSERT INTO feedback_v2 (guild, answer_id, voter, question, vote, voted_at)
	SELECT coalesce(q.guild, ''), f.answer_id, f.voter, CASE WHEN q.id IS NULL THEN f.question ELSE '' END, f.vote, f.voted_at
	FROM feedback f LEFT JOIN questions q ON q.answer_id = f.answer_id;
DROP TABLE feedback;
ALTER TABLE feedback_v2 RENAME TO feedback;
CREATE INDEX feedback_guild_voted_at ON feedback(guild, voted_at);
CREATE INDEX feedback_voter ON feedback(voter);
CREATE INDEX feedback_asker ON feedback(asker) WHERE asker != '';

-- The change log of the one shared corpus becomes the base corpus's.
ALTER TABLE corpus_changes ADD COLUMN guild TEXT NOT NULL DEFAULT '';
CREATE INDEX corpus_changes_guild ON corpus_changes(guild, changed_at);

-- A conversation becomes one row per turn: appending is an INSERT, so two
-- replies in one thread can no longer overwrite each other's turn, and a
-- member's turns can be deleted on request (asked_by).
CREATE TABLE conversation_turns (
	seq       INTEGER PRIMARY KEY,
	guild     TEXT NOT NULL,
	thread_id TEXT NOT NULL,
	asked_by  TEXT NOT NULL DEFAULT '',
	question  TEXT NOT NULL,
	answer    TEXT NOT NULL,
	at        INTEGER NOT NULL
) STRICT;
INSERT INTO conversation_turns (guild, thread_id, question, answer, at)
	SELECT coalesce((SELECT q.guild FROM questions q WHERE q.channel = c.thread_id AND q.guild != '' LIMIT 1), ''),
		c.thread_id,
		coalesce(json_extract(j.value, '$.q'), ''),
		coalesce(json_extract(j.value, '$.a'), ''),
		coalesce(CAST(strftime('%s', json_extract(j.value, '$.at')) AS INTEGER) * 1000, c.updated_at)
	FROM conversations c, json_each(c.turns) j
	ORDER BY c.thread_id, CAST(j.key AS INTEGER);
DROP TABLE conversations;
CREATE INDEX conversation_turns_thread ON conversation_turns(guild, thread_id, seq);
CREATE INDEX conversation_turns_at ON conversation_turns(at);
CREATE INDEX conversation_turns_asked_by ON conversation_turns(asked_by) WHERE asked_by != '';

-- Moderator roles, by ID, set per server from Discord by its admins.
CREATE TABLE moderator_roles (
	guild    TEXT NOT NULL,
	role_id  TEXT NOT NULL,
	added_by TEXT NOT NULL DEFAULT '',
	added_at INTEGER NOT NULL,
	PRIMARY KEY (guild, role_id)
) STRICT;
