-- OpenID Connect (the client as a relying party); PostgreSQL twin of
-- ../sqlite/003_oidc.sql.

-- The nonce sent with each authorization request that asked for openid
-- (OIDC Core §3.1.2.1); empty for a plain OAuth request. The ID token must
-- carry it back (OIDC Core §3.1.3.7).
ALTER TABLE attempts ADD COLUMN nonce TEXT NOT NULL DEFAULT '';

-- Who signed in to a session, from its verified ID token and the UserInfo
-- endpoint. id_token is kept as the id_token_hint of RP-initiated logout.
CREATE TABLE identities (
    session_id   TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    subject      TEXT NOT NULL, -- sub: the user at the OpenID Provider
    provider_sid TEXT NOT NULL, -- sid: the provider's session, '' when none
    name         TEXT NOT NULL,
    email        TEXT NOT NULL,
    id_token     TEXT NOT NULL
);
CREATE INDEX identities_by_subject ON identities (subject, provider_sid);

-- The jti of every back-channel logout token received, until it expires:
-- a second delivery is a replay (OIDC Back-Channel Logout §2.6).
CREATE TABLE logout_jtis (
    jti        TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL -- unix seconds
);

-- The state of each RP-initiated logout (OIDC RP-Initiated Logout §2),
-- SHA-256 (hex), single-use, bound to the browser session that sent it.
CREATE TABLE signout_states (
    state_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    used_at    BIGINT
);
