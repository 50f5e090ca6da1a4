-- Sessions of the demo client, on PostgreSQL: the same tables as
-- ../sqlite/001_init.sql, so one set of queries serves both. Times are in
-- BIGINT. id is the SHA-256 (hex) of the cookie value.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL, -- unix seconds
    seen_at    BIGINT NOT NULL
);

-- Authorization requests sent and not yet answered: one per "Connect" click.
CREATE TABLE attempts (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    verifier   TEXT NOT NULL, -- PKCE code_verifier (RFC 7636 §4.1)
    scope      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- SQLite's implicit rowid made explicit (the order attempts were
    -- made in), named rowid so that one ORDER BY serves both databases.
    rowid      BIGINT GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (session_id, state)
);

-- The tokens of a connected session.
CREATE TABLE tokens (
    session_id    TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    access_token  TEXT NOT NULL,
    token_type    TEXT NOT NULL,
    refresh_token TEXT NOT NULL,
    expiry        BIGINT NOT NULL, -- unix milliseconds, 0 when unknown
    scope         TEXT NOT NULL
);

-- The flow inspector's timeline: one row per step, data is flow.Step as JSON.
CREATE TABLE steps (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX steps_by_session ON steps (session_id, id);
