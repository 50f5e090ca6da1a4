-- PostgreSQL twin of ../sqlite/002_hardening.sql.
-- Secrets the client makes once and keeps: every replica and every restart
-- reads the same value (name 'csrf' is the HMAC key of the form tokens).
CREATE TABLE app_keys (
    name TEXT PRIMARY KEY,
    key  BYTEA NOT NULL
);

-- An attempt is consumed (used_at set) by the one callback that may
-- exchange its code; later loads of the same callback URL find it used.
ALTER TABLE attempts ADD COLUMN used_at BIGINT; -- unix seconds, NULL while pending
CREATE INDEX attempts_by_state ON attempts (state);
