-- New-post alerts: who wants them, which posts were already seen, and the delivery outbox.

-- One subscription per channel; the guild is kept so /alerts works per server.
CREATE TABLE alert_subscriptions (
    channel_id    INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    category      TEXT,                  -- NULL: posts of every category
    role_id       INTEGER,               -- NULL: ping nobody
    created_by    INTEGER NOT NULL,
    created_at    TEXT NOT NULL,         -- ISO 8601, UTC
    failing_since TEXT,                  -- NULL while deliveries succeed
    last_error    TEXT                   -- why the channel refused the last delivery
);

CREATE INDEX alert_subscriptions_by_guild ON alert_subscriptions (guild_id);

-- Content folders whose posts have been recorded once: the first scan of a folder only marks
-- its posts as seen (announcing an existing site would flood every channel).
CREATE TABLE alert_sources (
    content_dir    TEXT PRIMARY KEY,
    baseline_at    TEXT NOT NULL,
    baseline_posts INTEGER NOT NULL
);

-- Every post id ever seen in a content folder: a post is new when its id is not here.
CREATE TABLE seen_posts (
    content_dir TEXT NOT NULL,
    post_id     TEXT NOT NULL,
    seen_at     TEXT NOT NULL,
    PRIMARY KEY (content_dir, post_id)
) WITHOUT ROWID;

-- The outbox: one row per (channel, post), written in the same transaction that marks the post
-- seen, and set to 'delivered' only after Discord accepted the message. The primary key makes a
-- second announcement of a post in a channel impossible.
CREATE TABLE alert_deliveries (
    channel_id   INTEGER NOT NULL,
    content_dir  TEXT NOT NULL,
    post_id      TEXT NOT NULL,
    guild_id     INTEGER NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'delivered', 'dropped')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    message_id   INTEGER,
    created_at   TEXT NOT NULL,
    delivered_at TEXT,
    PRIMARY KEY (channel_id, content_dir, post_id)
) WITHOUT ROWID;

CREATE INDEX alert_deliveries_pending ON alert_deliveries (state, channel_id);
