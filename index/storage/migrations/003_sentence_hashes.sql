-- Each post's sentence hashes (uint64, little-endian, one per sentence document): the site's
-- boilerplate is the lines recurring in many posts (index/boilerplate.py). Rows written before
-- have none; their index format (fields.INDEX_FORMAT) is older, so they are rebuilt, not read.
ALTER TABLE post_stats ADD COLUMN sentence_hashes BLOB NOT NULL DEFAULT x'';
