-- portalfeed schema, version 2: what the PostgreSQL backend of the store needs beyond version 1.

-- Keys and cursors order bytewise, as in the embedded store, whatever the database's locale.
DROP INDEX articles_unified;
DROP INDEX articles_by_source;
ALTER TABLE articles ALTER COLUMN key TYPE text COLLATE "C";
ALTER TABLE articles ALTER COLUMN duplicate_of TYPE text COLLATE "C";
-- Feed order is (publication time in whole seconds, key): what a cursor names.
ALTER TABLE articles ADD COLUMN published_s bigint NOT NULL DEFAULT 0;
-- The story an article belongs to: its representative's key (its own when it is one).
ALTER TABLE articles ADD COLUMN story text COLLATE "C"
    GENERATED ALWAYS AS (COALESCE(duplicate_of, key)) STORED;
-- The category as matched (lower case, no diacritics), and the words of title, summary and
-- text as the embedded search index has them (folded, with positions, for phrases).
ALTER TABLE articles ADD COLUMN category text;
ALTER TABLE articles ADD COLUMN words tsvector NOT NULL DEFAULT ''::tsvector;
CREATE INDEX articles_unified ON articles (published_s DESC, key DESC)
    WHERE duplicate_of IS NULL;
CREATE INDEX articles_by_source ON articles (source_id, published_s DESC, key DESC);
CREATE INDEX articles_story ON articles (story);
-- GIN's pending list kept small: searches scan every entry in it (the default 4 MB made a
-- phrase 50-160 ms before a vacuum at 6k-20k articles, 0.3 ms after), and without it each
-- article's thousand lexemes go into the tree one by one (77 articles/s instead of 140).
CREATE INDEX articles_words ON articles USING gin (words)
    WITH (fastupdate = on, gin_pending_list_limit = 256);

-- Per-source counters kept with each article (no counting scans for status pages).
CREATE TABLE counts (
    source_id text PRIMARY KEY,
    articles bigint NOT NULL DEFAULT 0,
    merged bigint NOT NULL DEFAULT 0
);

-- Failed attempts per article link.
DROP TABLE failures;
CREATE TABLE failures (
    link text PRIMARY KEY,
    attempts integer NOT NULL
);

-- robots.txt per site, as last fetched.
CREATE TABLE robots (
    site text PRIMARY KEY,
    record jsonb NOT NULL
);

CREATE INDEX merges_newest ON merges (at DESC, key DESC);
