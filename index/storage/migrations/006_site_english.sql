-- The words of English's word list (wordfreq's small list: index/terms/english.py) whose terms
-- the index's vocabulary holds, with their Zipf frequency (english.site_table), as one text
-- (english.WordTable) written with each generation: the off-topic rule (round 27d) reads it for
-- the words the site has, so answering a question whose words the site all has does not read
-- the list. A row of another generation (an index stored by an earlier version) is not read:
-- the list is.
CREATE TABLE site_english (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL,  -- index_state's generation it was made for
    words      TEXT NOT NULL      -- a "word<TAB>zipf" line per word
);
