-- The authorization server's schema. Secrets are never stored in clear:
-- passwords and client secrets as bcrypt hashes, authorization codes,
-- refresh tokens and session ids as SHA-256 hashes. Times are Unix seconds.

CREATE TABLE users (
    subject       TEXT PRIMARY KEY,          -- the `sub` claim
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,             -- bcrypt
    display_name  TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE clients (
    id            TEXT PRIMARY KEY,
    secret_hash   TEXT NOT NULL,             -- bcrypt; '' for public clients
    name          TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,             -- JSON array
    grant_types   TEXT NOT NULL,             -- space-delimited
    scopes        TEXT NOT NULL,             -- space-delimited
    auth_method   TEXT NOT NULL,             -- token_endpoint_auth_method
    created_at    INTEGER NOT NULL
);

-- What each user approved for each client: skips the consent page next time.
CREATE TABLE consents (
    user_id    TEXT NOT NULL REFERENCES users(subject) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    scopes     TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- One authorization: its code, refresh-token family and access tokens all
-- point here, so revoking the grant revokes them all.
CREATE TABLE grants (
    id         TEXT PRIMARY KEY,
    user_id    TEXT REFERENCES users(subject) ON DELETE CASCADE, -- NULL for client_credentials
    client_id  TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    scopes     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX grants_by_user_client ON grants(user_id, client_id);

CREATE TABLE codes (
    hash           TEXT PRIMARY KEY,         -- SHA-256 of the code
    grant_id       TEXT NOT NULL REFERENCES grants(id) ON DELETE CASCADE,
    client_id      TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    scopes         TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    redirect_given INTEGER NOT NULL,
    code_challenge TEXT NOT NULL,            -- PKCE S256, '' when none
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
);

CREATE TABLE refresh_tokens (
    hash       TEXT PRIMARY KEY,             -- SHA-256 of the token
    grant_id   TEXT NOT NULL REFERENCES grants(id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER                       -- set when rotated
);
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens(grant_id);

CREATE TABLE access_tokens (
    jti        TEXT PRIMARY KEY,
    grant_id   TEXT NOT NULL REFERENCES grants(id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,                -- '' for client_credentials
    scopes     TEXT NOT NULL,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX access_tokens_by_grant ON access_tokens(grant_id);

CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    alg         TEXT NOT NULL,
    private_key BLOB NOT NULL,               -- PKCS #8, DER
    created_at  INTEGER NOT NULL
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,             -- SHA-256 of the cookie value
    user_id    TEXT NOT NULL REFERENCES users(subject) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
