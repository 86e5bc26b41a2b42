-- Alerts that survive renames, posts held back for broken front matter, and sends that may have
-- reached Discord without being recorded.

-- Every identity a seen post ever had: its URL ("url:…") and its file's sha256 ("sha:…"). A post
-- whose file was renamed keeps one of them, so it is not announced again.
CREATE TABLE seen_identities (
    content_dir TEXT NOT NULL,
    identity    TEXT NOT NULL,
    post_id     TEXT NOT NULL,           -- the post that last had it (pending alerts follow it)
    PRIMARY KEY (content_dir, identity)
) WITHOUT ROWID;

-- New posts that only loaded by recovering their front matter: not announced (nor marked seen)
-- until they load cleanly; listed for moderators meanwhile.
CREATE TABLE held_posts (
    content_dir TEXT NOT NULL,
    post_id     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    held_since  TEXT NOT NULL,
    PRIMARY KEY (content_dir, post_id)
) WITHOUT ROWID;

-- Written just before a message is sent: a delivery with a send time but still pending may have
-- been accepted by Discord (a crash before it was recorded), so the channel is looked at first.
ALTER TABLE alert_deliveries ADD COLUMN first_sent_at TEXT;
