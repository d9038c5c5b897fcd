-- 网站巡检 (src/service/inspect/): runs, the URL frontier they share (so
-- several instances on one PostgreSQL crawl one run and no URL is fetched
-- twice), the per-origin robots.txt and request slots, one record per URL,
-- what is known of each URL between runs (incremental runs), officers'
-- actions on records, and the state of scheduled runs. Only TEXT and BIGINT,
-- as in every table.

CREATE TABLE inspect_runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- RunSettings as JSON: start URLs, allowed hosts, limits, ignore_robots.
    settings TEXT NOT NULL,
    -- running, finished
    status TEXT NOT NULL,
    -- Who started it: a token's name, `schedule:NAME`, or `cli`.
    started_by TEXT NOT NULL,
    schedule TEXT,
    lexicon_version TEXT NOT NULL,
    -- Links leased so far (max_pages is checked against it).
    leased BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX inspect_runs_status ON inspect_runs (status, created_at);

-- One row per URL a run found. Workers lease rows (state `leased`, an
-- owner and an expiry in epoch milliseconds, renewed while they work):
-- PostgreSQL with FOR UPDATE SKIP LOCKED, SQLite by its single writer. A
-- lease that expired (its worker died) is taken by another.
CREATE TABLE inspect_frontier (
    run_id TEXT NOT NULL,
    url TEXT NOT NULL,
    origin TEXT NOT NULL,
    -- robots, sitemap, link; priority 0, 1, 2 (robots.txt first).
    kind TEXT NOT NULL,
    priority BIGINT NOT NULL,
    referrer TEXT,
    depth BIGINT NOT NULL,
    -- JSON array of the URLs that redirected here.
    redirects TEXT,
    -- queued, leased, done, skipped
    state TEXT NOT NULL,
    skip_reason TEXT,
    lease_owner TEXT,
    lease_until BIGINT,
    attempts BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (run_id, url)
);
CREATE INDEX inspect_frontier_lease ON inspect_frontier (run_id, state, priority, depth, seq);

-- Per run and origin: robots.txt as fetched (NULL: unreachable, '': none)
-- and the next request slot (epoch ms) that `rate` allows, shared by every
-- instance working on the run.
CREATE TABLE inspect_origins (
    run_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    robots TEXT,
    robots_done BIGINT NOT NULL,
    next_slot BIGINT NOT NULL,
    PRIMARY KEY (run_id, origin)
);

CREATE TABLE inspect_records (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    url TEXT NOT NULL,
    referrer TEXT,
    -- page, attachment, redirect, crawl
    kind TEXT NOT NULL,
    status BIGINT,
    content_type TEXT,
    title TEXT,
    decision TEXT NOT NULL,
    findings TEXT NOT NULL,
    omitted TEXT,
    error TEXT,
    content_hash TEXT,
    size BIGINT,
    -- The decoded page, kept for records that are not `pass` (highlighting).
    content TEXT,
    redirect_to TEXT,
    duplicate_of TEXT,
    unchanged BIGINT NOT NULL,
    -- JSON: the action that keeps it quiet; the 已整改 check it made.
    quiet TEXT,
    check_result TEXT,
    lexicon_version TEXT NOT NULL,
    worker TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    UNIQUE (run_id, url)
);
CREATE INDEX inspect_records_hash ON inspect_records (run_id, content_hash);

-- What the last run knew of each URL: validators for If-None-Match and
-- If-Modified-Since, the content hash and lexicon version it was scanned
-- with, the record whose verdict an unchanged answer reuses, and the page's
-- links (so that a 304 still leads on).
CREATE TABLE inspect_urls (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    content_hash TEXT,
    lexicon_version TEXT,
    record_id TEXT,
    links TEXT,
    updated_at TEXT NOT NULL
);

-- Officers' actions; each is also an event in the audit chain
-- (`inspection_action`), and the 已整改 check an `inspection_checked` one.
CREATE TABLE inspect_actions (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    url TEXT NOT NULL,
    content_hash TEXT,
    -- rectified, false_positive, to_review
    action TEXT NOT NULL,
    officer_token TEXT NOT NULL,
    officer TEXT NOT NULL,
    comment TEXT NOT NULL,
    review_id TEXT,
    created_at TEXT NOT NULL,
    check_run_id TEXT,
    check_result TEXT,
    checked_at TEXT
);
CREATE INDEX inspect_actions_url ON inspect_actions (url, created_at);

-- Scheduled runs (config `[[inspect_schedule]]`): when each is due next.
-- Instances claim a due schedule with a conditional UPDATE, so one run
-- starts however many instances see it due.
CREATE TABLE inspect_schedules (
    name TEXT PRIMARY KEY,
    next_run_at TEXT NOT NULL,
    last_run_id TEXT
);
