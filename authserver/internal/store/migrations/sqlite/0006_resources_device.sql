-- Protected resources as data (RFC 8707 resource indicators) and the
-- device authorization grant (RFC 8628).

-- The resource servers this server issues tokens for: the identifier is
-- the `resource` parameter and the `aud` of their tokens.
CREATE TABLE resources (
    identifier TEXT PRIMARY KEY,             -- absolute URI, no fragment (RFC 8707 §2)
    name       TEXT NOT NULL,                -- shown on the consent page
    created_at INTEGER NOT NULL
);

-- The scopes each resource defines. A scope name belongs to one resource,
-- so a scope alone says which API it is for.
CREATE TABLE resource_scopes (
    resource    TEXT NOT NULL REFERENCES resources(identifier) ON DELETE CASCADE,
    scope       TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,               -- plain words, for the consent page
    user_data   INTEGER NOT NULL,            -- 1: only a user may grant it
    PRIMARY KEY (resource, scope)
);

-- The resources (space-delimited identifiers) each step was for; '' on
-- rows written before this migration means the default audience.
ALTER TABLE authorization_requests ADD COLUMN resources TEXT NOT NULL DEFAULT '';
ALTER TABLE codes ADD COLUMN resources TEXT NOT NULL DEFAULT '';
ALTER TABLE refresh_tokens ADD COLUMN resources TEXT NOT NULL DEFAULT '';
ALTER TABLE access_tokens ADD COLUMN resources TEXT NOT NULL DEFAULT '';

-- One device authorization (RFC 8628 §3.2). Both codes are stored as
-- SHA-256 hashes; the user code is normalised (upper case, no dash) first.
CREATE TABLE device_codes (
    device_code_hash TEXT PRIMARY KEY,
    user_code_hash   TEXT NOT NULL UNIQUE,
    client_id        TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    scopes           TEXT NOT NULL,
    resources        TEXT NOT NULL,
    interval_seconds INTEGER NOT NULL,       -- grows by 5 on each slow_down (RFC 8628 §3.5)
    last_polled_at   INTEGER,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending', -- pending, approved, denied
    user_id          TEXT,                   -- who approved or denied
    auth_time        INTEGER NOT NULL DEFAULT 0,
    sid              TEXT NOT NULL DEFAULT '',
    used_at          INTEGER                 -- set when tokens were issued: single use
);
CREATE INDEX device_codes_by_expiry ON device_codes(expires_at);
