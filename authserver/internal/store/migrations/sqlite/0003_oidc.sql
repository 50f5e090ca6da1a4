-- OpenID Connect, and authorization requests kept on the server.

-- Standard claims (OIDC Core §5.1); display_name stays the short name the
-- pages show, name is the full name for the `name` claim.
ALTER TABLE users ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;

-- Client metadata of OIDC Registration §2, RP-Initiated Logout §3.1 and
-- Back-Channel Logout §2.2.
ALTER TABLE clients ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]'; -- JSON array
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT '';  -- '' = RS256
ALTER TABLE clients ADD COLUMN default_max_age INTEGER NOT NULL DEFAULT 0;             -- seconds; 0 = none
ALTER TABLE clients ADD COLUMN require_auth_time INTEGER NOT NULL DEFAULT 0;

-- A key signs either access tokens or ID tokens (and logout tokens), never
-- both. There is one ID-token key per algorithm, created on first use.
ALTER TABLE signing_keys ADD COLUMN purpose TEXT NOT NULL DEFAULT 'access'; -- 'access' or 'id_token'
CREATE UNIQUE INDEX signing_keys_one_id_token_key_per_alg ON signing_keys(alg) WHERE purpose = 'id_token';

-- sid is the session's public identifier (the `sid` claim); the cookie
-- value never leaves the browser. auth_time is when the user last signed in.
ALTER TABLE sessions ADD COLUMN sid TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN auth_time INTEGER NOT NULL DEFAULT 0;

-- What an ID token needs: the nonce of the first one, and the sign-in the
-- grant came from (a refreshed ID token keeps auth_time, OIDC Core §12.2).
ALTER TABLE codes ADD COLUMN nonce TEXT NOT NULL DEFAULT '';
ALTER TABLE grants ADD COLUMN auth_time INTEGER NOT NULL DEFAULT 0;
ALTER TABLE grants ADD COLUMN sid TEXT NOT NULL DEFAULT '';

-- The clients each session signed in to with openid: who gets a
-- back-channel logout token when the session ends.
CREATE TABLE session_clients (
    sid        TEXT NOT NULL,
    client_id  TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (sid, client_id)
);

-- A checked authorization request waiting for the user to sign in and
-- answer the consent page. The browser holds only the random id.
CREATE TABLE authorization_requests (
    id_hash        TEXT PRIMARY KEY,          -- SHA-256 of the request id
    binding_hash   TEXT NOT NULL,             -- SHA-256 of the browser's session or pre-session cookie
    client_id      TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    redirect_uri   TEXT NOT NULL,
    redirect_given INTEGER NOT NULL,
    scopes         TEXT NOT NULL,
    state          TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    prompt         TEXT NOT NULL,             -- space-delimited
    nonce          TEXT NOT NULL,
    max_age        INTEGER NOT NULL,          -- seconds; -1 when none
    login_hint     TEXT NOT NULL,
    hint_subject   TEXT NOT NULL,             -- sub of the id_token_hint, '' when none
    signed_in_at   INTEGER,                   -- set when the user signed in during this request
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER                    -- set when approved or denied
);
