-- client_secret_jwt (RFC 7523 §2.2, OIDC Core §9): the assertion is an
-- HMAC keyed with the client secret, so for these clients alone the secret
-- is also kept encrypted (AES-256-GCM, nonce then ciphertext, the client id
-- authenticated with it) under the server secret 'client_secret_key'. NULL
-- for every other client, whose secret exists only as secret_hash.
ALTER TABLE clients ADD COLUMN secret_enc BYTEA;
