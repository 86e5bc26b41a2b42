-- Meaning-based ranking beside a text the model cannot embed, and beside another model's process
-- (index/storage/vectors.py, round 28).
--
-- A passage text the embedding model raises on (its own fault: the model embeds other texts
-- meanwhile) is recorded here with why, one line, and skipped: the site is ranked by meaning
-- with that passage ranked by words alone. Keyed as passage_vectors is, so it is tried again
-- when its text changes (another digest) or the model does (another name or version), and
-- not at every retry of a failed fill.
CREATE TABLE passage_vector_skips (
    digest INTEGER NOT NULL,  -- passage_texts(digest) of the text the model failed on
    model  TEXT NOT NULL,     -- the embedding model's name and version
    reason TEXT NOT NULL,     -- why, one line (the exception's class and words)
    PRIMARY KEY (digest, model)
) WITHOUT ROWID;

-- When each model's vectors were last used (Unix time): a process filling or serving a model's
-- vectors (the bot, `briefbot index`) marks its own, and another model's vectors are deleted only
-- once unused for a while (or asked: `briefbot index --drop-other-vectors`), so that two
-- processes of two model versions sharing the file no longer delete each other's at each start.
CREATE TABLE vector_models (
    model   TEXT PRIMARY KEY,
    used_at REAL NOT NULL
) WITHOUT ROWID;

-- The models with vectors stored before: counted as used now (kept for the while).
INSERT INTO vector_models (model, used_at)
SELECT DISTINCT model, CAST(strftime('%s', 'now') AS REAL) FROM passage_vectors;
