-- The index: posts, their passages, files that could not be read cleanly, and the term statistics.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE posts (
    id          TEXT PRIMARY KEY,      -- path relative to the posts folder
    title       TEXT NOT NULL,
    date        TEXT NOT NULL,         -- ISO date
    categories  TEXT NOT NULL,         -- JSON array
    tags        TEXT NOT NULL,         -- JSON array
    authors     TEXT NOT NULL,         -- JSON array
    excerpt     TEXT NOT NULL,
    url         TEXT NOT NULL,
    layout      TEXT,
    redirect    INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,         -- sha256 of the file: unchanged files are not re-parsed
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL
);

CREATE TABLE passages (
    post_id      TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    heading_path TEXT NOT NULL,        -- JSON array
    anchor       TEXT,
    text         TEXT NOT NULL,
    PRIMARY KEY (post_id, ordinal)
) WITHOUT ROWID;

-- Files skipped or recovered at their last reading, kept so a rebuild can report them again
-- without re-reading unchanged files.
CREATE TABLE load_issues (
    path        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('skipped', 'recovered')),
    reason      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL,
    PRIMARY KEY (path, kind)
);

-- The searchable index as term statistics (one row, replaced whole in the same transaction as
-- the posts and passages it describes, so readers see the old index or the new one, never a mix).
CREATE TABLE index_snapshot (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL,
    built_at   TEXT NOT NULL,
    data       BLOB NOT NULL
);
