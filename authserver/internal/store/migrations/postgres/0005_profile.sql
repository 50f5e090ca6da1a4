-- Today's profile on PostgreSQL: the same changes as ../0005_profile.sql.
-- Unix times are BIGINT (PostgreSQL's INTEGER has 32 bits).

-- A client the operator exempted from PKCE (`clients add -allow-no-pkce`).
ALTER TABLE clients ADD COLUMN pkce_optional BOOLEAN NOT NULL DEFAULT FALSE;
-- require_pushed_authorization_requests (RFC 9126 §6).
ALTER TABLE clients ADD COLUMN require_par BOOLEAN NOT NULL DEFAULT FALSE;
-- The public keys of a private_key_jwt client, a JSON JWK Set, or ''.
ALTER TABLE clients ADD COLUMN jwks TEXT NOT NULL DEFAULT '';

-- The jti of each client assertion seen, until it expires (RFC 7523 §3).
CREATE TABLE client_assertion_jtis (
    client_id  TEXT NOT NULL,
    jti_hash   TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, jti_hash)
);
CREATE INDEX client_assertion_jtis_by_expiry ON client_assertion_jtis (expires_at);
