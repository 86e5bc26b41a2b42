-- Each passage text's embedding by a text-embedding model (the learned scorer's dense features,
-- issue 10 round 24; index/storage/vectors.py), keyed by the text's digest (passage_texts) and
-- the model that made it: a text unchanged across reindexes is embedded once; a changed model
-- (another name or version) embeds every text again and never reads the other's vectors.
-- Embedding is slow (~0.2 s a passage on two cores), so it is done after the index is served,
-- a batch at a time, and each batch is kept as it is made.
CREATE TABLE passage_vectors (
    digest INTEGER NOT NULL,  -- passage_texts(digest) of the text embedded
    model  TEXT NOT NULL,     -- the embedding model's name and version
    vector BLOB NOT NULL,     -- float32 (little-endian), unit length
    PRIMARY KEY (digest, model)
) WITHOUT ROWID;
