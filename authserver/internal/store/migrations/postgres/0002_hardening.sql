-- Hardening after the security review (PostgreSQL twin of
-- ../sqlite/0002_hardening.sql).

-- Secrets the server makes for itself (the CSRF HMAC key): created once by
-- whichever replica starts first (ON CONFLICT DO NOTHING), then read back by
-- all, so every replica agrees and a restart changes nothing.
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    value      BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- Where a client came from: 'seed' (demo data), 'cli' (authserver clients
-- add) or 'registration' (POST /register, RFC 7591).
ALTER TABLE clients ADD COLUMN source TEXT NOT NULL DEFAULT 'cli';

-- Key rotation in three steps: publish ahead, sign (from signs_from on),
-- retire (out of the JWKS).
ALTER TABLE signing_keys ADD COLUMN signs_from BIGINT;   -- NULL: from created_at
ALTER TABLE signing_keys ADD COLUMN retired_at BIGINT;   -- NULL while published
