-- What each CMS's item shows now, signed chain heads, page sessions, and the
-- count of findings a review does not list.

-- Findings left out of the list by the caps, counted per rule (JSON).
ALTER TABLE reviews ADD COLUMN omitted TEXT;

-- The review that decides whether an item may be online: the one of the
-- content submitted last (a resubmission of older content makes that
-- older review current again). Items are scoped by the submitting CMS
-- token, so two CMSs never share an item.
CREATE TABLE items (
    scope TEXT NOT NULL,
    item_id TEXT NOT NULL,
    current_review_id TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (scope, item_id)
);
INSERT INTO items (scope, item_id, current_review_id, updated_at)
SELECT r.token_id, r.item_id,
       (SELECT r2.id FROM reviews r2
         WHERE r2.token_id = r.token_id AND r2.item_id = r.item_id
         ORDER BY r2.created_at DESC, r2.id DESC LIMIT 1),
       MAX(r.created_at)
  FROM reviews r
 GROUP BY r.token_id, r.item_id;

-- Signed heads of the audit chain (see src/service/store/chain.rs). They are
-- also written outside the database (the anchors file, the paper 登记簿):
-- a copy here alone proves little against someone who can edit the database.
CREATE TABLE anchors (
    seq BIGINT NOT NULL,
    head_hash TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL
);

-- Sign-in sessions of the pages; signing out deletes the row, so a copied
-- cookie stops working at once.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_id TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Events written from now on hash a length-prefixed encoding of their
-- fields (2); older ones the newline-joined one (NULL = 1), which let a
-- line break move between two fields unseen.
ALTER TABLE events ADD COLUMN hash_version BIGINT;
