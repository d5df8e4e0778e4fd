-- portalfeed schema, version 1: the shared store of several instances (issue 12).
-- Records mirror the embedded store's: what sled keeps as JSON is jsonb here, article records
-- are the same zstd frames; the columns are what queries select, order or lock by.

-- Sources as the instances share them: one holder at a time (a lease that expires if its
-- holder dies), the next due time, and the source's state (last run, outcome, validators).
CREATE TABLE sources (
    id text PRIMARY KEY,
    state jsonb NOT NULL DEFAULT '{}'::jsonb,
    next_due timestamptz NOT NULL DEFAULT now(),
    lease_holder text,
    lease_until timestamptz
);
CREATE INDEX sources_next_due ON sources (next_due);

-- Per-host politeness is a shared fact: when the next request to a host may start.
CREATE TABLE hosts (
    host text PRIMARY KEY,
    next_request_at timestamptz NOT NULL DEFAULT now(),
    robots jsonb
);

CREATE TABLE articles (
    key text PRIMARY KEY,
    serial bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    source_id text NOT NULL,
    published timestamptz NOT NULL,
    first_seen timestamptz NOT NULL,
    -- The story's representative, when this article is a copy.
    duplicate_of text,
    fingerprint text NOT NULL,
    record bytea NOT NULL
);
-- The unified feed: representatives, newest first; a source's feed: its own articles.
CREATE INDEX articles_unified ON articles (published DESC, key DESC) WHERE duplicate_of IS NULL;
CREATE INDEX articles_by_source ON articles (source_id, published DESC, key DESC);
CREATE INDEX articles_fingerprint ON articles (fingerprint);

-- List links already followed, and the article each led to.
CREATE TABLE links (
    link text PRIMARY KEY,
    key text NOT NULL
);

-- Near-duplicate lookup: each article's dedup profile, and its sketch hashes.
CREATE TABLE profiles (
    serial bigint PRIMARY KEY,
    profile bytea NOT NULL
);
CREATE TABLE sketch (
    hash bigint NOT NULL,
    serial bigint NOT NULL,
    PRIMARY KEY (hash, serial)
);

CREATE TABLE clusters (
    representative text PRIMARY KEY,
    record jsonb NOT NULL
);
CREATE TABLE merges (
    at timestamptz NOT NULL,
    key text NOT NULL,
    record jsonb NOT NULL,
    PRIMARY KEY (at, key)
);

-- HTTP validators of list pages and feeds, and failed article attempts.
CREATE TABLE validators (
    url text PRIMARY KEY,
    record jsonb NOT NULL
);
CREATE TABLE failures (
    source_id text NOT NULL,
    url text NOT NULL,
    record jsonb NOT NULL,
    PRIMARY KEY (source_id, url)
);

-- Bumped by every write that changes a feed: instances' render caches compare it.
CREATE TABLE generation (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    value bigint NOT NULL
);
INSERT INTO generation (value) VALUES (0);
