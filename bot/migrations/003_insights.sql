-- The question log behind /insights: what was asked and what the answer cited. Deliberately no
-- user ids and no channel names; private questions are never written here.

CREATE TABLE insight_questions (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,  -- the answer's id (carried by its vote buttons)
    guild_id  INTEGER NOT NULL,
    asked_at  TEXT NOT NULL,                      -- ISO 8601, UTC
    question  TEXT NOT NULL,
    declined  INTEGER NOT NULL CHECK (declined IN (0, 1)),
    vote      INTEGER CHECK (vote IN (-1, 1))     -- the asker's: 1 helpful, -1 not, NULL none
);

CREATE INDEX insight_questions_by_time ON insight_questions (asked_at);
CREATE INDEX insight_questions_by_guild ON insight_questions (guild_id, asked_at);

-- The passages an answer cited on its first page, in order (rank 0 is the one quoted).
CREATE TABLE insight_citations (
    question_id INTEGER NOT NULL REFERENCES insight_questions (id) ON DELETE CASCADE,
    rank        INTEGER NOT NULL,
    post_id     TEXT NOT NULL,
    title       TEXT NOT NULL,
    heading     TEXT NOT NULL,                    -- "" for a post's opening
    anchor      TEXT NOT NULL,                    -- the section's anchor ("" for none)
    sentence    TEXT NOT NULL,                    -- the passage's best-matching sentence
    PRIMARY KEY (question_id, rank)
) WITHOUT ROWID;

CREATE INDEX insight_citations_by_section ON insight_citations (post_id, anchor);

-- /insights digest: one channel per server gets the weekly summary. ``sending_week`` is written
-- before the message is sent and ``posted_week`` once Discord accepted it, so a week's digest
-- goes out once even across restarts (a send interrupted in between is retried with its nonce).
CREATE TABLE insight_digests (
    guild_id     INTEGER PRIMARY KEY,
    channel_id   INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    sending_week TEXT,                            -- e.g. "2026-W49"
    posted_week  TEXT,
    message_id   INTEGER,
    last_error   TEXT
);
