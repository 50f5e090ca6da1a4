-- DPoP (RFC 9449): the private key each session's tokens are bound to, as
-- PKCS #8. It never leaves the server: the browser holds only the session
-- cookie. Made at connect; gone with the session.
CREATE TABLE dpop_keys (
    session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    pkcs8      BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
