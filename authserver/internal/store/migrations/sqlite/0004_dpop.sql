-- DPoP (RFC 9449). The key thumbprint (RFC 7638, base64url SHA-256) a
-- request, code or token is bound to; '' when it is not bound.
ALTER TABLE authorization_requests ADD COLUMN dpop_jkt TEXT NOT NULL DEFAULT '';  -- RFC 9449 §10
ALTER TABLE codes ADD COLUMN dpop_jkt TEXT NOT NULL DEFAULT '';                   -- RFC 9449 §10
ALTER TABLE refresh_tokens ADD COLUMN jkt TEXT NOT NULL DEFAULT '';               -- RFC 9449 §5: public clients only
ALTER TABLE access_tokens ADD COLUMN jkt TEXT NOT NULL DEFAULT '';                -- RFC 9449 §6: cnf.jkt

-- The proofs accepted at /token, /par and /userinfo, so that each is
-- accepted once by every replica (RFC 9449 §11.1). key is a SHA-256 of the
-- proof key's thumbprint and jti; a row can go once expires_at (Unix
-- seconds) has passed, since the proof's iat is then out of the window.
CREATE TABLE dpop_proofs (
    key        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX dpop_proofs_expires ON dpop_proofs (expires_at);
