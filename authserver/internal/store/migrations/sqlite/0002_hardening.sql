-- Hardening after the security review.

-- Secrets the server makes for itself (the CSRF HMAC key): created once by
-- whichever replica starts first (INSERT OR IGNORE), then read back by all,
-- so every replica agrees and a restart changes nothing.
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- Where a client came from: 'seed' (demo data), 'cli' (authserver clients
-- add) or 'registration' (POST /register, RFC 7591). Registered clients
-- are unverified: anyone can create one.
ALTER TABLE clients ADD COLUMN source TEXT NOT NULL DEFAULT 'cli';

-- Key rotation in three steps: publish ahead (in the JWKS, not yet
-- signing), sign (from signs_from on), retire (out of the JWKS).
ALTER TABLE signing_keys ADD COLUMN signs_from INTEGER;   -- NULL: from created_at
ALTER TABLE signing_keys ADD COLUMN retired_at INTEGER;   -- NULL while published
