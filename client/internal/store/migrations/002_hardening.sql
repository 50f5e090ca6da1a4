-- Secrets the client makes once and keeps: every replica and every restart
-- reads the same value (name 'csrf' is the HMAC key of the form tokens).
CREATE TABLE app_keys (
    name TEXT PRIMARY KEY,
    key  BLOB NOT NULL
);
