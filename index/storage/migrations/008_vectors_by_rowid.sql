-- The vectors' table as an ordinary (rowid) table (round 28e). Each sentence an answer's first
-- page can show is embedded and stored here too (~30k rows on the reference site, beside ~5k
-- passages'), and a row of a WITHOUT ROWID table holds its 1.5 KB vector on an overflow page
-- of its own: 4.7 KB a row (measured), where a rowid table packs two rows a page, 2.1 KB.
-- The reference site's sentences take ~62 MB instead of ~139 MB. Same columns, same key.
CREATE TABLE passage_vectors_packed (
    digest INTEGER NOT NULL,  -- passage_texts(digest), or a sentence's text's digest
    model  TEXT NOT NULL,     -- the embedding model's name and version
    vector BLOB NOT NULL,     -- float32 (little-endian), unit length
    PRIMARY KEY (digest, model)
);

INSERT INTO passage_vectors_packed (digest, model, vector)
SELECT digest, model, vector FROM passage_vectors;

DROP TABLE passage_vectors;

ALTER TABLE passage_vectors_packed RENAME TO passage_vectors;
