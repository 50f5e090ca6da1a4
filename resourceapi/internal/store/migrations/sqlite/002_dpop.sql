-- The DPoP proofs this API accepted (RFC 9449 §11.1), so that every replica
-- refuses a proof any of them accepted. key is a SHA-256 of the proof key's
-- thumbprint and jti; a row can go once expires_at (Unix seconds) has
-- passed, since the proof's iat is then outside the accepted window.
CREATE TABLE dpop_proofs (
    key        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX dpop_proofs_expires ON dpop_proofs (expires_at);
