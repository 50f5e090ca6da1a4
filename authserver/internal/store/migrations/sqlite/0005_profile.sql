-- Today's profile: OAuth 2.1 defaults, pushed authorization requests
-- (RFC 9126) and asymmetric client authentication (RFC 7523).

-- A client the operator exempted from PKCE (`clients add -allow-no-pkce`);
-- every other client must send a code_challenge (OAuth 2.1).
ALTER TABLE clients ADD COLUMN pkce_optional INTEGER NOT NULL DEFAULT 0;
-- require_pushed_authorization_requests (RFC 9126 §6).
ALTER TABLE clients ADD COLUMN require_par INTEGER NOT NULL DEFAULT 0;
-- The public keys of a private_key_jwt client (RFC 7591 §2 jwks), a JSON
-- JWK Set; '' for every other client.
ALTER TABLE clients ADD COLUMN jwks TEXT NOT NULL DEFAULT '';

-- Pushed requests live in authorization_requests (0003) until /authorize
-- consumes them; their id is the request_uri's random part, hashed.

-- The jti of each client assertion seen, until it expires: an assertion
-- is single use (RFC 7523 §3), across every replica.
CREATE TABLE client_assertion_jtis (
    client_id  TEXT NOT NULL,
    jti_hash   TEXT NOT NULL,             -- SHA-256 of the jti
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti_hash)
);
CREATE INDEX client_assertion_jtis_by_expiry ON client_assertion_jtis(expires_at);
