-- Passage texts apart from their passages, keyed by a digest of the text (see
-- index/passage_table.py): a served index holds its passages' digests and reads the few texts it
-- shows. A text stays while a passage uses it, and for a while after (`unused_since`): an index
-- of the generation before, still served here or in another process, reads its texts by digest.

CREATE TABLE passage_texts (
    digest       INTEGER PRIMARY KEY,  -- 64 bits of the text's BLAKE2b, signed
    text         TEXT NOT NULL,
    unused_since REAL                  -- unix time the last passage using it went; NULL: in use
);
CREATE INDEX passage_texts_unused ON passage_texts (unused_since) WHERE unused_since IS NOT NULL;

-- The passages, their text replaced by its digest. SQL cannot compute the digests, so the stored
-- index is rebuilt from its content folder (as the migration to rows did): its format is made
-- unreadable and the site key dropped, so the next refresh reads every post again.
DROP TABLE passages;
CREATE TABLE passages (
    post_id      TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    heading_path TEXT NOT NULL,        -- JSON array
    anchor       TEXT,
    digest       INTEGER NOT NULL,     -- passage_texts(digest) of its text
    PRIMARY KEY (post_id, ordinal)
) WITHOUT ROWID;
CREATE INDEX passages_digest ON passages (digest);
UPDATE index_state SET format = 0;
DELETE FROM meta WHERE key = 'site';
