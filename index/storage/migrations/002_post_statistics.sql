-- The term statistics as rows per post instead of one snapshot blob rewritten on every commit:
-- a one-post change writes that post's rows (and appends its new terms), nothing else.

CREATE TABLE index_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    generation   INTEGER NOT NULL,     -- bumped by every commit (how other processes notice one)
    built_at     TEXT NOT NULL,
    format       INTEGER NOT NULL,     -- fields.INDEX_FORMAT of the rows (others are not read)
    vocab_size   INTEGER NOT NULL,     -- terms stored in `vocab`
    vocab_digest TEXT NOT NULL         -- sha256 of those terms, "\n"-joined, in order
);

-- The vocabulary in the order of term ids, in chunks of "\n"-joined terms (one per commit that
-- brought new terms): ids never move while terms are only appended.
CREATE TABLE vocab (
    first_id INTEGER PRIMARY KEY,
    size     INTEGER NOT NULL,
    terms    TEXT NOT NULL
);

-- One row per post: its place in the index's order and its passages' per-passage arrays.
CREATE TABLE post_stats (
    post_id         TEXT PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL UNIQUE,  -- the order of posts in the index
    generation      INTEGER NOT NULL,         -- the generation that wrote this row
    sentence_counts BLOB NOT NULL,            -- int32 (little-endian) per passage
    states_amount   BLOB NOT NULL             -- uint8 per passage
);

-- One row per post and field: its documents' lengths, term ids and counts (index/stat_rows.py).
CREATE TABLE post_terms (
    post_id     TEXT NOT NULL REFERENCES post_stats(post_id) ON DELETE CASCADE,
    field       TEXT NOT NULL,
    lengths     BLOB NOT NULL,            -- uint32 per document: its distinct terms
    term_ids    BLOB NOT NULL,            -- int32 per (document, term)
    counts      BLOB NOT NULL,            -- per (document, term), `count_bytes` wide
    count_bytes INTEGER NOT NULL CHECK (count_bytes IN (1, 2, 4)),
    PRIMARY KEY (post_id, field)
);

-- An index stored before has no rows here: it is rebuilt from the content folder (the format
-- of the blob is not worth converting). The generation keeps counting; dropping the site key
-- makes the next refresh read every post again.
INSERT INTO index_state (id, generation, built_at, format, vocab_size, vocab_digest)
    SELECT 1, generation, built_at, 0, 0, '' FROM index_snapshot;
DELETE FROM meta WHERE key = 'site';
DROP TABLE index_snapshot;
