-- Teaching (issue 11): the phrasings moderators taught the bot, and which
-- "Did you mean…?" suggestion members picked after a refusal.

-- A taught phrasing is a question that a server's moderators (or the
-- operator, for the base: guild '') taught the bot to answer from one
-- passage. The passage is named by everything that finds it again after a
-- reindex renumbers passages: its ID, document, title and content hash.
-- norm is the question with case, punctuation and spacing folded: one
-- phrasing per server per norm, so teaching the same words again moves
-- them to the new passage. asker is the member whose recorded question
-- had these words when they were taught (stored like questions.user_id),
-- so that their request to be forgotten removes the copy.
CREATE TABLE phrasings (
	id        INTEGER PRIMARY KEY,
	guild     TEXT NOT NULL,
	question  TEXT NOT NULL,
	norm      TEXT NOT NULL,
	chunk_id  TEXT NOT NULL,
	document  TEXT NOT NULL,
	title     TEXT NOT NULL DEFAULT '',
	hash      TEXT NOT NULL DEFAULT '',
	taught_by TEXT NOT NULL DEFAULT '',
	via       TEXT NOT NULL DEFAULT '',
	asker     TEXT NOT NULL DEFAULT '',
	taught_at INTEGER NOT NULL,
	UNIQUE (guild, norm)
) STRICT;
CREATE INDEX phrasings_asker ON phrasings(asker) WHERE asker != '';

-- A pick is a member's click on one suggestion of a refused answer: one
-- row per member, answer and suggested passage. picker is stored like a
-- voter (feedback.voter), under the refused answer's ID as its scope.
CREATE TABLE suggestion_picks (
	guild     TEXT NOT NULL,
	answer_id TEXT NOT NULL,
	picker    TEXT NOT NULL,
	chunk_id  TEXT NOT NULL,
	document  TEXT NOT NULL,
	title     TEXT NOT NULL DEFAULT '',
	picked_at INTEGER NOT NULL,
	PRIMARY KEY (guild, answer_id, picker, chunk_id)
) STRICT;
CREATE INDEX suggestion_picks_picker ON suggestion_picks(picker);
