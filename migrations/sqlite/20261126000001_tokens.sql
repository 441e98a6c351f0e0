-- Bearer tokens for writes. Only a SHA-256 hash of each token is stored; the token itself is
-- printed once, when it is created. A revoked token stays listed (revoked_at set) so the change
-- log's actor names remain explainable.
CREATE TABLE tokens (
    name        TEXT PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    revoked_at  TEXT
) STRICT;
